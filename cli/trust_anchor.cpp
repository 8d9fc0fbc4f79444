#include "trust_anchor.hpp"

#include <filesystem>

namespace bankctl {

bank::Result<std::optional<bank::Certificate>> TrustedServiceCertificate(const Context& ctx,
                                                                         const std::string& flag_path) {
  std::string path = flag_path;
  if (path.empty()) path = ctx.settings.cacert;
  if (path.empty() && !ctx.WorkspaceDir().empty()) {
    std::string candidate = ctx.WorkspaceFile("service_cert.pem");
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) path = candidate;
  }
  if (path.empty()) return std::optional<bank::Certificate>();
  BANK_ASSIGN_OR_RETURN(auto cert, bank::Certificate::LoadFile(path));
  return std::optional<bank::Certificate>(std::move(cert));
}

}  // namespace bankctl
