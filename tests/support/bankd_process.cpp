#include "support/bankd_process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <exception>
#include <filesystem>
#include <stdexcept>

#include "bank/certificate.hpp"
#include "bank/identity.hpp"
#include "bank/key.hpp"

namespace bank::test {

BankdProcess::BankdProcess(BankdOptions options) : options_(options) {
  layout_ = SandboxLayout::For(dir_ / "workspace");
  SandboxOptions sandbox;
  sandbox.workspace = layout_.workspace;
  sandbox.members = options_.members;
  sandbox.users = options_.users;
  sandbox.port = 0;  // the kernel picks a free port at every start
  sandbox.signature_tx_count = options_.signature_tx_count;
  sandbox.signature_delay = options_.signature_delay;
  sandbox.snapshot_tx_count = options_.snapshot_tx_count;
  auto config = PrepareSandbox(sandbox);
  if (!config.ok()) throw std::runtime_error("preparing the workspace: " + config.status().message());
  if (!options_.config_patch.empty()) {
    auto text = ReadFile(layout_.config_path);
    if (!text.ok()) throw std::runtime_error(text.status().message());
    auto json = nlohmann::json::parse(*text);
    json.merge_patch(options_.config_patch);
    Status written = WriteFileAtomic(layout_.config_path, json.dump(2), 0644);
    if (!written.ok()) throw std::runtime_error(written.message());
  }
  if (options_.start) Start();
}

BankdProcess::~BankdProcess() {
  if (pid_ <= 0) return;
  // A bankd that does not stop cleanly failed the test too: under ASan and
  // UBSan this is where a leak or a sanitizer finding in bankd shows up.
  const int code = Stop();
  if (code != 0 && std::uncaught_exceptions() == 0) {
    UNSCOPED_INFO("last lines of " << layout_.log_path << ":\n" << FileTail(layout_.log_path, 40));
    FAIL_CHECK("bankd did not stop cleanly on SIGTERM (exit code " << code << ")");
  }
}

void BankdProcess::Start() {
  if (pid_ > 0) throw std::runtime_error("bankd is already running");
  // The previous run's address is stale: wait for this run's.
  std::filesystem::remove(layout_.rpc_addresses_path);
  auto pid = SpawnBankd(BANKD_PATH, layout_.config_path, layout_.log_path, /*die_with_parent=*/true);
  if (!pid.ok()) throw std::runtime_error(pid.status().message());
  pid_ = *pid;
  auto address =
      WaitForRpcAddress(pid_, layout_.rpc_addresses_path, layout_.log_path, std::chrono::seconds(60));
  Status ready = address.status();
  if (ready.ok()) {
    port_ = static_cast<unsigned short>(std::stoul(address->substr(address->rfind(':') + 1)));
    ready =
        WaitUntilServing(pid_, url(), layout_.service_cert_path, layout_.log_path, std::chrono::seconds(60));
  }
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
