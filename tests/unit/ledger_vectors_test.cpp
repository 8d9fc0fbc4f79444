// The CCF ledger reader and audit on real CCF ledgers (../shared/vectors/
// ledgers): the README's figures exactly, and one flipped byte anywhere in
// a chunk caught and named (file, offset, transaction).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "bank/ledger_audit.hpp"
#include "bank/ledger_files.hpp"
#include "bank/ledger_snapshot.hpp"
#include "bank/ledger_tables.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
namespace bl = bank::ledger;
using bank::test::TempDir;
using bank::test::VectorPath;

namespace {

struct Figures {
  const char* service;
  uint64_t transactions;
  const char* last;
  uint64_t signatures, cose_signatures, governance;
};

// ../shared/vectors/README.md, "ledgers/".
const Figures kFigures[] = {
    {"acme_containing", 20, "2.20", 7, 7, 3},
    {"cose_flipflop", 46, "2.46", 23, 5, 6},
    {"double_sealed", 505, "5.505", 154, 154, 9},
    {"expired", 61, "4.61", 21, 13, 6},
    {"sgx", 138, "8.138", 47, 0, 6},
};

std::string LedgerDir(const std::string& service) { return VectorPath("ledgers/" + service + "/ledger"); }

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Where each transaction of the service's ledger lies, and which are
// covered by a later signature (their bytes feed a root that is signed).
struct Located {
  uint64_t seqno;
  bank::TxId txid;
  uint64_t begin, end;
  bool covered;
};
std::map<std::string, std::vector<Located>> Locate(const std::string& dir, bool uncommitted) {
  bl::ListOptions list;
  list.uncommitted = uncommitted;
  auto files = bl::ListLedgerFiles({dir}, list);
  REQUIRE(files.ok());
  bl::LedgerReader reader(*files);
  std::map<std::string, std::vector<Located>> out;
  std::vector<Located*> since_signature;
  bl::ReadEntry e;
  std::vector<std::pair<std::string, Located>> all;
  uint64_t last_signature = 0;
  while (reader.Next(&e)) {
    all.push_back({reader.files()[e.file_index].name,
                   {e.frame.txid.seqno, e.frame.txid, e.offset, e.offset + e.frame.raw.size(), false}});
    if (e.domain.Find(bl::kSignatures) || e.domain.Find(bl::kCoseSignatures))
      last_signature = e.frame.txid.seqno;
  }
  REQUIRE_FALSE(reader.error());
  for (auto& [name, l] : all) {
    l.covered = l.seqno < last_signature;
    out[name].push_back(l);
  }
  return out;
}

}  // namespace

TEST_CASE("ledger audit gives the README's figures for every vector service", "[ledger][vectors]") {
  for (const auto& f : kFigures) {
    INFO(f.service);
    auto report = bl::AuditLedger({LedgerDir(f.service)});
    REQUIRE(report.ok());
    for (const auto& p : report->problems)
      UNSCOPED_INFO(p.file << " " << p.offset << " " << p.check << " " << p.detail);
    CHECK(report->verified());
    CHECK(report->transactions == f.transactions);
    REQUIRE(report->last);
    CHECK(report->last->ToString() == f.last);
    CHECK(report->first->seqno == 1);
    CHECK(report->signatures == f.signatures);
    CHECK(report->cose_signatures == f.cose_signatures);
    CHECK(report->governance_envelopes == f.governance);
    CHECK(report->torn_tail == std::nullopt);
  }
}

TEST_CASE("ledger audit follows service identities and pins the service certificate", "[ledger][vectors]") {
  auto sealed = bl::AuditLedger({LedgerDir("double_sealed")});
  REQUIRE(sealed.ok());
  CHECK(sealed->service_certificates == 2);  // recovered: a second identity

  bl::AuditOptions pinned;
  auto cert = bank::Certificate::LoadFile(VectorPath("ledgers/double_sealed/common/service_cert.pem"));
  REQUIRE(cert.ok());
  pinned.service_cert = *cert;
  auto ok = bl::AuditLedger({LedgerDir("double_sealed")}, pinned);
  REQUIRE(ok.ok());
  CHECK(ok->verified());

  auto other = bank::Certificate::LoadFile(VectorPath("ledgers/acme_containing/common/service_cert.pem"));
  REQUIRE(other.ok());
  pinned.service_cert = *other;
  auto wrong = bl::AuditLedger({LedgerDir("double_sealed")}, pinned);
  REQUIRE(wrong.ok());
  CHECK_FALSE(wrong->verified());
  REQUIRE(wrong->problems.size() == 1);
  CHECK(wrong->problems[0].check == "service_identity");
}

TEST_CASE("ledger audit --uncommitted reads the open chunk", "[ledger][vectors]") {
  bl::AuditOptions options;
  options.uncommitted = true;
  auto report = bl::AuditLedger({LedgerDir("acme_containing")}, options);
  REQUIRE(report.ok());
  CHECK(report->verified());
  CHECK(report->last->ToString() == "2.22");
  CHECK(report->signatures == 8);
  CHECK(report->unsigned_tail == 0);
}

TEST_CASE("ledger audit starts from a CCF snapshot after verifying its receipt", "[ledger][vectors]") {
  auto snap = bl::ReadSnapshot(VectorPath("ledgers/sgx/snapshots/snapshot_99_100.committed"));
  REQUIRE(snap.ok());
  CHECK(snap->txid.seqno == 99);
  bl::AuditOptions options;
  options.snapshot_file = VectorPath("ledgers/sgx/snapshots/snapshot_99_100.committed");
  auto report = bl::AuditLedger({LedgerDir("sgx")}, options);
  REQUIRE(report.ok());
  for (const auto& p : report->problems)
    UNSCOPED_INFO(p.file << " " << p.offset << " " << p.check << " " << p.detail);
  CHECK(report->verified());
  CHECK(report->first->seqno == 100);
  CHECK(report->last->ToString() == "8.138");
  CHECK(report->signatures > 0);

  // The receipt covers every byte before it.
  TempDir tmp;
  std::string bytes = Slurp(*options.snapshot_file);
  bytes[bytes.size() / 3] ^= 0x01;
  std::ofstream(tmp / "snapshot_99_100.committed", std::ios::binary) << bytes;
  CHECK_FALSE(bl::ReadSnapshot(tmp / "snapshot_99_100.committed").ok());
}

TEST_CASE("one flipped byte anywhere in a vector chunk is caught and named", "[ledger][vectors]") {
  // Chunks (all of a service with up to 10, else the second, a middle and
  // the last one), in each: bytes 0, 3 and 7 of the header, the first byte of the
  // first and the last byte of the last table position, and 10 positions
  // spread over the file. The open chunk is read too so that the last
  // committed signature is itself covered by a later one; where no later
  // signature exists (cose_flipflop's last transaction), the bytes no check
  // can reach without the ledger secret (GCM tag, digests) are skipped and
  // counted.
  size_t flipped = 0, unreachable = 0;
  for (const auto& fig : kFigures) {
    const std::string dir = LedgerDir(fig.service);
    auto located = Locate(dir, true);
    size_t committed_files = 0;
    for (const auto& [name, entries] : located) committed_files += bl::ParseLedgerFileName(name)->committed;
    size_t chunk_index = 0;
    for (const auto& [name, entries] : located) {
      auto parsed = bl::ParseLedgerFileName(name);
      REQUIRE(parsed);
      if (!parsed->committed) continue;
      size_t index = chunk_index++;
      if (committed_files > 10 && index != 1 && index != committed_files / 2 && index + 1 != committed_files)
        continue;
      const std::string original = Slurp(dir + "/" + name);
      auto layout = bl::ParseChunkLayout(original);
      REQUIRE(layout.ok());
      std::vector<uint64_t> positions = {0, 3, 7, layout->table_offset, original.size() - 1};
      for (uint64_t k = 0; k < 10; ++k) positions.push_back(8 + k * (layout->table_offset - 9) / 9);
      for (uint64_t pos : positions) {
        const Located* in = nullptr;
        for (const auto& l : entries)
          if (pos >= l.begin && pos < l.end) in = &l;
        if (in && !in->covered) {
          ++unreachable;
          continue;
        }
        TempDir tmp;
        for (const auto& e : fs::directory_iterator(dir))
          fs::copy(e.path(), tmp.path() / e.path().filename());
        std::string bytes = original;
        bytes[pos] ^= 0x01;
        fs::permissions(tmp.path() / name, fs::perms::owner_write, fs::perm_options::add);
        std::ofstream(tmp / name, std::ios::binary | std::ios::trunc) << bytes;
        bl::AuditOptions options;
        options.uncommitted = true;
        auto report = bl::AuditLedger({tmp.path().string()}, options);
        REQUIRE(report.ok());
        INFO(fig.service << " " << name << " byte " << pos);
        REQUIRE_FALSE(report->verified());
        const auto& p = report->problems.front();
        INFO(p.file << " " << p.offset << " " << p.check << " " << p.detail);
        CHECK(fs::path(p.file).filename() == name);
        if (in) {
          REQUIRE(p.txid);
          CHECK(p.txid->seqno == in->seqno);
        }
        ++flipped;
      }
    }
  }
  CHECK(flipped > 200);
  CHECK(unreachable < 10);
}
