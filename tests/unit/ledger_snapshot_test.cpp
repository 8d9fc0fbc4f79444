// CCF snapshots of the ledger engine: written at their interval (and only
// once the ledger has grown enough), at a signature that ends a chunk;
// restarted from, to the same store, root and receipts; a damaged one
// skipped with a warning; and each accepted by `ledger audit --snapshot`.
#include "bank/ledger_snapshot.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "bank/ledger_audit.hpp"
#include "bank/ledger_files.hpp"
#include "bank/ledger_tables.hpp"
#include "ledger/engine.hpp"
#include "support/ledger_records.hpp"
#include "support/temp_dir.hpp"
#include "support/test_engine.hpp"

using namespace std::chrono_literals;
using bank::TxId;
using bank::TxStatus;
using namespace bank::test;  // the helpers of tests/support
using bankd::ledger::Engine;
using bankd::ledger::EngineOptions;
namespace bl = bank::ledger;

namespace {

// Snapshots every 10 transactions, signatures every 5 and in the
// background (a snapshot's evidence waits for the next signature).
EngineOptions SnapshotOptions(const TempDir& dir) {
  EngineOptions o = bank::test::TestEngineOptions(dir);
  o.snapshot_directory = (dir.path() / "snapshots").string();
  o.snapshot_tx_interval = 10;
  o.signature_tx_count = 5;
  o.signature_interval = 20ms;
  return o;
}

std::vector<std::string> SnapshotFiles(const EngineOptions& o) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(o.snapshot_directory))
    if (e.path().extension() == ".committed") out.push_back(e.path().string());
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return bl::ParseSnapshotName(std::filesystem::path(a).filename().string())->seqno <
           bl::ParseSnapshotName(std::filesystem::path(b).filename().string())->seqno;
  });
  return out;
}

// Polls until `count` snapshots are written (deadline: a minute).
std::vector<std::string> WaitForSnapshots(const EngineOptions& o, size_t count) {
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (SnapshotFiles(o).size() < count && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  auto files = SnapshotFiles(o);
  REQUIRE(files.size() >= count);
  return files;
}

// As bankd's genesis: the service identity a snapshot's audit checks against.
void PutServiceInfo(Engine& engine) {
  engine.Write([&](bankd::kv::Tx& tx) {
    tx.Put(bl::kServiceInfo, bl::kSingletonKey,
           "{\"cert\":" + nlohmann::json(TestIdentity().service_cert.Pem()).dump() + ",\"status\":\"Open\"}");
    return true;
  });
}

// The nice value of this process's thread named `name` (field 19 of
// /proc/self/task/<tid>/stat), or nullopt when there is none.
std::optional<int> NiceOfThread(const std::string& name) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (!std::getline(comm, line) || line != name) continue;
    std::ifstream stat_file(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    // After the ")" that ends the name: state is field 3, nice field 19.
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i < 19; ++i) fields >> field;
    int nice = 0;
    if (fields >> nice) return nice;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("snapshots are written at the interval, at a signature that ends a chunk", "[ledger][snapshot]") {
  TempDir dir;
  EngineOptions o = SnapshotOptions(dir);
  auto engine = OpenEngine(o);
  PutServiceInfo(*engine);
  for (int i = 0; i < 12; ++i) Put(*engine, "k" + std::to_string(i), "v");
  auto files = WaitForSnapshots(o, 1);
  auto name = bl::ParseSnapshotName(std::filesystem::path(files[0]).filename().string());
  REQUIRE(name.has_value());
  CHECK(name->seqno >= 10);
  CHECK(name->evidence_seqno > name->seqno);

  auto snapshot = bl::ReadSnapshot(files[0], &TestIdentity().service_cert);
  INFO(snapshot.status().message());
  REQUIRE(snapshot.ok());
  CHECK(snapshot->txid.seqno == name->seqno);
  CHECK(snapshot->receipt_txid.seqno == name->evidence_seqno);
  const bl::Table* rows = snapshot->domain.Find("accounts");
  CHECK(rows == nullptr);  // private: encrypted
  CHECK(snapshot->domain.Find(bl::kTree) != nullptr);
  // Its own service.info serves `ledger audit --snapshot` too.
  CHECK(bl::ReadSnapshot(files[0]).ok());

  // The signature at the snapshot ends its chunk; the evidence starts one.
  bool ends_chunk = false;
  for (const auto& f : LedgerChunks(o.directory)) ends_chunk |= f.last == name->seqno;
  CHECK(ends_chunk);
  auto records = AllRecords(o.directory);
  CHECK(records[name->seqno - 1].signature);
  CHECK_THAT(records[name->evidence_seqno - 1].bytes,
             Catch::Contains("public:ccf.internal.snapshot_evidence"));
}

TEST_CASE("the snapshotter runs at the lowest CPU priority and the caller keeps its own",
          "[ledger][snapshot]") {
  TempDir dir;
  EngineOptions o = SnapshotOptions(dir);
  const int before = ::getpriority(PRIO_PROCESS, 0);
  auto engine = OpenEngine(o);
  PutServiceInfo(*engine);
  for (int i = 0; i < 12; ++i) Put(*engine, "k" + std::to_string(i), "v");
  WaitForSnapshots(o, 1);  // the thread has started and done its work
  std::optional<int> nice = NiceOfThread("bankd-snapshot");
  REQUIRE(nice.has_value());
  CHECK(*nice == 19);
  CHECK(::getpriority(PRIO_PROCESS, 0) == before);  // this thread's is unchanged
}

TEST_CASE("a snapshot waits until the ledger has grown by min_ledger_growth x the previous one",
          "[ledger][snapshot]") {
  TempDir dir;
  EngineOptions o = SnapshotOptions(dir);
  o.snapshot_min_ledger_growth = 3;
  auto engine = OpenEngine(o);
  PutServiceInfo(*engine);
  // Writes until three snapshots exist (bounded: the rule allows one about
  // every 3x more rows at most).
  const std::string value(200, 'v');
  for (int i = 0; i < 20000 && SnapshotFiles(o).size() < 3; ++i) Put(*engine, "k" + std::to_string(i), value);
  auto files = WaitForSnapshots(o, 3);
  engine.reset();

  std::vector<uint64_t> seqnos, sizes;
  for (const auto& f : files) {
    auto snapshot = bl::ReadSnapshot(f, &TestIdentity().service_cert);
    REQUIRE(snapshot.ok());
    seqnos.push_back(snapshot->txid.seqno);
    sizes.push_back(snapshot->entry_bytes);
  }
  const auto records = AllRecords(o.directory);
  for (size_t i = 0; i + 1 < files.size(); ++i) {
    // The ledger between two snapshots (after the first's signature, before
    // the second's) is at least 3x the first snapshot.
    uint64_t between = 0;
    for (const auto& r : records)
      if (r.txid.seqno > seqnos[i] && r.txid.seqno < seqnos[i + 1]) between += r.size;
    INFO("snapshots at " << seqnos[i] << " (" << sizes[i] << " bytes) and " << seqnos[i + 1]);
    CHECK(between >= 3 * sizes[i]);
    CHECK(seqnos[i + 1] - seqnos[i] >= o.snapshot_tx_interval);
  }
}

TEST_CASE("a restart from a snapshot gives the same store, root and receipts", "[ledger][snapshot]") {
  TempDir dir;
  EngineOptions o = SnapshotOptions(dir);
  std::vector<TxId> txs;
  std::string rows;
  bank::Digest root;
  uint64_t snapshot_seqno = 0;
  {
    auto engine = OpenEngine(o);
    PutServiceInfo(*engine);
    for (int i = 0; i < 25; ++i)
      txs.push_back(
          Put(*engine, "k" + std::to_string(i % 7), std::to_string(i), "claim " + std::to_string(i)));
    auto files = WaitForSnapshots(o, 1);
    snapshot_seqno = bl::ParseSnapshotName(std::filesystem::path(files.back()).filename().string())->seqno;
    txs.push_back(Put(*engine, "after", "snapshot", "the last claim"));
    engine->Sign();
    engine->Flush();
    rows = Rows(*engine, "accounts");
  }
  REQUIRE(txs.front().seqno < snapshot_seqno);
  REQUIRE(txs.back().seqno > snapshot_seqno);

  // The full replay, for comparison: snapshots neither read nor written.
  EngineOptions plain = o;
  plain.snapshot_directory.clear();
  std::vector<bankd::ledger::ReceiptMaterial> expected;
  {
    auto engine = OpenEngine(plain);
    CHECK(Rows(*engine, "accounts") == rows);
    for (const TxId& tx : txs) expected.push_back(engine->Receipt(tx).value());
    // Its background signer may sign what the first run left unsigned (a
    // snapshot's evidence), at any moment until it stops: the root is the
    // one it leaves behind, read once nothing can write any more.
    engine->Stop();
    root = engine->CurrentRoot();
  }

  // A transaction the snapshot covers is not even read: damage it (not a
  // signature, whose tree the start reads) and the start still succeeds.
  auto records = AllRecords(o.directory);
  const auto& victim = records[txs[1].seqno - 1];
  REQUIRE_FALSE(victim.signature);
  std::string bytes = ReadBytes(victim.file);
  bytes[victim.offset + victim.size - 1] ^= 1;
  WriteBytes(victim.file, bytes);

  // Restarted from the snapshot with nothing written in the background (no
  // new snapshot and its evidence, no timed signature), so that the seqnos
  // checked below are the engine's alone, whatever the timing.
  EngineOptions restart = o;
  restart.snapshot_tx_interval = 1000000;
  restart.signature_interval = std::chrono::hours(24);
  auto engine = OpenEngine(restart);
  CHECK(Rows(*engine, "accounts") == rows);
  CHECK(engine->CurrentRoot() == root);
  CHECK(engine->LastWritten().seqno == records.size());
  for (size_t i = 0; i < txs.size(); ++i) {
    if (i == 1) continue;  // damaged on purpose
    CHECK(engine->Status(txs[i]) == TxStatus::kCommitted);
    auto m = engine->Receipt(txs[i]);
    REQUIRE(m.has_value());
    CHECK(m->proof == expected[i].proof);
    CHECK(m->root == expected[i].root);
    CHECK(m->write_set_digest == expected[i].write_set_digest);
    CHECK(m->signature_txid == expected[i].signature_txid);
    CHECK(m->claim == expected[i].claim);
    CheckReceiptVerifies(*m);
  }
  CHECK(engine->Status({txs[0].view + 1, txs[0].seqno}) == TxStatus::kInvalid);
  TxId next = Put(*engine, "new", "view");
  CHECK(next.seqno == records.size() + 1);
  CHECK(next.view > txs.back().view);
}

TEST_CASE("a damaged snapshot is skipped with a warning naming it", "[ledger][snapshot]") {
  TempDir dir;
  EngineOptions o = SnapshotOptions(dir);
  std::string rows;
  {
    auto engine = OpenEngine(o);
    PutServiceInfo(*engine);
    for (int i = 0; i < 12; ++i) Put(*engine, "k" + std::to_string(i), "v");
    WaitForSnapshots(o, 1);
    for (int i = 0; i < 12; ++i) Put(*engine, "m" + std::to_string(i), "w");
    WaitForSnapshots(o, 2);
    engine->Flush();
    rows = Rows(*engine, "accounts");
  }
  auto files = SnapshotFiles(o);
  std::string latest = files.back();
  std::string bytes = ReadBytes(latest);
  SECTION("a changed byte in the store") { bytes[bytes.size() / 3] ^= 1; }
  SECTION("a changed byte in the receipt") { bytes[bytes.size() - 20] ^= 1; }
  SECTION("cut short") { bytes.resize(bytes.size() / 2); }
  WriteBytes(latest, bytes);

  StderrCapture capture(dir / "stderr.txt");
  auto engine = OpenEngine(o);
  std::string warning = capture.Release();
  CHECK_THAT(warning, Catch::Contains("skipping snapshot " + latest));
  CHECK(std::count(warning.begin(), warning.end(), '\n') == 1);
  CHECK(Rows(*engine, "accounts") == rows);
}

TEST_CASE("ledger audit --snapshot accepts bankd's snapshots", "[ledger][snapshot]") {
  TempDir dir;
  EngineOptions o = SnapshotOptions(dir);
  {
    auto engine = OpenEngine(o);
    PutServiceInfo(*engine);
    for (int i = 0; i < 20; ++i) Put(*engine, "k" + std::to_string(i), "v", "claim");
    WaitForSnapshots(o, 1);
    engine->Sign();
    engine->Flush();
  }
  bl::AuditOptions options;
  options.uncommitted = true;
  options.snapshot_file = SnapshotFiles(o).back();
  auto report = bl::AuditLedger({o.directory}, options);
  REQUIRE(report.ok());
  INFO(report->ToJson().dump(2));
  CHECK(report->verified());
  REQUIRE(report->snapshot.has_value());
  CHECK(report->first->seqno == report->snapshot->seqno + 1);
}
