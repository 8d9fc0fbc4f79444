// bankd's ledger is a CCF ledger: after the seed scenario (small chunks, so
// that several are completed), `bankctl ledger audit` verifies it, the
// independent test-only reader (tests/ccf_reader, Python, written from CCF's
// documentation) finds every root, node signature and COSE signature valid,
// `ledger read` lists its transactions, and one flipped byte anywhere is
// caught and named (file, offset, transaction) when the audit has the
// ledger secret to check each entry's GCM tag.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "bank/certificate.hpp"
#include "bank/ledger_files.hpp"
#include "support/bankctl_run.hpp"
#include "support/bankd_process.hpp"
#include "support/banking.hpp"
#include "support/temp_dir.hpp"

namespace bank::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void Spit(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

struct Copy {
  std::string ledger, secret, service_cert;
  std::string user0, user1;  // the seed's two users' ids
};

// Runs the seed scenario on a bankd with 4 KB chunks and copies what it
// leaves: the ledger directory, the ledger secret, the service certificate.
void SeedScenario(const TempDir& tmp, Copy* out) {
  BankdOptions options;
  options.start = false;
  BankdProcess bankd(options);
  const std::string node_dir = fs::path(bankd.ledger_dir()).parent_path().string();
  json config = json::parse(Slurp(node_dir + "/bankd.json"));
  config["ledger"]["chunk_size"] = 4096;
  Spit(node_dir + "/bankd.json", config.dump());
  bankd.Start();
  auto member0 = bankd.Client("member0");
  auto user0 = bankd.Client("user0");
  CreateAccount(member0, bankd.id("user0"), "current_account");
  CreateAccount(member0, bankd.id("user1"), "savings_account");
  Deposit(member0, bankd.id("user0"), "current_account", 100);
  for (int i = 0; i < 12; ++i)
    Transfer(user0, "current_account", 1 + i % 3, bankd.id("user1"), "savings_account");
  REQUIRE(bankd.Stop() == 0);
  out->ledger = tmp / "ledger";
  out->secret = tmp / "ledger_secret";
  out->service_cert = tmp / "service_cert.pem";
  fs::copy(bankd.ledger_dir(), out->ledger);
  fs::copy_file(node_dir + "/data/ledger_secret", out->secret);
  fs::copy_file(bankd.service_cert(), out->service_cert);
  out->user0 = bankd.id("user0");
  out->user1 = bankd.id("user1");
}

BankctlRun Audit(const Copy& c, const std::string& dir, bool with_secret) {
  std::vector<std::string> args = {"--output", "json",          "ledger",         "audit",
                                   dir,        "--uncommitted", "--service-cert", c.service_cert};
  if (with_secret) args.insert(args.end(), {"--ledger-secret", c.secret});
  return RunBankctl(args);
}

TEST_CASE("bankd's ledger is a CCF ledger that audits, reads and passes the independent reader",
          "[e2e][ledger]") {
  TempDir tmp;
  Copy c;
  SeedScenario(tmp, &c);

  size_t committed = 0;
  for (const auto& e : fs::directory_iterator(c.ledger)) {
    auto f = ledger::ParseLedgerFileName(e.path().filename().string());
    if (f && f->committed) ++committed;
  }
  CHECK(committed >= 2);

  auto audit = Audit(c, c.ledger, true);
  INFO(audit.out << audit.err);
  REQUIRE(audit.exit_code == 0);
  json report = audit.json();
  CHECK(report["verified"] == true);
  CHECK(report["transactions"].get<uint64_t>() >= 20);
  CHECK(report["gcm_tags_checked"] == report["transactions"]);
  CHECK(report["signatures"].get<uint64_t>() >= 2);
  CHECK(report["cose_signatures"] == report["signatures"]);
  CHECK(report["service_certificates"] == 1);
  CHECK(report["first"] == "2.1");

  // Committed chunks only, and without the secret: still verified.
  auto committed_only = RunBankctl({"--output", "json", "ledger", "audit", c.ledger});
  CHECK(committed_only.exit_code == 0);

  // The independent reader (Debian's python3 with python3-cryptography only) on the committed chunks.
  const std::string checker = std::string(BANK_SOURCE_DIR) + "/tests/ccf_reader/ccf_ledger_check.py";
  const std::string out = tmp / "checker.json";
  int rc = std::system(("/usr/bin/python3 " + checker + " " + c.ledger + " > " + out).c_str());
  INFO(Slurp(out));
  REQUIRE(rc == 0);
  json independent = json::parse(Slurp(out));
  CHECK(independent["verified"] == true);
  CHECK(independent["signatures"].get<uint64_t>() >= 1);
  CHECK(independent["cose_signatures"] == independent["signatures"]);

  // ledger read: every transaction, private tables with the secret.
  auto read = RunBankctl(
      {"--output", "json", "ledger", "read", c.ledger, "--uncommitted", "--ledger-secret", c.secret});
  REQUIRE(read.exit_code == 0);
  json txs = read.json()["transactions"];
  CHECK(txs.size() == report["transactions"]);
  bool saw_claim = false;
  std::set<std::string> account_writes;  // "<table> <key>"
  for (const auto& tx : txs) {
    if (!tx.contains("private_tables")) continue;
    const json& tables = tx["private_tables"];
    if (tables.contains("current_claim")) saw_claim = true;
    CHECK_FALSE(tables.contains("bank.accounts"));
    for (const auto& [name, table] : tables.items())
      if (name.starts_with("user_accounts:"))
        for (const auto& w : table["writes"]) account_writes.insert(name + " " + w["key"].get<std::string>());
  }
  CHECK(saw_claim);
  // The accounts are in CCF's banking sample's tables: user_accounts:<user_id>, keyed by account name.
  CHECK(account_writes == std::set<std::string>{"user_accounts:" + c.user0 + " current_account",
                                                "user_accounts:" + c.user1 + " savings_account"});
  auto jsonl =
      RunBankctl({"--output", "json", "ledger", "read", c.ledger, "--jsonl", "--tables", "signatures$"});
  REQUIRE(jsonl.exit_code == 0);
  CHECK(std::count(jsonl.out.begin(), jsonl.out.end(), '\n') >= 1);
}

// Found by fuzz_ledger_reader: a table name that is not UTF-8 made
// `--output json ledger audit` abort (nlohmann's dump threw). Now the
// report is JSON, the name is quoted with U+FFFD in place of the bad byte,
// and the exit code says "not verified".
TEST_CASE("a damaged ledger with non-UTF-8 names gets a JSON report, never an abort", "[e2e][ledger]") {
  TempDir tmp;
  const fs::path dir = tmp / "ledger";
  fs::create_directories(dir);
  fs::copy_file(
      std::string(BANK_SOURCE_DIR) + "/tests/fuzz/corpus/ledger_reader/regression_invalid_utf8_table_name",
      dir / "ledger_1");
  // The table "p\x82blic:ccf.gov.members...": 0x82 shown as U+FFFD (EF BF BD).
  const std::string shown = std::string("table \"p") + "\xEF\xBF\xBD" + "blic:";
  auto json_run = RunBankctl({"--output", "json", "ledger", "audit", dir.string(), "--uncommitted"});
  INFO(json_run.out << json_run.err);
  CHECK(json_run.exit_code == 7);
  json report = json_run.json();
  CHECK(report["verified"] == false);
  REQUIRE(report["problems"].size() >= 1);
  CHECK(report["problems"][0]["detail"].get<std::string>().find(shown) != std::string::npos);

  auto text_run = RunBankctl({"ledger", "audit", dir.string(), "--uncommitted"});
  CHECK(text_run.exit_code == 7);
  CHECK(text_run.out.find(shown) != std::string::npos);
}

TEST_CASE("one flipped byte in bankd's ledger is caught and named", "[e2e][ledger]") {
  TempDir tmp;
  Copy c;
  SeedScenario(tmp, &c);
  bank::ledger::ListOptions list;
  list.uncommitted = true;
  auto files = bank::ledger::ListLedgerFiles({c.ledger}, list);
  REQUIRE(files.ok());
  struct At {
    std::string name;
    uint64_t offset, size, seqno;
  };
  std::vector<At> entries;
  bank::ledger::LedgerReader reader(*files);
  bank::ledger::ReadEntry e;
  while (reader.Next(&e))
    entries.push_back({reader.files()[e.file_index].name, e.offset, e.frame.raw.size(), e.frame.txid.seqno});
  REQUIRE_FALSE(reader.error());
  REQUIRE(entries.size() >= 20);

  // In each of 12 entries spread over the ledger: a byte of its GCM tag, of
  // its IV, of its public domain and its last byte.
  for (size_t k = 0; k < 12; ++k) {
    const At& at = entries[k * (entries.size() - 1) / 11];
    for (uint64_t within : {uint64_t{12}, uint64_t{30}, at.size / 2, at.size - 1}) {
      TempDir copy_root;
      const std::string copy = copy_root / "ledger";
      fs::copy(c.ledger, copy);
      std::string bytes = Slurp(copy + "/" + at.name);
      bytes[at.offset + within] = static_cast<char>(bytes[at.offset + within] ^ 0x01);
      Spit(copy + "/" + at.name, bytes);
      auto audit = Audit(c, copy, true);
      INFO(at.name << " byte " << at.offset + within << " (seqno " << at.seqno << ")\n"
                   << audit.out << audit.err);
      CHECK(audit.exit_code == 7);
      json problems = audit.json()["problems"];
      REQUIRE_FALSE(problems.empty());
      CHECK(fs::path(problems[0]["file"].get<std::string>()).filename() == at.name);
      CHECK(problems[0]["offset"] == at.offset);
      CHECK(problems[0]["txid"].get<std::string>().ends_with("." + std::to_string(at.seqno)));
    }
  }

  // A service certificate the ledger never had: not verified; no ledger: 3.
  auto key = *PrivateKey::GenerateEc(Curve::kP384);
  CertificateSpec spec;
  spec.common_name = "CCF Service";
  spec.is_ca = true;
  std::ofstream(tmp / "other_service.pem") << Certificate::SelfSigned(key, spec)->Pem();
  auto foreign = RunBankctl(
      {"--output", "json", "ledger", "audit", c.ledger, "--service-cert", tmp / "other_service.pem"});
  CHECK(foreign.exit_code == 7);
  CHECK(foreign.json()["problems"][0]["check"] == "service_identity");
  CHECK(RunBankctl({"ledger", "audit", tmp / "nowhere"}).exit_code == 3);
}

}  // namespace
}  // namespace bank::test
