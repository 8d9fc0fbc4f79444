// bankd's configuration file (JSON), shared by bankd (reader) and by
// `bankctl sandbox` and the tests (writers). `bankd --help` documents it.
//
//   {
//     "rpc_address": "127.0.0.1:8000",
//     "published_address": "127.0.0.1:8000",           (default: rpc_address)
//     "data_directory": "data",       node and service keys, kept across restarts
//     "ledger": {"directory": "ledger", "chunk_size": "5MB"},
//     "snapshots": {"directory": "snapshots", "tx_count": 10000},
//     "service_certificate_file": "service_cert.pem",  written at every start
//     "node_certificate": {"subject_alt_names": ["iPAddress:127.0.0.1"]},
//     "members": [{"certificate_file": "member0_cert.pem",
//                  "encryption_public_key_file": "member0_enc_pubk.pem",
//                  "member_data": {...}}],
//     "users": [{"certificate_file": "user0_cert.pem", "user_data": {...}}],
//     "ledger_signatures": {"tx_count": 5000, "delay": "1000ms"},
//     "http_configuration": {"max_body_size": "1MB", "max_header_size": "16KB",
//                            "max_headers_count": 256, "header_timeout": "10s",
//                            "max_concurrent_streams_count": 100,
//                            "initial_window_size": "64KB", "max_frame_size": "16KB"},
//     "max_open_sessions_soft": 1000, "max_open_sessions_hard": 1010,
//     "idle_connection_timeout": "60s",
//     "worker_threads": 2,
//     "open_at_start": true,
//     "output_files": {"rpc_addresses_file": "rpc_addresses.json"}
//   }
//
// Relative paths are relative to the directory of the configuration file.
// Port 0 in rpc_address: the kernel picks a free port. As CCF's cchost,
// output_files.rpc_addresses_file (optional) is written once bankd listens:
// {"primary_rpc_interface": "127.0.0.1:43117"}, with the real port.
// Members and users are registered in the genesis transaction, i.e. only
// when the ledger is empty; afterwards governance changes them.
// "open_at_start" (default true): the genesis opens the service with the
// initial members Active. false starts as a new CCF service does: status
// Opening, initial members Accepted; the members acknowledge the state
// digest, add users and open the service by governance
// (bank::gov::AddUsersAndOpen, as `bankctl sandbox up` does).
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bank/status.hpp"

namespace bank {

struct BankdMemberConfig {
  std::string certificate_file;
  std::string encryption_public_key_file;  // optional
  nlohmann::json member_data;              // null: none
};

struct BankdUserConfig {
  std::string certificate_file;
  nlohmann::json user_data;  // null: none
};

struct BankdConfig {
  std::string rpc_address = "127.0.0.1:8000";
  std::string published_address;  // empty: rpc_address
  std::string data_directory = "data";
  std::string ledger_directory = "ledger";
  // A ledger chunk is completed at the first signature after this size.
  uint64_t ledger_chunk_size = 5 << 20;
  // CCF snapshots: written every `snapshot_tx_count` transactions (at a
  // signature; 0: never written, the latest is still started from), and
  // (bankd's own) only once the ledger since the previous one is
  // `snapshot_min_ledger_growth` x its size (0: the interval alone, as CCF).
  std::string snapshots_directory = "snapshots";
  uint64_t snapshot_tx_count = 10000;
  double snapshot_min_ledger_growth = 1.0;
  std::string service_certificate_file = "service_cert.pem";
  std::vector<std::string> subject_alt_names = {"iPAddress:127.0.0.1"};
  std::vector<BankdMemberConfig> members;
  std::vector<BankdUserConfig> users;
  uint64_t signature_tx_count = 5000;
  std::chrono::milliseconds signature_delay{1000};
  // CCF's names and defaults (bankd(8) LIMITS); header_timeout is bankd's.
  uint64_t max_body_size = 1 << 20;
  uint64_t max_header_size = 16 << 10;
  uint64_t max_headers_count = 256;
  uint64_t max_concurrent_streams_count = 100;
  uint64_t initial_window_size = 64 << 10;
  uint64_t max_frame_size = 16 << 10;
  std::chrono::milliseconds header_timeout{10000};
  uint64_t max_open_sessions_soft = 1000;
  uint64_t max_open_sessions_hard = 1010;
  std::chrono::milliseconds idle_connection_timeout{60000};
  // One, as CCF (its worker_threads counts threads beyond the one; default 0):
  // with one writer, a second thread mostly waits for the writer lock.
  int worker_threads = 1;
  bool open_at_start = true;
  std::string rpc_addresses_file;  // empty: not written

  // Parses and validates; unknown keys are errors (a typo must not pass
  // silently). Relative paths are resolved against `base_directory`.
  static Result<BankdConfig> FromJson(const nlohmann::json& json, const std::string& base_directory);
  // Reads and parses a file; relative paths resolve against its directory.
  static Result<BankdConfig> Load(const std::string& path);
  nlohmann::json ToJson() const;
};

// "1MB", "512KB", "1048576" or a JSON integer -> bytes.
Result<uint64_t> ParseByteSize(const nlohmann::json& value);
// "1000ms", "2s", or a JSON integer (milliseconds).
Result<std::chrono::milliseconds> ParseDuration(const nlohmann::json& value);

}  // namespace bank
