// A local bankd service laid out like CCF's sandbox, shared by
// `bankctl sandbox` and the end-to-end tests (tests/support/bankd_process).
//
//   <workspace>/sandbox_common/  service_cert.pem, memberN_{cert,privk,enc_pubk,enc_privk}.pem,
//                                userN_{cert,privk}.pem
//   <workspace>/sandbox_0/       bankd.json (config), bankd.pid, out (bankd's
//                                stdout+stderr), rpc_addresses.json (where bankd
//                                listens), data/ (node identity), ledger/
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "bank/bankd_config.hpp"
#include "bank/status.hpp"

namespace bank {

struct SandboxLayout {
  std::string workspace;
  std::string common_dir;  // <workspace>/sandbox_common
  std::string node_dir;    // <workspace>/sandbox_0
  std::string config_path, pid_path, log_path, service_cert_path;
  std::string rpc_addresses_path;  // written by bankd once it listens

  static SandboxLayout For(const std::string& workspace);
  std::string CertPath(const std::string& name) const { return common_dir + "/" + name + "_cert.pem"; }
  std::string KeyPath(const std::string& name) const { return common_dir + "/" + name + "_privk.pem"; }
};

struct SandboxOptions {
  std::string workspace = "workspace";
  int members = 3;
  int users = 2;
  std::string host = "127.0.0.1";
  unsigned short port = 8000;  // 0: the kernel picks one (see WaitForRpcAddress)
  uint64_t signature_tx_count = 5000;
  std::chrono::milliseconds signature_delay{1000};
  uint64_t snapshot_tx_count = 10000;       // CCF snapshots every this many transactions (0: none)
  double snapshot_min_ledger_growth = 1.0;  // bankd's snapshots.min_ledger_growth
  // As CCF's sandbox: bankd starts Opening with the members only, and the
  // caller admits the users by proposal and votes, then opens the service
  // (bank::gov::AddUsersAndOpen). Otherwise genesis registers the users and
  // opens the service at once (tests that do not exercise governance).
  bool users_by_governance = false;
};

// Creates the workspace: member0..N-1 (with encryption keys) and user0..M-1
// identities in sandbox_common (existing ones are kept, so a workspace can
// be brought up again on its ledger), and writes sandbox_0/bankd.json with
// absolute paths. Returns the config written.
Result<BankdConfig> PrepareSandbox(const SandboxOptions& options);

// True when nothing listens on host:port (a bind succeeds).
bool PortIsFree(const std::string& host, unsigned short port);

// Starts `bankd --config <config_path>` in its own session with stdin from
// /dev/null and stdout/stderr appended to `log_path`. Returns its pid.
// With `die_with_parent` (tests), the kernel kills bankd when the calling
// thread exits, so a crashed or killed test leaves no server behind.
Result<pid_t> SpawnBankd(const std::string& bankd_path, const std::string& config_path,
                         const std::string& log_path, bool die_with_parent = false);

// Waits until https://host:port/node/state answers (trusting the service
// certificate at `service_cert_path`), the process exits, or `timeout`
// passes. A child of this process is reaped when it exits; `log_path`'s
// tail goes into the error.
Status WaitUntilServing(pid_t pid, const std::string& url, const std::string& service_cert_path,
                        const std::string& log_path, std::chrono::milliseconds timeout);

// The address ("HOST:PORT") a running bankd wrote to its rpc_addresses
// file; NotFound when there is none.
Result<std::string> ReadRpcAddress(const std::string& rpc_addresses_path);

// Waits until bankd `pid` has written `rpc_addresses_path` (remove a stale
// one before starting it) and returns its address, "HOST:PORT". Fails when
// the process exits or `timeout` passes, with `log_path`'s tail.
Result<std::string> WaitForRpcAddress(pid_t pid, const std::string& rpc_addresses_path,
                                      const std::string& log_path, std::chrono::milliseconds timeout);

// Whether `pid` is a live bankd process (guards against reused pids).
bool IsBankdProcess(pid_t pid);

// SIGTERM, then waits up to `timeout` for the process to go; SIGKILL after
// that. Reaps it when it is a child. True when it exited within `timeout`.
bool StopProcess(pid_t pid, std::chrono::milliseconds timeout);

// Reads a pid file; 0 when missing or malformed.
pid_t ReadPidFile(const std::string& path);

// Last `max_lines` lines of a text file ("" when unreadable).
std::string FileTail(const std::string& path, size_t max_lines);

}  // namespace bank
