// Ledger audit rate and restart time on a bankd ledger of N transactions.
//
// Writes N transfer-like transactions (a private write set of ~300 bytes
// and a claim each, as the banking app's transfers) through bankd's real
// ledger engine, signing every 5000 (bankd's and CCF's default) with 5 MB
// chunks, then measures:
//   - `ledger audit` (bank::ledger::AuditLedger, as `bankctl ledger audit`
//     --uncommitted): transactions/s and signatures/s;
//   - restart: Engine::Open on the same directory (replay: every entry's
//     GCM tag checked, private domain decrypted, every root compared, the
//     store rebuilt);
//   - restart from a snapshot: the engine wrote CCF snapshots every 10,000
//     transactions (bankd's default) while writing; Engine::Open starts
//     from the latest (receipt verified, chunk tables and signature
//     transactions read for the index, no other entry decrypted) and
//     replays the ledger after it.
//
//   build/bench/ledger_audit [N=1000000] [DIR]   (DIR kept when given)
#include "bank/ledger_audit.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "bank/certificate.hpp"
#include "bank/ledger_snapshot.hpp"
#include "ledger/engine.hpp"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "ledger_audit: %s\n", why.c_str());
  std::exit(1);
}

template <typename T>
T Must(bank::Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.status().message());
  return std::move(r).value();
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// The seqno of the latest snapshot written in `directory` (0: none).
uint64_t LatestSnapshot(const std::string& directory) {
  uint64_t latest = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(directory, ec))
    if (auto name = bank::ledger::ParseSnapshotName(e.path().filename().string()); name && name->committed)
      latest = std::max(latest, name->seqno);
  return latest;
}

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  std::string dir;
  bool keep = argc > 2;
  if (keep) {
    dir = argv[2];
  } else {
    char tmpl[] = "/tmp/ledger_audit.XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) Die("mkdtemp failed");
    dir = tmpl;
  }

  auto service_key = Must(bank::PrivateKey::GenerateEc(bank::Curve::kP384), "service key");
  bank::CertificateSpec service_spec;
  service_spec.common_name = "CCF Service";
  service_spec.is_ca = true;
  auto service_cert = Must(bank::Certificate::SelfSigned(service_key, service_spec), "service certificate");
  auto node_key = Must(bank::PrivateKey::GenerateEc(bank::Curve::kP384), "node key");
  bank::CertificateSpec node_spec;
  node_spec.common_name = "CCF Node";
  auto node_cert =
      Must(bank::Certificate::Issue(node_key.Public(), node_spec, service_cert, service_key), "node");

  bankd::ledger::EngineOptions options;
  options.directory = dir + "/ledger";
  options.secret_file = dir + "/ledger_secret";
  options.node_cert = node_cert;
  options.node_key = node_key;
  options.service_cert = service_cert;
  options.service_key = service_key;
  options.signature_tx_count = 5000;
  options.signature_interval = std::chrono::hours(24);
  options.snapshot_directory = dir + "/snapshots";  // every 10,000 transactions, the default

  {
    auto t0 = Clock::now();
    auto engine = Must(bankd::ledger::Engine::Open(options), "engine");
    // As bankd's genesis: the service identity the audit checks against.
    engine->Write([&](bankd::kv::Tx& tx) {
      tx.Put("public:ccf.gov.service.info", std::string(8, '\0'),
             "{\"cert\":" + nlohmann::json(service_cert.Pem()).dump() + ",\"status\":\"Open\"}");
      return true;
    });
    const std::string from(64, 'a'), to(64, 'b');
    for (uint64_t i = 0; i < n; ++i) {
      engine->Write([&](bankd::kv::Tx& tx) {
        std::string key = fmt::format("{}/current_account", i % 1000);
        tx.Put("user_accounts:" + from, key, std::string(120, 'x') + std::to_string(i));
        tx.Put("user_accounts:" + to, key, std::string(120, 'y') + std::to_string(i));
        tx.SetClaim(fmt::format("{} sent {} to {}", from, i, to));
        return true;
      });
    }
    engine->Sign();
    engine->Flush();
    // The last snapshot is written once a signature covers its evidence.
    const uint64_t due = n >= 20000 ? n - 20000 : 0;
    for (auto deadline = Clock::now() + std::chrono::seconds(60);
         LatestSnapshot(options.snapshot_directory) < due && Clock::now() < deadline;)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::printf("wrote %llu transactions in %.1f s, latest snapshot at seqno %llu\n",
                static_cast<unsigned long long>(n), Seconds(t0),
                static_cast<unsigned long long>(LatestSnapshot(options.snapshot_directory)));
  }

  bank::ledger::AuditOptions audit_options;
  audit_options.uncommitted = true;
  double cpu0 = CpuSeconds();
  auto t1 = Clock::now();
  auto report = Must(bank::ledger::AuditLedger({options.directory}, audit_options), "audit");
  double wall = Seconds(t1), cpu = CpuSeconds() - cpu0;
  if (!report.verified()) Die("the ledger does not verify: " + report.problems.front().detail);
  std::printf(
      "audit: %llu transactions, %llu signatures + %llu COSE signatures, %llu files, %.1f MB in %.2f s wall "
      "(%.2f s CPU): %.0f tx/s, %.0f signatures/s (wall)\n",
      static_cast<unsigned long long>(report.transactions),
      static_cast<unsigned long long>(report.signatures),
      static_cast<unsigned long long>(report.cose_signatures), static_cast<unsigned long long>(report.files),
      report.bytes / 1e6, wall, cpu, report.transactions / wall, report.signatures / wall);

  auto restart = [&](const char* what, const bankd::ledger::EngineOptions& o) {
    double c0 = CpuSeconds();
    auto t = Clock::now();
    auto engine = Must(bankd::ledger::Engine::Open(o), "reopen");
    double open = Seconds(t), open_cpu = CpuSeconds() - c0;
    std::printf("restart (%s, %llu transactions): %.2f s wall (%.2f s CPU)\n", what,
                static_cast<unsigned long long>(engine->LastWritten().seqno), open, open_cpu);
  };
  bankd::ledger::EngineOptions replay_only = options;
  replay_only.snapshot_directory.clear();
  restart("replay of the whole ledger", replay_only);
  std::string from = fmt::format("from the snapshot at seqno {}", LatestSnapshot(options.snapshot_directory));
  restart(from.c_str(), options);
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}
