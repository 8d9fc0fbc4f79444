#include "bank/sandbox.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bank/http_client.hpp"
#include "bank/identity.hpp"
#include "bank/key.hpp"

namespace bank {
namespace fs = std::filesystem;
namespace {

// Generates NAME's identity in `dir` unless its certificate exists.
Status EnsureIdentity(const std::string& dir, const std::string& name, bool encryption_key) {
  if (fs::exists(dir + "/" + name + "_cert.pem")) return Status::OK();
  KeygenOptions o;
  o.name = name;
  o.directory = dir;
  o.encryption_key = encryption_key;
  o.force = true;  // a half-written identity (key without cert) is replaced
  auto r = GenerateIdentity(o);
  return r.ok() ? Status::OK() : r.status();
}

// Reaps `pid` if it is our child and has exited. True when it is gone.
bool Gone(pid_t pid) {
  int status = 0;
  pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == pid) return true;
  if (r == 0) return false;                      // our child, still running
  return ::kill(pid, 0) != 0 && errno == ESRCH;  // not our child
}

}  // namespace

SandboxLayout SandboxLayout::For(const std::string& workspace) {
  SandboxLayout l;
  l.workspace = fs::absolute(workspace).lexically_normal().string();
  l.common_dir = l.workspace + "/sandbox_common";
  l.node_dir = l.workspace + "/sandbox_0";
  l.config_path = l.node_dir + "/bankd.json";
  l.pid_path = l.node_dir + "/bankd.pid";
  l.log_path = l.node_dir + "/out";
  l.rpc_addresses_path = l.node_dir + "/rpc_addresses.json";
  l.service_cert_path = l.common_dir + "/service_cert.pem";
  return l;
}

Result<BankdConfig> PrepareSandbox(const SandboxOptions& options) {
  if (options.members < 1 || options.members > 64) return Status::Usage("--members must be from 1 to 64");
  if (options.users < 0 || options.users > 64) return Status::Usage("--users must be from 0 to 64");
  const SandboxLayout l = SandboxLayout::For(options.workspace);
  std::error_code ec;
  fs::create_directories(l.common_dir, ec);
  if (!ec) fs::create_directories(l.node_dir, ec);
  if (ec) return Status::InputFile(l.workspace + ": cannot create workspace (" + ec.message() + ")");

  BankdConfig config;
  config.rpc_address = options.host + ":" + std::to_string(options.port);
  config.data_directory = l.node_dir + "/data";
  config.ledger_directory = l.node_dir + "/ledger";
  config.service_certificate_file = l.service_cert_path;
  config.signature_tx_count = options.signature_tx_count;
  config.signature_delay = options.signature_delay;
  config.snapshot_tx_count = options.snapshot_tx_count;
  config.snapshot_min_ledger_growth = options.snapshot_min_ledger_growth;
  for (int i = 0; i < options.members; ++i) {
    const std::string name = "member" + std::to_string(i);
    BANK_RETURN_IF_ERROR(EnsureIdentity(l.common_dir, name, /*encryption_key=*/true));
    config.members.push_back({l.CertPath(name), l.common_dir + "/" + name + "_enc_pubk.pem", nullptr});
  }
  for (int i = 0; i < options.users; ++i) {
    const std::string name = "user" + std::to_string(i);
    BANK_RETURN_IF_ERROR(EnsureIdentity(l.common_dir, name, /*encryption_key=*/false));
    if (!options.users_by_governance) config.users.push_back({l.CertPath(name), nullptr});
  }
  config.open_at_start = !options.users_by_governance;
  config.rpc_addresses_file = l.rpc_addresses_path;
  BANK_RETURN_IF_ERROR(WriteFileAtomic(l.config_path, config.ToJson().dump(2) + "\n", 0644));
  return config;
}

bool PortIsFree(const std::string& host, unsigned short port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));  // as bankd binds
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  bool ok = ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) == 1 &&
            ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

Result<pid_t> SpawnBankd(const std::string& bankd_path, const std::string& config_path,
                         const std::string& log_path, bool die_with_parent) {
  if (::access(bankd_path.c_str(), X_OK) != 0)
    return Status::InputFile(bankd_path + ": not an executable bankd (" + std::strerror(errno) + ")");
  int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) return Status::InputFile(log_path + ": cannot open (" + std::strerror(errno) + ")");
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log);
    return Status::Internal(std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::setsid();  // not killed with the terminal or test runner's process group
    if (die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(1);  // the parent is already gone
    }
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    const char* argv[] = {bankd_path.c_str(), "--config", config_path.c_str(), nullptr};
    ::execv(bankd_path.c_str(), const_cast<char* const*>(argv));
    ::_exit(127);
  }
  ::close(log);
  return pid;
}

Status WaitUntilServing(pid_t pid, const std::string& url, const std::string& service_cert_path,
                        const std::string& log_path, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_error = "no answer yet";
  while (std::chrono::steady_clock::now() < deadline) {
    if (Gone(pid)) {
      return Status::Internal("bankd exited during start-up; last lines of " + log_path + ":\n" +
                              FileTail(log_path, 10));
    }
    if (fs::exists(service_cert_path)) {
      TlsConfig tls;
      tls.server = url;
      tls.cacert_path = service_cert_path;
      tls.timeout = std::chrono::milliseconds(2000);
      auto client = HttpClient::Create(tls, RetryPolicy{1, std::chrono::milliseconds(0)});
      if (client.ok()) {
        auto response = client->Get("/node/state");
        if (response.ok() && response->status == 200) return Status::OK();
        last_error = response.ok() ? "HTTP " + std::to_string(response->status) : response.status().message();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::Network("bankd did not answer on " + url + " in time (" + last_error + ")");
}

Result<std::string> ReadRpcAddress(const std::string& rpc_addresses_path) {
  // bankd writes the file atomically: it is either absent or whole.
  std::ifstream in(rpc_addresses_path);
  if (!in) return Status::NotFound(rpc_addresses_path + ": not written (is bankd running?)");
  auto addresses = nlohmann::json::parse(in, nullptr, false);
  if (addresses.is_object() && addresses.value("primary_rpc_interface", nlohmann::json()).is_string())
    return addresses["primary_rpc_interface"].get<std::string>();
  return Status::InputFile(rpc_addresses_path + ": no primary_rpc_interface address");
}

Result<std::string> WaitForRpcAddress(pid_t pid, const std::string& rpc_addresses_path,
                                      const std::string& log_path, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto address = ReadRpcAddress(rpc_addresses_path);
    if (address.ok() || address.status().code() != Code::kNotFound) return address;
    if (Gone(pid)) {
      return Status::Internal("bankd exited during start-up; last lines of " + log_path + ":\n" +
                              FileTail(log_path, 10));
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return Status::Network("bankd did not write " + rpc_addresses_path + " in time");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool IsBankdProcess(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string argv0;
  if (!std::getline(in, argv0, '\0')) return false;
  if (fs::path(argv0).filename() != "bankd") return false;
  // A zombie still has /proc/<pid> but no longer counts.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  size_t paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

bool StopProcess(pid_t pid, std::chrono::milliseconds timeout) {
  if (pid <= 0) return true;
  ::kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Gone(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  for (int i = 0; i < 250 && !Gone(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return false;
}

pid_t ReadPidFile(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return 0;
  return static_cast<pid_t>(pid);
}

std::string FileTail(const std::string& path, size_t max_lines) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (lines.size() > max_lines) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace bank
