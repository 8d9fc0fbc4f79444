// The service certificate offline checks trust (receipt verify, ledger
// audit): --service-cert FILE, else the global --cacert, else the
// workspace's service_cert.pem.
#pragma once

#include <optional>
#include <string>

#include "bank/certificate.hpp"
#include "cli.hpp"

namespace bankctl {

// nullopt when none of the three is set; an error when the file named
// cannot be read as a certificate.
bank::Result<std::optional<bank::Certificate>> TrustedServiceCertificate(const Context& ctx,
                                                                         const std::string& flag_path);

}  // namespace bankctl
