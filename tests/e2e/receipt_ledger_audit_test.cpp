// `bankctl ledger audit` on copies of a real bankd ledger: a fresh copy
// verifies; one flipped byte anywhere fails, naming the transaction whose
// record holds it (file, offset, seqno); an entry rewritten with consistent
// checksums fails at the signature that covers it; a foreign service
// certificate fails the endorsement.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "bank/certificate.hpp"
#include "bank/ledger_format.hpp"
#include "support/bankctl_run.hpp"
#include "support/bankd_process.hpp"
#include "support/banking.hpp"
#include "support/temp_dir.hpp"

namespace bank::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct RecordAt {
  std::string file;  // file name within the ledger directory
  uint64_t offset = 0, size = 0;
  ledger::Entry entry;
};

// Every record of a ledger directory, decoded.
std::vector<RecordAt> Records(const std::string& dir) {
  auto reader = ledger::LedgerReader::Open(dir);
  REQUIRE(reader.ok());
  std::vector<RecordAt> out;
  ledger::Record rec;
  while (true) {
    auto more = reader->Next(&rec);
    REQUIRE(more.ok());
    if (!*more) break;
    auto decoded = ledger::DecodeEntry(rec.payload);
    REQUIRE(decoded.ok());
    out.push_back({fs::path(reader->chunks()[rec.chunk_index].path).filename().string(), rec.offset, rec.size,
                   decoded->entry});
  }
  return out;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void Spit(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

BankctlRun Audit(const std::string& dir, const std::string& service_cert) {
  return RunBankctl({"--output", "json", "ledger", "audit", dir, "--service-cert", service_cert});
}

TEST_CASE("ledger audit verifies a fresh copy and names the transaction of any flipped byte", "[e2e][ledger]") {
  TempDir tmp;
  std::string pristine = tmp / "pristine", service_cert = tmp / "service_cert.pem";
  {
    BankdProcess bankd;
    auto member0 = bankd.Client("member0");
    auto user0 = bankd.Client("user0");
    CreateAccount(member0, bankd.id("user0"), "current_account");
    CreateAccount(member0, bankd.id("user1"), "savings_account");
    Deposit(member0, bankd.id("user0"), "current_account", 100);
    for (int i = 0; i < 5; ++i) Transfer(user0, "current_account", 1 + i, bankd.id("user1"), "savings_account");
    REQUIRE(bankd.Stop() == 0);  // signs what is unsigned and flushes
    fs::copy(bankd.ledger_dir(), pristine);
    fs::copy_file(bankd.service_cert(), service_cert);
  }
  const std::vector<RecordAt> records = Records(pristine);
  REQUIRE(records.size() >= 8);

  auto fresh = Audit(pristine, service_cert);
  INFO(fresh.out << fresh.err);
  REQUIRE(fresh.exit_code == 0);
  json report = fresh.json();
  CHECK(report["verified"] == true);
  CHECK(report["transactions"] == records.size());
  CHECK(report["endorsements_checked"] == true);
  CHECK(report["unsigned_transactions"] == 0);
  CHECK(report["signatures"].get<uint64_t>() >= 1);

  // Positions: first byte of the ledger, inside a header's payload CRC, the
  // middle of a write entry's payload, inside a signature entry (its
  // signature record), and the very last byte of the last file.
  const RecordAt& write = records[records.size() / 2];
  const RecordAt* signature = nullptr;
  for (const auto& r : records)
    if (r.entry.kind == ledger::EntryKind::kSignature) signature = &r;
  REQUIRE(signature != nullptr);
  const RecordAt& last = records.back();
  const std::vector<std::pair<const RecordAt*, uint64_t>> flips = {
      {&records.front(), 0},
      {&records[1], 9},
      {&write, write.size / 2},
      {signature, signature->size - 40},
      {&last, last.size - 1},
  };
  for (const auto& [record, within] : flips) {
    TempDir copy_root;
    const std::string copy = copy_root / "ledger";
    fs::copy(pristine, copy);
    const std::string path = copy + "/" + record->file;
    std::string bytes = Slurp(path);
    bytes[record->offset + within] = static_cast<char>(bytes[record->offset + within] ^ 0x01);
    Spit(path, bytes);

    auto audit = Audit(copy, service_cert);
    INFO("flipped byte " << record->offset + within << " of " << record->file << " (seqno "
                         << record->entry.txid.seqno << ")\n"
                         << audit.out << audit.err);
    CHECK(audit.exit_code == 7);
    json problem = audit.json()["problem"];
    CHECK(problem["seqno"] == record->entry.txid.seqno);
    CHECK(fs::path(problem["file"].get<std::string>()).filename() == record->file);
    CHECK(problem["offset"] == record->offset);
    CHECK((audit.out + audit.err).find("seqno " + std::to_string(record->entry.txid.seqno)) != std::string::npos);
  }
}

TEST_CASE("ledger audit catches an entry rewritten with valid checksums at its signature", "[e2e][ledger]") {
  TempDir tmp;
  std::string dir = tmp / "ledger", service_cert = tmp / "service_cert.pem";
  {
    BankdProcess bankd;
    auto member0 = bankd.Client("member0");
    CreateAccount(member0, bankd.id("user0"), "current_account");
    Deposit(member0, bankd.id("user0"), "current_account", 100);
    Deposit(member0, bankd.id("user0"), "current_account", 7);
    REQUIRE(bankd.Stop() == 0);
    fs::copy(bankd.ledger_dir(), dir);
    fs::copy_file(bankd.service_cert(), service_cert);
  }
  auto records = Records(dir);
  // The last write before the last signature: change one value, re-frame.
  size_t victim = records.size() - 1;
  while (records[victim].entry.kind != ledger::EntryKind::kWrite) --victim;
  ledger::Entry forged = records[victim].entry;
  REQUIRE_FALSE(forged.writes.empty());
  forged.writes[0].value = forged.writes[0].value.value_or("") + " ";
  std::string framed;
  ledger::AppendRecord(ledger::EncodeEntry(forged).payload, &framed);
  const std::string path = dir + "/" + records[victim].file;
  std::string bytes = Slurp(path);
  bytes.replace(records[victim].offset, records[victim].size, framed);
  Spit(path, bytes);

  auto audit = Audit(dir, service_cert);
  INFO(audit.out << audit.err);
  CHECK(audit.exit_code == 7);
  json problem = audit.json()["problem"];
  uint64_t seqno = problem["seqno"];
  CHECK(seqno > records[victim].entry.txid.seqno);
  CHECK(problem["covers_seqnos"][0].get<uint64_t>() <= records[victim].entry.txid.seqno);
  CHECK(problem["covers_seqnos"][1].get<uint64_t>() >= records[victim].entry.txid.seqno);
  CHECK((audit.out + audit.err).find("one of them was altered") != std::string::npos);
}

TEST_CASE("ledger audit checks node certificates against the service certificate", "[e2e][ledger]") {
  TempDir tmp;
  std::string dir = tmp / "ledger";
  {
    BankdProcess bankd;
    REQUIRE(bankd.Stop() == 0);
    fs::copy(bankd.ledger_dir(), dir);
  }
  auto key = *PrivateKey::GenerateEc(Curve::kP384);
  CertificateSpec spec;
  spec.common_name = "CCF Service";
  spec.is_ca = true;
  std::ofstream(tmp / "other_service.pem") << Certificate::SelfSigned(key, spec)->Pem();

  auto foreign = Audit(dir, tmp / "other_service.pem");
  CHECK(foreign.exit_code == 7);
  CHECK((foreign.out + foreign.err).find("not endorsed by the service certificate") != std::string::npos);

  auto unanchored = RunBankctl({"--output", "json", "ledger", "audit", dir});
  CHECK(unanchored.exit_code == 0);
  CHECK(unanchored.json()["endorsements_checked"] == false);
  CHECK(RunBankctl({"ledger", "audit", tmp / "nowhere"}).exit_code == 3);
}

}  // namespace
}  // namespace bank::test
