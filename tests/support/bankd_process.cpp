#include "support/bankd_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

#include "bank/certificate.hpp"

namespace bank::test {

unsigned short FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

BankdProcess::BankdProcess(BankdOptions options) : options_(options) {
  layout_ = SandboxLayout::For(dir_ / "workspace");
  port_ = FreeLoopbackPort();
  SandboxOptions sandbox;
  sandbox.workspace = layout_.workspace;
  sandbox.members = options_.members;
  sandbox.users = options_.users;
  sandbox.port = port_;
  sandbox.signature_tx_count = options_.signature_tx_count;
  sandbox.signature_delay = options_.signature_delay;
  auto config = PrepareSandbox(sandbox);
  if (!config.ok()) throw std::runtime_error("preparing the workspace: " + config.status().message());
  if (options_.start) Start();
}

BankdProcess::~BankdProcess() {
  if (pid_ > 0) Stop();
}

void BankdProcess::Start() {
  if (pid_ > 0) throw std::runtime_error("bankd is already running");
  auto pid = SpawnBankd(BANKD_PATH, layout_.config_path, layout_.log_path, /*die_with_parent=*/true);
  if (!pid.ok()) throw std::runtime_error(pid.status().message());
  pid_ = *pid;
  Status ready = WaitUntilServing(pid_, url(), layout_.service_cert_path, layout_.log_path, std::chrono::seconds(60));
  if (!ready.ok()) {
    Kill();
    throw std::runtime_error(ready.message());
  }
}

int BankdProcess::Stop() {
  if (pid_ <= 0) return 0;
  ::kill(pid_, SIGTERM);
  int status = 0;
  // Bounded: a graceful stop takes well under a second; give it 60 s on a
  // loaded machine before treating it as hung.
  for (int i = 0; i < 3000; ++i) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = 0;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    ::usleep(20000);
  }
  Kill();
  return -1;
}

void BankdProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = 0;
}

std::string BankdProcess::id(const std::string& name) const {
  auto loaded = Certificate::LoadFile(cert(name));
  if (!loaded.ok()) throw std::runtime_error(loaded.status().message());
  return loaded->Id();
}

TlsConfig BankdProcess::Tls(const std::string& name) const {
  TlsConfig tls;
  tls.server = url();
  tls.cacert_path = service_cert();
  if (!name.empty()) {
    tls.cert_path = cert(name);
    tls.key_path = key(name);
  }
  return tls;
}

HttpClient BankdProcess::Client(const std::string& name) const {
  auto client = HttpClient::Create(Tls(name));
  if (!client.ok()) throw std::runtime_error(client.status().message());
  return std::move(client).value();
}

}  // namespace bank::test
