#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "bank/certificate.hpp"
#include "bank/encoding.hpp"
#include "bank/json_text.hpp"
#include "cli.hpp"

namespace bankctl {
namespace fs = std::filesystem;
using bank::Result;
using bank::Status;

namespace {

bool FileExists(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

}  // namespace

void Context::Bind(CLI::App* cmd, std::function<bank::Status()> handler) {
  // CLI11 runs a parsed subcommand's callback before its parent's: the first
  // one to claim the slot is the most specific command invoked.
  cmd->callback([this, handler = std::move(handler)] {
    if (!selected_) selected_ = handler;
  });
}

bank::Status Context::RunSelected() {
  if (!selected_) return Status::Usage("no command given (see bankctl --help)");
  return selected_();
}

std::string Context::WorkspaceDir() const { return EffectiveWorkspace(settings.workspace); }

std::string Context::WorkspaceFile(const std::string& file) const {
  std::string dir = WorkspaceDir();
  return dir.empty() ? file : (fs::path(dir) / file).string();
}

Result<bank::TlsConfig> Context::Tls() const {
  bank::TlsConfig tls;
  tls.server = settings.server;
  tls.timeout = std::chrono::milliseconds(static_cast<long long>(settings.timeout_seconds * 1000));
  tls.verbose = settings.verbose;
  if (!settings.cacert.empty()) {
    tls.cacert_path = settings.cacert;
  } else if (!settings.workspace.empty()) {
    tls.cacert_path = WorkspaceFile("service_cert.pem");
    if (!FileExists(tls.cacert_path))
      return Status::InputFile(tls.cacert_path +
                               ": no service certificate in the workspace (pass --cacert FILE)");
  } else {
    return Status::Usage("no service certificate: pass --cacert FILE or --workspace DIR (or set a profile)");
  }
  if (!settings.cert.empty() || !settings.key.empty()) {
    if (settings.cert.empty() || settings.key.empty())
      return Status::Usage("--cert and --key go together: give both or use --as NAME");
    tls.cert_path = settings.cert;
    tls.key_path = settings.key;
  } else if (!settings.as.empty()) {
    if (settings.workspace.empty()) return Status::Usage("--as " + settings.as + " needs --workspace DIR");
    tls.cert_path = WorkspaceFile(settings.as + "_cert.pem");
    tls.key_path = WorkspaceFile(settings.as + "_privk.pem");
    if (!FileExists(tls.cert_path))
      return Status::InputFile(tls.cert_path + ": no identity '" + settings.as + "' in workspace " +
                               WorkspaceDir());
  }
  return tls;
}

Result<bank::HttpClient*> Context::Client() {
  if (!client_) {
    auto tls = Tls();
    if (!tls.ok()) return tls.status();
    auto client = bank::HttpClient::Create(*tls);
    if (!client.ok()) return client.status();
    client_.emplace(std::move(*client));
  }
  return &*client_;
}

Result<bank::Identity> Context::SigningIdentity() const {
  auto tls = Tls();
  if (!tls.ok()) return tls.status();
  if (tls->cert_path.empty())
    return Status::Usage(
        "no identity to sign with: pass --as NAME (with --workspace) or --cert FILE --key FILE");
  return bank::LoadIdentity(tls->cert_path, tls->key_path);
}

Result<std::string> Context::ResolveId(const std::string& name_or_id) const {
  if (name_or_id.size() == 64) {
    std::string lower;
    for (char c : name_or_id) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (bank::IsHexId(lower)) return lower;
  }
  if (name_or_id.empty()) return Status::Usage("an empty user id");
  if (name_or_id.find('/') != std::string::npos || name_or_id.ends_with(".pem")) {
    auto cert = bank::Certificate::LoadFile(name_or_id);
    if (!cert.ok()) return cert.status();
    return cert->Id();
  }
  if (settings.workspace.empty())
    return Status::Usage(
        "'" + name_or_id +
        "' is not a 64-hex id, and there is no workspace to find it in (pass --workspace DIR)");
  std::string path = WorkspaceFile(name_or_id + "_cert.pem");
  if (!FileExists(path))
    return Status::Usage("'" + name_or_id + "' is neither a 64-hex id nor an identity of workspace " +
                         WorkspaceDir() + " (no " + path + ")");
  auto cert = bank::Certificate::LoadFile(path);
  if (!cert.ok()) return cert.status();
  return cert->Id();
}

void Context::Emit(const nlohmann::json& value, const std::string& text) const {
  emitted_ = true;
  if (json()) {
    std::cout << bank::JsonText(value, 2) << '\n';
  } else if (!text.empty()) {
    std::cout << text;
    if (text.back() != '\n') std::cout << '\n';
  }
  std::cout.flush();
}

void Context::Progress(const std::string& line) const {
  if (settings.quiet || json() || ::isatty(STDERR_FILENO) != 1) return;
  std::fprintf(stderr, "%s\n", line.c_str());
}

bool Context::Colour() const {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour != nullptr && no_colour[0] != '\0') return false;
  return !json() && ::isatty(STDOUT_FILENO) == 1;
}

bool RegisterGroup(GroupRegistration fn, int order) {
  Groups().emplace_back(order, fn);
  return true;
}

std::vector<std::pair<int, GroupRegistration>>& Groups() {
  static std::vector<std::pair<int, GroupRegistration>> groups;
  return groups;
}

}  // namespace bankctl
