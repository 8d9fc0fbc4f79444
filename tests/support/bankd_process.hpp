// A real bankd for end-to-end tests: a sandbox workspace in a TempDir
// (identities made by bank::GenerateIdentity, as `bankctl sandbox` does),
// the bankd binary (BANKD_PATH) on a loopback port the kernel picks at each
// start (bankd reports it in rpc_addresses.json), and helpers to talk to it
// over mTLS.
//
//   bank::test::BankdProcess bankd;                     // started, answering
//   auto user0 = bankd.Client("user0");                 // bank::HttpClient
//   auto r = user0.Get("/app/balance/current_account");
//   bankd.Kill(); bankd.Start();                        // same ledger, new port:
//   user0 = bankd.Client("user0");                      // clients made afresh
//
// Construction throws std::runtime_error (with bankd's log tail) when bankd
// does not come up; the destructor stops it (SIGTERM, then SIGKILL). bankd
// also dies with the thread that started it (a crashed test leaves no
// server behind): start it from the thread that owns the object.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "bank/http_client.hpp"
#include "bank/sandbox.hpp"
#include "support/temp_dir.hpp"

namespace bank::test {

struct BankdOptions {
  int members = 3;
  int users = 2;
  // Small and fast by default so that tests see commits and receipts soon.
  uint64_t signature_tx_count = 100;
  std::chrono::milliseconds signature_delay{100};
  uint64_t snapshot_tx_count = 10000;  // CCF snapshots (0: none)
  bool start = true;                   // false: only prepare the workspace and config
  // Merged into bankd's configuration (RFC 7386 merge patch), e.g.
  // {"max_open_sessions_soft": 4}.
  nlohmann::json config_patch = nlohmann::json::object();
};

class BankdProcess {
 public:
  explicit BankdProcess(BankdOptions options = {});
  ~BankdProcess();
  BankdProcess(const BankdProcess&) = delete;
  BankdProcess& operator=(const BankdProcess&) = delete;

  // Starts bankd on the workspace's ledger and waits until it answers. The
  // port (and so url()) is new at every start.
  // Throws std::runtime_error when it does not.
  void Start();
  // SIGTERM and wait; returns bankd's exit code (-1 when it had to be killed).
  int Stop();
  // SIGKILL at once (a crash); reaps the process.
  void Kill();
  void Restart() {
    Stop();
    Start();
  }
  bool running() const { return pid_ > 0; }

  // --- where things are ---------------------------------------------------
  const SandboxLayout& layout() const { return layout_; }
  const std::string& workspace() const { return layout_.workspace; }
  const std::string& common_dir() const { return layout_.common_dir; }
  const std::string& service_cert() const { return layout_.service_cert_path; }
  std::string cert(const std::string& name) const { return layout_.CertPath(name); }
  std::string key(const std::string& name) const { return layout_.KeyPath(name); }
  std::string ledger_dir() const { return layout_.node_dir + "/ledger"; }
  std::string snapshots_dir() const { return layout_.node_dir + "/snapshots"; }
  const std::string& log_path() const { return layout_.log_path; }
  // CCF id (SHA-256 of the DER certificate) of a workspace identity.
  std::string id(const std::string& name) const;
  unsigned short port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return pid_; }

  // --- talking to it ------------------------------------------------------
  // TLS settings for a workspace identity; "" for no client certificate.
  TlsConfig Tls(const std::string& name = "") const;
  // A keep-alive client (throws when it cannot be created).
  HttpClient Client(const std::string& name = "") const;

 private:
  TempDir dir_;
  BankdOptions options_;
  SandboxLayout layout_;
  unsigned short port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace bank::test
