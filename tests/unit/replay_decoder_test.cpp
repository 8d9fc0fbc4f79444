// The replay's decoder (node/ledger/replay_decoder.hpp) against the reader
// it runs ahead of: the same entries in order, the same leaves and writes,
// through batches and a full queue; it stops at a damaged entry, and
// destroying it while it waits for room does not hang.
#include "ledger/replay_decoder.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "bank/key.hpp"
#include "bank/ledger_files.hpp"
#include "ledger/serialiser.hpp"
#include "support/ledger_records.hpp"
#include "support/temp_dir.hpp"
#include "support/test_engine.hpp"

using namespace bank::test;  // the helpers of tests/support
using bankd::ledger::DecodedEntry;
using bankd::ledger::DecoderLimits;
using bankd::ledger::ReplayDecoder;
using bankd::ledger::Serialiser;
namespace bl = bank::ledger;

namespace {

// A closed ledger of several chunks: writes with and without claims,
// removals and signature transactions. Returns its options.
bankd::ledger::EngineOptions WriteLedger(const TempDir& dir) {
  auto o = TestEngineOptions(dir);
  o.chunk_bytes = 600;
  o.signature_tx_count = 7;
  auto engine = OpenEngine(o);
  for (int i = 0; i < 60; ++i) {
    engine->Write([&](bankd::kv::Tx& tx) {
      tx.Put("accounts", "user" + std::to_string(i % 9), std::string(static_cast<size_t>(i * 7), 'x'));
      if (i % 5 == 4) tx.Remove("accounts", "user" + std::to_string((i + 3) % 9));
      if (i % 3 == 0) tx.SetClaim("claim " + std::to_string(i));
      return true;
    });
  }
  engine->Sign();
  engine->Flush();
  return o;
}

struct Decoded {
  DecodedEntry entry;
  bl::WriteSet writes;
};

std::vector<Decoded> DecodeAll(ReplayDecoder& decoder, const Serialiser& serialiser) {
  std::vector<Decoded> out;
  while (auto batch = decoder.Next()) {
    for (auto& e : batch->entries) {
      auto writes =
          serialiser.WritesOf(e.domain, std::string_view(batch->plaintext).substr(e.plain_at, e.plain_size));
      REQUIRE(writes.ok());
      out.push_back({std::move(e), std::move(*writes)});
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the decoder yields the reader's entries, leaves and writes, through any batching", "[ledger]") {
  TempDir dir;
  auto o = WriteLedger(dir);
  const Serialiser serialiser(bank::ReadFile(o.secret_file).value());
  const auto files = LedgerChunks(o.directory);
  REQUIRE(files.size() > 3);
  const uint64_t first = GENERATE(1, 2);  // 2: the first chunk skipped, as after a snapshot ending it
  const uint64_t start = first == 1 ? 1 : *files[0].last + 1;
  DecoderLimits limits;
  SECTION("defaults: one batch") {}
  SECTION("a batch per entry, one queued at a time") { limits = {1, 1}; }
  SECTION("small batches, a few queued") { limits = {256, 2048}; }

  ReplayDecoder decoder(files, start, serialiser, limits);
  auto decoded = DecodeAll(decoder, serialiser);
  CHECK_FALSE(decoder.error());
  CHECK_FALSE(decoder.torn_tail());

  bl::LedgerReader reader(files, start);
  bl::ReadEntry e;
  size_t i = 0;
  while (reader.Next(&e)) {
    INFO("seqno " << e.frame.txid.seqno);
    REQUIRE(i < decoded.size());
    const Decoded& d = decoded[i++];
    CHECK(d.entry.txid == e.frame.txid);
    CHECK(d.entry.file->path == reader.files()[e.file_index].path);
    CHECK(d.entry.offset == e.offset);
    CHECK(d.entry.size == e.frame.raw.size());
    CHECK(d.entry.leaf == bl::LeafOf(e.frame, e.domain));
    CHECK_FALSE(d.entry.problem);
    auto writes = serialiser.Writes(e.frame, e.domain);
    REQUIRE(writes.ok());
    CHECK(d.writes == *writes);
  }
  CHECK(i == decoded.size());
  CHECK(decoded.front().entry.txid.seqno == start);
  CHECK(decoded.size() > 60 - start);
}

TEST_CASE("the decoder stops at an entry that does not open under the secret", "[ledger]") {
  TempDir dir;
  auto o = WriteLedger(dir);
  const Serialiser wrong(std::string(32, 'w'));
  ReplayDecoder decoder(LedgerChunks(o.directory), 1, wrong, {1, 1});
  size_t entries = 0;
  std::optional<std::string> problem;
  while (auto batch = decoder.Next()) {
    for (const auto& e : batch->entries) {
      ++entries;
      problem = e.problem;
    }
  }
  CHECK(entries == 1);
  REQUIRE(problem);
  CHECK_THAT(*problem, Catch::Contains("AES-GCM tag does not match"));
}

TEST_CASE("a decoder destroyed while it waits for room stops", "[ledger]") {
  TempDir dir;
  auto o = WriteLedger(dir);
  const Serialiser serialiser(bank::ReadFile(o.secret_file).value());
  for (int taken = 0; taken < 3; ++taken) {
    ReplayDecoder decoder(LedgerChunks(o.directory), 1, serialiser, {1, 1});
    for (int i = 0; i < taken; ++i) CHECK(decoder.Next().has_value());
  }  // each destructor returns: the test would hang otherwise
}
