// The node's identity: service key and self-signed service certificate,
// node key and the node (TLS) certificate the service certificate endorses.
// Created at first start in the data directory and reused afterwards, so a
// restarted node keeps its service identity, node id and TLS certificate.
#pragma once

#include <string>
#include <vector>

#include "bank/status.hpp"
#include "node/node.hpp"

namespace bankd::node {

// Files in `data_directory`: service_privk.pem, service_cert.pem,
// node_privk.pem, node_cert.pem. `subject_alt_names` use the config's
// "iPAddress:..." / "dNSName:..." forms; they apply to a node certificate
// being created.
bank::Result<NodeIdentity> LoadOrCreateIdentity(const std::string& data_directory,
                                                const std::vector<std::string>& subject_alt_names);

}  // namespace bankd::node
