// How long bankd takes to serve again on an existing store.
//
//   build/bench/restart_time --bankd build/node/bankd --workspace DIR [--runs 3] [--json]
//
// DIR is a sandbox workspace with a ledger, for example one that
// `transfer_load --max-requests 1000000 --keep-workspace DIR` left. Each run
// starts bankd on it and measures from the exec to the first 200 from
// /node/state over mTLS (polled every 50 ms, so a figure is up to 50 ms
// late), then stops bankd with SIGTERM. bankd restores the newest snapshot
// and replays the ledger after it (ledger/snapshot_restore.hpp), so the
// time depends on the snapshot's size and on the ledger written since.
// Reports the store's size (ledger and snapshot bytes, the newest
// snapshot's seqno) with the times.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bank/bankd_config.hpp"
#include "bank/sandbox.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int Fail(const std::string& what) {
  std::fprintf(stderr, "restart_time: %s\n", what.c_str());
  return 1;
}

struct Options {
  std::string bankd, workspace;
  int runs = 3;
  bool json = false;
};

bool ParseFlags(int argc, char** argv, Options* o, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--json") {
      o->json = true;
      continue;
    }
    if (i + 1 >= argc) return *error = "missing value for " + flag, false;
    const char* v = argv[++i];
    if (flag == "--bankd")
      o->bankd = v;
    else if (flag == "--workspace")
      o->workspace = v;
    else if (flag == "--runs")
      o->runs = std::atoi(v);
    else
      return *error = "unknown flag " + flag, false;
  }
  if (o->bankd.empty() || o->workspace.empty() || o->runs < 1 || o->runs > 100) {
    *error = "usage: restart_time --bankd PATH --workspace DIR [--runs 1..100] [--json]";
    return false;
  }
  return true;
}

// Bytes of the regular files under `dir` whose name starts with `prefix`.
uintmax_t BytesOf(const fs::path& dir, const std::string& prefix, std::string* newest = nullptr) {
  uintmax_t total = 0;
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || !name.starts_with(prefix)) continue;
    total += e.file_size();
    names.push_back(name);
  }
  if (newest != nullptr && !names.empty()) {
    // snapshot_<seqno>_<evidence>.committed: the highest seqno is the newest.
    *newest = *std::max_element(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
      return std::strtoull(a.c_str() + 9, nullptr, 10) < std::strtoull(b.c_str() + 9, nullptr, 10);
    });
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (std::string error; !ParseFlags(argc, argv, &o, &error)) return Fail(error);
  const bank::SandboxLayout layout = bank::SandboxLayout::For(o.workspace);
  auto config = bank::BankdConfig::Load(layout.config_path);
  if (!config.ok()) return Fail(config.status().message());
  const fs::path ledger_dir = config->ledger_directory;
  const fs::path snapshot_dir = config->snapshots_directory;
  std::string newest_snapshot;
  const uintmax_t ledger_bytes = BytesOf(ledger_dir, "ledger_");
  const uintmax_t snapshot_bytes = BytesOf(snapshot_dir, "snapshot_", &newest_snapshot);

  std::vector<double> ms;
  for (int run = 0; run < o.runs; ++run) {
    std::error_code ec;
    fs::remove(layout.rpc_addresses_path, ec);
    const auto start = Clock::now();
    auto pid = bank::SpawnBankd(o.bankd, layout.config_path, layout.log_path, /*die_with_parent=*/true);
    if (!pid.ok()) return Fail(pid.status().message());
    auto address =
        bank::WaitForRpcAddress(*pid, layout.rpc_addresses_path, layout.log_path, std::chrono::minutes(5));
    bank::Status serving = address.status();
    if (address.ok())
      serving = bank::WaitUntilServing(*pid, "https://" + *address, layout.service_cert_path, layout.log_path,
                                       std::chrono::minutes(5));
    const double elapsed = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    bank::StopProcess(*pid, std::chrono::seconds(30));
    if (!serving.ok()) return Fail(serving.message());
    ms.push_back(elapsed);
    if (!o.json) std::printf("run %d: serving after %.0f ms\n", run + 1, elapsed);
  }
  std::sort(ms.begin(), ms.end());
  const std::string out = fmt::format(
      "{{\"ledger_bytes\":{},\"snapshot_bytes\":{},\"newest_snapshot\":\"{}\",\"runs\":{},"
      "\"min_ms\":{:.0f},\"median_ms\":{:.0f},\"max_ms\":{:.0f}}}",
      ledger_bytes, snapshot_bytes, newest_snapshot, ms.size(), ms.front(), ms[ms.size() / 2], ms.back());
  std::printf("%s\n", out.c_str());
  return 0;
}
