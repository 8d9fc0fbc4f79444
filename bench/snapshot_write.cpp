// CPU cost of serialising one snapshot (Serialiser::SerialiseSnapshot: the
// snapshotter's work once the engine has handed it the store's tables), on
// a synthetic store shaped like bankd's after many transfers: ROWS rows in
// a private table with history-like keys (a 64-hex user id, an account, a
// 20-digit index: ~100 bytes) and ~120-byte values, plus a small public
// table.
//
// It reports the thread's CPU time per snapshot (CLOCK_THREAD_CPUTIME_ID,
// so that other processes on a shared machine count as little as they
// can), the best and the median of REPEAT runs, and per megabyte written;
// and apart from it the best of each other step of the snapshotter: the
// capture under the engine's writer lock, the SHA-256 of the entry (its
// evidence), and the durable write of the file (CreateFileDurably, into a
// temporary directory under $TMPDIR: O_DIRECT where the file system has
// it; the kernel's CPU in the write system calls counts, the disk's time
// does not). The serialisation reuses one buffer, as the snapshotter does:
// the first run pays its page faults.
//
//   build/bench/snapshot_write [ROWS=1000000] [REPEAT=7]
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "bank/hash.hpp"
#include "bank/ledger_entry.hpp"
#include "ledger/file_io.hpp"
#include "ledger/serialiser.hpp"

namespace {

namespace bl = bank::ledger;

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

bankd::kv::Store SyntheticStore(size_t rows) {
  bankd::kv::Store store;
  store.Apply(bl::WriteSet{{"public:ccf.gov.members.certs", std::string(64, 'a'), std::string(700, 'c')}}, 1);
  const std::string user(64, 'e');
  for (size_t i = 0; i < rows; ++i)
    store.Apply(
        bl::WriteSet{{"bank.history", fmt::format("{}/current_account/{:020}", user, i),
                      fmt::format(R"({{"amount":{},"balance":{},"type":"transfer_out","counterparty":"{}"}})",
                                  i % 100, i, std::string(32, 'f'))}},
        i + 1);
  return store;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t rows = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const int repeat = argc > 2 ? std::atoi(argv[2]) : 7;
  const bankd::ledger::Serialiser serialiser(std::string(32, 's'));
  bankd::kv::Store store = SyntheticStore(rows);
  const std::vector<uint64_t> views = {1};
  std::vector<double> seconds, capture_seconds, hash_seconds, write_seconds;
  std::string dir =
      (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : std::string("/tmp")) + "/snapshot_write.XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    std::fprintf(stderr, "snapshot_write: mkdtemp failed\n");
    return 1;
  }
  size_t bytes = 0;
  std::string digest;                      // the snapshot's SHA-256: the same bytes from every run
  bankd::ledger::SnapshotBuffer snapshot;  // reused, as the snapshotter does
  for (int i = 0; i < repeat; ++i) {
    const double captured = ThreadCpuSeconds();
    auto image = store.Capture();  // the engine's part, under its writer lock
    capture_seconds.push_back(ThreadCpuSeconds() - captured);
    const double start = ThreadCpuSeconds();
    bank::Status st = serialiser.SerialiseSnapshot(bank::TxId{1, rows + 1}, bank::Digest{}, views,
                                                   std::move(image), &snapshot);
    seconds.push_back(ThreadCpuSeconds() - start);
    if (!st.ok()) {
      std::fprintf(stderr, "snapshot_write: %s\n", st.message().c_str());
      return 1;
    }
    bytes = snapshot.entry().size();
    const double hashed = ThreadCpuSeconds();
    digest = bank::DigestHex(bank::Sha256(snapshot.entry()));
    hash_seconds.push_back(ThreadCpuSeconds() - hashed);
    const double written = ThreadCpuSeconds();
    st = bankd::ledger::CreateFileDurably(dir, "snapshot", snapshot.entry(), 0644);
    write_seconds.push_back(ThreadCpuSeconds() - written);
    std::filesystem::remove(dir + "/snapshot");
    if (!st.ok()) {
      std::fprintf(stderr, "snapshot_write: %s\n", st.message().c_str());
      return 1;
    }
  }
  std::filesystem::remove_all(dir);
  std::sort(hash_seconds.begin(), hash_seconds.end());
  std::sort(write_seconds.begin(), write_seconds.end());
  std::sort(seconds.begin(), seconds.end());
  std::sort(capture_seconds.begin(), capture_seconds.end());
  const double best = seconds.front(), median = seconds[seconds.size() / 2];
  std::printf(
      "{\"rows\": %zu, \"snapshot_bytes\": %zu, \"repeat\": %d, \"best_cpu_ms\": %.1f, \"median_cpu_ms\": "
      "%.1f, "
      "\"best_cpu_ms_per_mb\": %.2f, \"best_capture_cpu_ms\": %.3f, \"best_sha256_cpu_ms\": %.1f, "
      "\"best_write_cpu_ms\": %.1f, \"sha256\": \"%s\"}\n",
      rows, bytes, repeat, best * 1e3, median * 1e3, best * 1e3 / (static_cast<double>(bytes) / 1e6),
      capture_seconds.front() * 1e3, hash_seconds.front() * 1e3, write_seconds.front() * 1e3, digest.c_str());
  return 0;
}
