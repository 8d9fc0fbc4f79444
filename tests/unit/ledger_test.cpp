// The ledger engine on real files, in CCF's format: commit status, signature
// transactions, receipts that verify, replay after reopen, torn tails cut,
// damage refused with file, offset and transaction, and nothing committed
// lost across kill -9. Snapshots: ledger_snapshot_test.cpp.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "bank/ledger_files.hpp"
#include "bank/ledger_tables.hpp"
#include "ledger/commit_evidence.hpp"
#include "ledger/engine.hpp"
#include "ledger/serialiser.hpp"
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

TEST_CASE("a write that returns false or writes nothing records nothing", "[ledger]") {
  TempDir dir;
  auto engine = OpenEngine(bank::test::TestEngineOptions(dir));
  TxId first = Put(*engine, "alice", "10");
  CHECK(first == TxId{2, 1});

  auto refused = engine->Write([](bankd::kv::Tx& tx) {
    tx.Put("accounts", "alice", "999");
    tx.Put("accounts", "mallory", "1");
    return false;
  });
  CHECK_FALSE(refused.committed);
  CHECK(refused.txid == first);
  auto empty = engine->Write([](bankd::kv::Tx&) { return true; });
  CHECK_FALSE(empty.committed);
  CHECK(engine->LastWritten() == first);
  CHECK(Rows(*engine, "accounts") == "alice=10\n");
}

TEST_CASE("a transaction reads its own writes and commits them atomically", "[ledger]") {
  TempDir dir;
  auto engine = OpenEngine(bank::test::TestEngineOptions(dir));
  Put(*engine, "alice", "10");
  auto r = engine->Write([](bankd::kv::Tx& tx) {
    auto balance = tx.Get("accounts", "alice");
    REQUIRE(balance == "10");
    tx.Put("accounts", "alice", "4");
    tx.Put("accounts", "bob", "6");
    CHECK(tx.Get("accounts", "alice") == "4");  // read-your-writes
    return true;
  });
  REQUIRE(r.committed);
  CHECK(r.txid == TxId{2, 2});
  TxId seen = engine->Read([](const bankd::kv::Store& store) { CHECK(store.Get("accounts", "bob") == "6"); });
  CHECK(seen == r.txid);
}

TEST_CASE("status moves from Pending to Committed when the group commit covers it", "[ledger]") {
  TempDir dir;
  EngineOptions o = bank::test::TestEngineOptions(dir);
  // After the first batch the flusher waits an hour: only Flush() makes the
  // second transaction durable, so Pending is observable.
  o.flush_interval = std::chrono::hours(1);
  auto engine = OpenEngine(o);
  TxId first = Put(*engine, "alice", "10");
  REQUIRE(engine->WaitCommitted(first, 60s));
  CHECK(engine->Status(first) == TxStatus::kCommitted);

  TxId second = Put(*engine, "bob", "5");
  CHECK(engine->Status(second) == TxStatus::kPending);
  CHECK(engine->LastCommitted() == first);
  CHECK(engine->LastWritten() == second);
  CHECK_FALSE(engine->WaitCommitted(second, 1ms));

  engine->Flush();
  CHECK(engine->Status(second) == TxStatus::kCommitted);
  CHECK(engine->LastCommitted() == second);
  CHECK(engine->WaitCommitted(second, 0ms));

  CHECK(engine->Status({2, 3}) == TxStatus::kUnknown);  // not written yet
  CHECK(engine->Status({3, 1}) == TxStatus::kUnknown);  // a later view
  CHECK(engine->Status({1, 1}) == TxStatus::kInvalid);  // another view
  CHECK(engine->Status({1, 9}) == TxStatus::kInvalid);  // an earlier view cannot reach it
  CHECK(engine->Status({2, 0}) == TxStatus::kInvalid);
}

TEST_CASE("signature transactions follow the configured count", "[ledger]") {
  TempDir dir;
  EngineOptions o = bank::test::TestEngineOptions(dir);
  o.signature_tx_count = 3;
  auto engine = OpenEngine(o);
  for (int i = 0; i < 7; ++i) Put(*engine, "k" + std::to_string(i), std::to_string(i));
  // 1 2 3 (4: the node's endorsed certificate, before its first signature)
  // [5] 6 7 8 [9] 10
  CHECK(engine->LastWritten() == TxId{2, 10});
  engine->Flush();

  std::vector<uint64_t> signatures;
  for (const auto& r : AllRecords(o.directory))
    if (r.signature) signatures.push_back(r.txid.seqno);
  CHECK(signatures == std::vector<uint64_t>{5, 9});
  engine->Read([&](const bankd::kv::Store& s) {
    CHECK(s.Get(bl::kEndorsedNodeCerts, TestIdentity().node_cert.PublicKeyId()) ==
          TestIdentity().node_cert.Pem());
  });

  std::string stored;
  engine->Read(
      [&](const bankd::kv::Store& s) { stored = s.Get(bl::kSignatures, bl::kSingletonKey).value_or(""); });
  auto record = bl::ParsePrimarySignature(stored);
  REQUIRE(record.ok());
  CHECK(record->txid == TxId{2, 9});
  CHECK(record->node_id == TestIdentity().node_cert.PublicKeyId());
  CHECK(engine->LastSignedRoot() == record->root);
  CHECK(engine->Receipt({2, 10}) == std::nullopt);  // no signature after it yet
}

TEST_CASE("the signature interval signs pending transactions in the background", "[ledger]") {
  TempDir dir;
  EngineOptions o = bank::test::TestEngineOptions(dir);
  o.signature_interval = 20ms;
  auto engine = OpenEngine(o);
  CHECK(engine->LastSignedRoot() == std::nullopt);
  Put(*engine, "alice", "1");
  bank::Digest root_of_one = engine->CurrentRoot();
  // Bounded wait for the background signer; no assertion on how long.
  for (int i = 0; i < 1000 && !engine->LastSignedRoot(); ++i) std::this_thread::sleep_for(10ms);
  // The node's certificate is recorded first (2.2), then signed over (2.3).
  REQUIRE(engine->LastSignedRoot().has_value());
  CHECK(engine->LastSignedRoot() != root_of_one);
  CHECK(engine->LastWritten() == TxId{2, 3});
}

TEST_CASE("receipt material proves each transaction against a signed root", "[ledger]") {
  TempDir dir;
  EngineOptions o = bank::test::TestEngineOptions(dir);
  o.flush_interval = std::chrono::hours(1);
  auto engine = OpenEngine(o);
  std::vector<TxId> txs;
  txs.push_back(Put(*engine, "alice", "100"));
  REQUIRE(engine->WaitCommitted(txs[0], 60s));
  for (int i = 1; i < 6; ++i)
    txs.push_back(Put(*engine, "user" + std::to_string(i), std::to_string(i),
                      "alice sent " + std::to_string(i) + " to bob"));
  CHECK(engine->Receipt(txs[2]) == std::nullopt);  // not signed

  TxId signature = engine->Sign();
  CHECK(signature == TxId{2, 8});                  // 2.7 records the node's certificate
  CHECK(engine->Receipt(txs[2]) == std::nullopt);  // signed, not yet durable
  engine->Flush();

  for (const TxId& tx : txs) {
    auto m = engine->Receipt(tx);
    REQUIRE(m.has_value());
    CHECK(m->txid == tx);
    CHECK(m->signature_txid == signature);
    CHECK_FALSE(m->is_signature_transaction);
    CHECK(m->commit_evidence.rfind("ce:" + tx.ToString() + ":", 0) == 0);
    CHECK(m->commit_evidence.size() == 3 + tx.ToString().size() + 1 + 64);
    REQUIRE(m->claims_digest.has_value());
    if (m->claim) {
      CHECK(*m->claims_digest == bank::Sha256(*m->claim));
    } else {
      CHECK(*m->claims_digest == bank::Digest{});  // as CCF: zeros without a claim
    }
    CheckReceiptVerifies(*m);
  }
  CHECK(engine->Receipt(txs[3])->claim == "alice sent 3 to bob");
  CHECK(engine->Receipt(txs[0])->root == engine->LastSignedRoot());

  auto own = engine->Receipt(signature);
  REQUIRE(own.has_value());
  CHECK(own->is_signature_transaction);
  CheckReceiptVerifies(*own);

  // A later signature's root includes the earlier signature transaction.
  TxId after = Put(*engine, "carol", "1");
  TxId second_signature = engine->Sign();
  engine->Flush();
  auto covered = engine->Receipt(signature);
  REQUIRE(covered.has_value());
  CHECK(covered->signature_txid == signature);  // a signature's receipt is its own
  auto m = engine->Receipt(after);
  REQUIRE(m.has_value());
  CHECK(m->signature_txid == second_signature);
  CheckReceiptVerifies(*m);

  CHECK(engine->Receipt({1, 2}) == std::nullopt);   // wrong view
  CHECK(engine->Receipt({2, 99}) == std::nullopt);  // no such transaction
}

TEST_CASE("a reopened ledger replays to the same state and starts a new view", "[ledger]") {
  TempDir dir;
  EngineOptions o = bank::test::TestEngineOptions(dir);
  o.chunk_bytes = 600;  // several chunk files
  o.signature_tx_count = 7;
  std::string accounts, signatures;
  bank::Digest root;
  std::optional<bank::Digest> signed_root;
  TxId last;
  std::optional<bankd::ledger::ReceiptMaterial> receipt;
  {
    auto engine = OpenEngine(o);
    for (int i = 0; i < 40; ++i) {
      engine->Write([&](bankd::kv::Tx& tx) {
        tx.Put("accounts", "user" + std::to_string(i % 9), std::to_string(i));
        if (i % 5 == 4) tx.Remove("accounts", "user" + std::to_string((i + 3) % 9));
        if (i % 3 == 0) tx.SetClaim("claim " + std::to_string(i));
        return true;
      });
    }
    engine->Sign();
    accounts = Rows(*engine, "accounts");
    signatures = Rows(*engine, std::string(bl::kSignatures));
    root = engine->CurrentRoot();
    signed_root = engine->LastSignedRoot();
    last = engine->LastWritten();
    engine->Flush();
    receipt = engine->Receipt({2, 13});
    REQUIRE(receipt.has_value());
  }
  REQUIRE(LedgerChunks(o.directory).size() > 2);

  auto engine = OpenEngine(o);
  CHECK(Rows(*engine, "accounts") == accounts);
  CHECK(Rows(*engine, std::string(bl::kSignatures)) == signatures);
  CHECK(engine->CurrentRoot() == root);
  CHECK(engine->LastSignedRoot() == signed_root);
  CHECK(engine->LastWritten() == last);
  CHECK(engine->LastCommitted() == last);
  CHECK(engine->Status({2, 13}) == TxStatus::kCommitted);
  auto again = engine->Receipt({2, 13});
  REQUIRE(again.has_value());
  CHECK(again->proof == receipt->proof);
  CHECK(again->root == receipt->root);
  CHECK(again->write_set_digest == receipt->write_set_digest);
  CHECK(again->commit_evidence == receipt->commit_evidence);
  CheckReceiptVerifies(*again);

  TxId next = Put(*engine, "new", "1");
  CHECK(next == TxId{3, last.seqno + 1});
  CHECK(engine->Status({2, last.seqno + 1}) == TxStatus::kInvalid);
  CHECK(engine->Status({2, last.seqno}) == TxStatus::kCommitted);
}

TEST_CASE("the ledger directory holds one engine and the secret stays outside it, private", "[ledger]") {
  TempDir dir;
  EngineOptions o = bank::test::TestEngineOptions(dir);
  auto engine = OpenEngine(o);
  auto second = Engine::Open(o);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == bank::Code::kExists);

  struct stat st {};
  REQUIRE(::stat(o.secret_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_size == 32);
  Put(*engine, "alice", "1");
  engine->Flush();
  for (const auto& e : std::filesystem::directory_iterator(o.directory)) {
    std::string name = e.path().filename().string();
    CHECK((name == "ledger.lock" || bl::ParseLedgerFileName(name).has_value()));
  }

  EngineOptions wrong_key = o;
  wrong_key.directory = (dir.path() / "other").string();
  wrong_key.node_key = TestIdentity().service_key;
  auto refused = Engine::Open(wrong_key);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("does not match"));
}

TEST_CASE("a torn tail is cut with a warning and the ledger goes on", "[ledger]") {
  TempDir dir;
  EngineOptions o = bank::test::TestEngineOptions(dir);
  TxId last;
  {
    auto engine = OpenEngine(o);
    for (int i = 0; i < 5; ++i) last = Put(*engine, "k" + std::to_string(i), "v");
  }
  auto records = AllRecords(o.directory);
  REQUIRE(records.size() == 5);
  const std::string file = records.back().file;
  const std::string whole = ReadBytes(file);

  SECTION("half of a record appended") {
    std::string half = whole.substr(records.back().offset, records.back().size / 2);
    WriteBytes(file, whole + half);
  }
  SECTION("a few header bytes appended") { WriteBytes(file, whole + std::string("\x20\x00\x00", 3)); }
  SECTION("zeros appended, as a file system may leave them") {
    WriteBytes(file, whole + std::string(100, '\0'));
  }

  StderrCapture capture(dir / "stderr.txt");
  auto engine = OpenEngine(o);
  std::string warning = capture.Release();
  CHECK_THAT(warning, Catch::Contains(file) && Catch::Contains("torn tail") &&
                          Catch::Contains("offset " + std::to_string(whole.size())));
  CHECK(ReadBytes(file) == whole);
  CHECK(engine->LastWritten() == last);
  TxId next = Put(*engine, "after", "1");
  CHECK(next.seqno == last.seqno + 1);
  engine.reset();
  CHECK(AllRecords(o.directory).size() == 6);
}

TEST_CASE("a chunk created but killed before its header was written gets its header", "[ledger]") {
  // The crash harness found it: a kill between creating `ledger_<n>` and
  // writing its 8-byte header left the next run appending at offset 0.
  TempDir dir;
  EngineOptions o = bank::test::TestEngineOptions(dir);
  o.signature_tx_count = 3;
  o.chunk_bytes = 1;  // every signature ends a chunk
  {
    auto engine = OpenEngine(o);
    for (int i = 0; i < 6; ++i) Put(*engine, "k" + std::to_string(i), std::to_string(i));
    REQUIRE(engine->LastWritten() == TxId{2, 9});  // a signature
  }
  REQUIRE(LedgerChunks(o.directory).back().last == 9u);
  const std::string open = o.directory + "/" + bl::OpenChunkName(10);
  SECTION("empty") { WriteBytes(open, ""); }
  SECTION("part of the header") { WriteBytes(open, std::string(3, '\0')); }

  TxId written;
  {
    StderrCapture capture(dir / "stderr.txt");
    auto engine = OpenEngine(o);
    capture.Release();
    written = Put(*engine, "after", "1");
    CHECK(written.seqno == 10);
  }
  CHECK(ReadBytes(open).substr(0, bl::kChunkHeaderSize) == std::string(bl::kChunkHeaderSize, '\0'));
  auto records = AllRecords(o.directory);
  REQUIRE(records.size() == 10);
  CHECK(records.back().txid == written);
  CHECK(records.back().offset == bl::kChunkHeaderSize);
  auto engine = OpenEngine(o);
  CHECK(engine->LastWritten() == written);
  CHECK(Rows(*engine, "accounts").find("after=1") != std::string::npos);
}

TEST_CASE("a cut in the last record loses only what was never committed", "[ledger]") {
  TempDir dir;
  EngineOptions o = bank::test::TestEngineOptions(dir);
  TxId last;
  {
    auto engine = OpenEngine(o);
    for (int i = 0; i < 5; ++i) last = Put(*engine, "k" + std::to_string(i), "v");
  }
  auto records = AllRecords(o.directory);
  const auto& tail = records.back();
  std::filesystem::resize_file(tail.file, tail.offset + tail.size - 3);

  StderrCapture capture(dir / "stderr.txt");
  auto engine = OpenEngine(o);
  capture.Release();
  CHECK(engine->LastWritten() == TxId{2, 4});
  CHECK(Rows(*engine, "accounts") == "k0=v\nk1=v\nk2=v\nk3=v\n");
  // The lost id now reads Invalid: the next transaction is in view 3.
  CHECK(engine->Status(last) == TxStatus::kInvalid);
  CHECK(Put(*engine, "k4", "again") == TxId{3, 5});
}

TEST_CASE("damage before the tail refuses to start, naming file, offset and transaction", "[ledger]") {
  TempDir dir;
  EngineOptions o = bank::test::TestEngineOptions(dir);
  o.chunk_bytes = 400;
  o.signature_tx_count = 4;
  {
    auto engine = OpenEngine(o);
    for (int i = 0; i < 30; ++i) Put(*engine, "k" + std::to_string(i), std::string(20, 'x'));
  }
  auto records = AllRecords(o.directory);
  auto chunks = LedgerChunks(o.directory);
  REQUIRE(chunks.size() >= 3);

  std::string expected_file;
  uint64_t expected_offset = 0;
  std::string expected_problem;

  SECTION("a flipped byte in the private domain of an early entry") {
    const auto& victim = records[1];
    std::string bytes = ReadBytes(victim.file);
    bytes[victim.offset + victim.size - 5] ^= 0x40;
    WriteBytes(victim.file, bytes);
    expected_file = victim.file;
    expected_offset = victim.offset;
    expected_problem = "(transaction 2.2): AES-GCM tag does not match";
  }
  SECTION("a flipped byte in an entry's size") {
    const auto& victim = records[2];
    std::string bytes = ReadBytes(victim.file);
    bytes[victim.offset + 2] ^= 0x01;
    WriteBytes(victim.file, bytes);
    expected_file = victim.file;
    expected_offset = victim.offset;
    expected_problem = "(transaction 2.3)";
  }
  SECTION("a flipped byte in the last entry of the open chunk") {
    const auto& victim = records.back();
    std::string bytes = ReadBytes(victim.file);
    bytes[victim.offset + victim.size - 1] ^= 0x01;
    WriteBytes(victim.file, bytes);
    expected_file = victim.file;
    expected_offset = victim.offset;
    expected_problem = "AES-GCM tag does not match";
  }
  SECTION("a completed chunk truncated mid-entry") {
    const std::string& file = chunks[0].path;
    const auto& victim =
        *std::find_if(records.rbegin(), records.rend(), [&](const RecordAt& r) { return r.file == file; });
    std::filesystem::resize_file(file, victim.offset + victim.size / 2);
    expected_file = file;
    expected_offset = 0;
    expected_problem = "outside the file";
  }
  SECTION("a chunk file missing from the middle") {
    std::filesystem::remove(chunks[1].path);
    expected_file = chunks[2].path;
    expected_offset = 0;
    expected_problem = "starts at seqno";
  }
  SECTION("a signature whose root is not the ledger's, re-encrypted with the secret") {
    const auto& victim =
        *std::find_if(records.begin(), records.end(), [](const RecordAt& r) { return r.signature; });
    auto secret = bank::ReadFile(o.secret_file).value();
    bankd::ledger::Serialiser serialiser(secret);
    auto frame = bl::ParseFrame(victim.bytes).value();
    auto domain = bl::ParsePublicDomain(frame.public_domain).value();
    auto writes = serialiser.Writes(frame, domain).value();
    for (auto& w : writes) {
      if (w.table != bl::kSignatures) continue;
      auto sig = bl::ParsePrimarySignature(*w.value).value();
      sig.root[0] ^= 1;
      w.value = sig.ToJson();
    }
    auto evidence = bankd::ledger::CommitEvidence::FromSecret(secret).value();
    auto forged =
        serialiser
            .Serialise(victim.txid, writes, *domain.claims_digest, evidence.For(victim.txid), frame.flags)
            .value();
    REQUIRE(forged.bytes.size() == victim.size);
    std::string bytes = ReadBytes(victim.file);
    bytes.replace(victim.offset, victim.size, forged.bytes);
    WriteBytes(victim.file, bytes);
    expected_file = victim.file;
    expected_offset = victim.offset;
    expected_problem = "the signed root is not the root";
  }

  auto engine = Engine::Open(o);
  REQUIRE_FALSE(engine.ok());
  INFO(engine.status().message());
  CHECK_THAT(engine.status().message(),
             Catch::Contains(expected_file + " at offset " + std::to_string(expected_offset)) &&
                 Catch::Contains(expected_problem));
}

TEST_CASE("nothing reported committed is lost when the process is killed", "[ledger]") {
  TempDir dir;
  EngineOptions o = bank::test::TestEngineOptions(dir);
  o.flush_interval = 0ms;
  o.chunk_bytes = 4096;  // chunk rollovers happen while we kill
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child writes and reports each newly committed seqno; no Catch
    // macros here, only _exit.
    ::close(fds[0]);
    auto engine = Engine::Open(o);
    if (!engine.ok()) ::_exit(2);
    uint64_t reported = 0;
    for (int i = 0; i < 1000000; ++i) {
      (*engine)->Write([&](bankd::kv::Tx& tx) {
        tx.Put("accounts", std::to_string(i), std::to_string(i));
        return true;
      });
      uint64_t committed = (*engine)->LastCommitted().seqno;
      if (committed > reported) {
        reported = committed;
        if (::write(fds[1], &reported, sizeof reported) != sizeof reported) ::_exit(3);
      }
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  uint64_t value = 0, committed = 0;
  while (committed < 2000 && ::read(fds[0], &value, sizeof value) == sizeof value) committed = value;
  ::kill(pid, SIGKILL);
  // Whatever the child reported before it died counts too.
  while (::read(fds[0], &value, sizeof value) == sizeof value) committed = value;
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(committed >= 2000);

  StderrCapture capture(dir / "stderr.txt");  // a torn tail is likely
  auto engine = OpenEngine(o);
  capture.Release();
  REQUIRE(engine->LastWritten().seqno >= committed);
  std::string missing;
  engine->Read([&](const bankd::kv::Store& store) {
    for (uint64_t i = 0; i < committed; ++i)
      if (store.Get("accounts", std::to_string(i)) != std::to_string(i)) missing += std::to_string(i) + " ";
  });
  CHECK(missing.empty());
}

// ---- Snapshots (ledger/snapshotter.hpp, ledger/snapshot_restore.hpp) -------
