// The engine under I/O faults: a failing fsync (injected: the one seam,
// ledger/chunk_files.hpp) and a full disk (a real size-limited tmpfs).
// Writes are refused while the ledger cannot be written, reads go on,
// nothing Committed is lost, the transactions that were only Pending are
// dropped (their ids read Invalid), and once the fault is gone the engine
// rolls back to what is on disk and writes again: reopening the directory
// gives exactly the state the engine had.
#include <sys/mount.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ledger/chunk_files.hpp"
#include "ledger/engine.hpp"
#include "support/temp_dir.hpp"
#include "support/test_engine.hpp"

namespace bank::test {
namespace {

using namespace std::chrono_literals;
using bankd::ledger::Engine;

// Clears the injected fault however the test ends.
struct SyncFault {
  explicit SyncFault(int error) { bankd::ledger::InjectSyncFailureForTesting(error); }
  ~SyncFault() { Clear(); }
  void Clear() { bankd::ledger::InjectSyncFailureForTesting(0); }
};

Engine::WriteResult TryPut(Engine& engine, const std::string& key, const std::string& value) {
  return engine.Write([&](bankd::kv::Tx& tx) {
    tx.Put("accounts", key, value);
    return true;
  });
}

// Retries a write until the engine takes it again (it retries recovery
// at most once a second); fails the test after a generous deadline.
TxId PutWhenWritable(Engine& engine, const std::string& key, const std::string& value) {
  const auto end = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < end) {
    auto r = TryPut(engine, key, value);
    if (r.committed) return r.txid;
    REQUIRE_FALSE(r.unavailable.ok());
    std::this_thread::sleep_for(50ms);
  }
  FAIL("the engine did not take writes again");
  return {};
}

TEST_CASE("a failed fsync: writes refused, reads go on, rollback to the disk, then writes again",
          "[ledger][fault]") {
  TempDir dir;
  const auto options = TestEngineOptions(dir);
  auto engine = OpenEngine(options);
  const TxId a = Put(*engine, "a", "1");
  const TxId b = Put(*engine, "b", "2");
  engine->Flush();
  REQUIRE(engine->Status(b) == TxStatus::kCommitted);

  SyncFault fault(EIO);
  const TxId c = Put(*engine, "c", "3");  // accepted: Pending until durable
  engine->Flush();                        // the fsync fails
  CHECK(engine->Status(c) == TxStatus::kPending);
  auto refused = TryPut(*engine, "d", "4");
  CHECK_FALSE(refused.committed);
  CHECK_FALSE(refused.unavailable.ok());
  CHECK(refused.unavailable.message().find("fdatasync") != std::string::npos);
  CHECK(Rows(*engine, "accounts") == "a=1\nb=2\nc=3\n");  // reads: the state as written
  CHECK(engine->Status(a) == TxStatus::kCommitted);
  CHECK(engine->Status(b) == TxStatus::kCommitted);

  fault.Clear();
  const TxId e = PutWhenWritable(*engine, "e", "5");
  CHECK(e.view > b.view);  // a new view, as after a restart
  // c was never durable: dropped, its id Invalid; a and b untouched.
  CHECK(engine->Status(c) == TxStatus::kInvalid);
  CHECK(engine->Status(a) == TxStatus::kCommitted);
  CHECK(engine->Status(b) == TxStatus::kCommitted);
  CHECK(Rows(*engine, "accounts") == "a=1\nb=2\ne=5\n");
  engine->Flush();
  CHECK(engine->Status(e) == TxStatus::kCommitted);
  const TxId last = engine->LastWritten();
  engine.reset();

  // The disk says exactly what the engine said.
  auto reopened = OpenEngine(options);
  CHECK(Rows(*reopened, "accounts") == "a=1\nb=2\ne=5\n");
  CHECK(reopened->LastWritten().seqno == last.seqno);
  CHECK(reopened->Status(e) == TxStatus::kCommitted);
}

TEST_CASE("a full disk: writes refused until space is freed, nothing Committed lost", "[ledger][fault]") {
  TempDir dir;
  auto options = TestEngineOptions(dir);
  std::filesystem::create_directories(options.directory);
  if (::mount("tmpfs", options.directory.c_str(), "tmpfs", 0, "size=512k") != 0) {
    WARN("skipped: mounting a tmpfs is not permitted here");
    return;
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{options.directory};
  options.chunk_bytes = 64 << 10;
  options.signature_tx_count = 10;
  auto engine = OpenEngine(options);

  const std::string value(8 << 10, 'v');
  std::vector<TxId> written;
  bool full = false;
  for (int i = 0; i < 400 && !full; ++i) {
    auto r = TryPut(*engine, "k" + std::to_string(i), value);
    if (r.committed) {
      written.push_back(r.txid);
      engine->Flush();
    } else {
      full = !r.unavailable.ok();
    }
  }
  REQUIRE(full);
  std::vector<TxId> committed;
  for (const auto& t : written)
    if (engine->Status(t) == TxStatus::kCommitted) committed.push_back(t);
  REQUIRE(!committed.empty());

  // More room: the same file system, remounted bigger.
  REQUIRE(::mount("tmpfs", options.directory.c_str(), "tmpfs", MS_REMOUNT, "size=8m") == 0);
  const TxId after = PutWhenWritable(*engine, "after", "1");
  engine->Flush();
  CHECK(engine->Status(after) == TxStatus::kCommitted);
  for (const auto& t : committed) CHECK(engine->Status(t) == TxStatus::kCommitted);
  const std::string rows = Rows(*engine, "accounts");
  engine.reset();
  auto reopened = OpenEngine(options);
  CHECK(Rows(*reopened, "accounts") == rows);
}

}  // namespace
}  // namespace bank::test
