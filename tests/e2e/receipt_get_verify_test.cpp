// Receipts end to end: a real bankd issues them, the real bankctl fetches
// and verifies them offline. The seed transfer's receipt proves exactly
// "<user0> sent 40 to <user1>", in both forms; nobody but the sender gets
// it; members get any transaction's; malformed ids, unknown ids and
// not-yet-signed transactions get CCF's answers.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bank/cose_receipt.hpp"
#include "bank/receipt.hpp"
#include "support/bankctl_run.hpp"
#include "support/bankd_process.hpp"
#include "support/banking.hpp"
#include "support/temp_dir.hpp"

namespace bank::test {
namespace {

using nlohmann::json;

struct Seeded {
  TxId deposit, transfer;
};

// The seed scenario: user0 has 100, sends 40 to user1.
Seeded Seed(BankdProcess& bankd) {
  auto member0 = bankd.Client("member0");
  auto user0 = bankd.Client("user0");
  CreateAccount(member0, bankd.id("user0"), "current_account");
  CreateAccount(member0, bankd.id("user1"), "savings_account");
  Seeded s;
  s.deposit = Deposit(member0, bankd.id("user0"), "current_account", 100);
  s.transfer = Transfer(user0, "current_account", 40, bankd.id("user1"), "savings_account");
  return s;
}

std::vector<std::string> As(const BankdProcess& bankd, const std::string& name,
                            std::vector<std::string> args) {
  std::vector<std::string> all = {"--server", bankd.url(), "--workspace", bankd.workspace(), "--as", name};
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

std::vector<std::string> Verify(const BankdProcess& bankd, const std::string& file,
                                const std::optional<std::string>& claim = std::nullopt) {
  std::vector<std::string> args = {"receipt", "verify", file, "--service-cert", bankd.service_cert()};
  if (claim) {
    args.push_back("--claim");
    args.push_back(*claim);
  }
  return args;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST_CASE("the seed transfer's receipt proves exactly its claim, JSON and COSE", "[e2e][receipt]") {
  BankdProcess bankd;
  TempDir out;
  Seeded seeded = Seed(bankd);
  const std::string txid = seeded.transfer.ToString();
  const std::string claim = bankd.id("user0") + " sent 40 to " + bankd.id("user1");

  auto got =
      RunBankctl(As(bankd, "user0", {"receipt", "get", txid, "--wait", "--out", out / "transfer.json"}));
  INFO(got.out << got.err);
  REQUIRE(got.exit_code == 0);
  json receipt = json::parse(Slurp(out / "transfer.json"));
  CHECK(receipt["leaf_components"]["claim"] == claim);
  CHECK(receipt["leaf_components"]["claims_digest"] == DigestHex(Sha256(claim)));
  CHECK(receipt["leaf_components"]["commit_evidence"].get<std::string>().starts_with("ce:" + txid + ":"));
  CHECK(receipt["service_endorsements"] == json::array());

  auto ok = RunBankctl(Verify(bankd, out / "transfer.json", claim));
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  CHECK(RunBankctl(Verify(bankd, out / "transfer.json")).exit_code == 0);

  for (const std::string& other :
       {bankd.id("user0") + " sent 41 to " + bankd.id("user1"),
        bankd.id("user1") + " sent 40 to " + bankd.id("user0"), claim + " ", std::string("anything")}) {
    auto bad = RunBankctl(Verify(bankd, out / "transfer.json", other));
    INFO(other << "\n" << bad.out << bad.err);
    CHECK(bad.exit_code == 7);
    CHECK(bad.err.find("claim") != std::string::npos);
  }

  // The report says which check failed, in JSON too.
  auto report = RunBankctl([&] {
    auto args = Verify(bankd, out / "transfer.json", "anything");
    args.insert(args.begin(), {"--output", "json"});
    return args;
  }());
  CHECK(report.exit_code == 7);
  json r = report.json()["receipts"][0];
  CHECK(r["verified"] == false);
  for (const auto& c : r["steps"]) CHECK(c["passed"] == (c["step"] != "claim"));

  SECTION("COSE receipt") {
    auto cose = RunBankctl(
        As(bankd, "user0", {"receipt", "get", txid, "--wait", "--cose", "--out", out / "transfer.cose"}));
    INFO(cose.out << cose.err);
    REQUIRE(cose.exit_code == 0);
    auto parsed = ParseCoseReceipt(AsBytes(Slurp(out / "transfer.cose")));
    REQUIRE(parsed.ok());
    CHECK(parsed->leaf.claims_digest == Sha256(claim));
    CHECK(RunBankctl(Verify(bankd, out / "transfer.cose", claim)).exit_code == 0);
    CHECK(RunBankctl(Verify(bankd, out / "transfer.cose", claim + "!")).exit_code == 7);
    // Both forms at once, from a directory: one report, both verified.
    auto both = RunBankctl({"--output", "json", "receipt", "verify", out.path().string(), "--service-cert",
                            bankd.service_cert(), "--claim", claim});
    CHECK(both.exit_code == 0);
    CHECK(both.json()["verified"] == 2);
  }

  SECTION("nobody but the sender gets it") {
    auto other = bankd.Client("user1");
    auto r404 = other.Get("/app/receipt?transaction_id=" + txid);
    REQUIRE(r404.ok());
    CHECK(r404->status == 404);
    CHECK(r404->ccf_error()->code == "ResourceNotFound");
    CHECK(other.Get("/app/receipt/cose?transaction_id=" + txid)->status == 404);
    auto cli = RunBankctl(As(bankd, "user1", {"receipt", "get", txid, "--wait"}));
    CHECK(cli.exit_code == 5);
    // A deposit is no user's transfer either.
    CHECK(bankd.Client("user0").Get("/app/receipt?transaction_id=" + seeded.deposit.ToString())->status ==
          404);
    // Members use /node/receipt, not /app/receipt.
    CHECK(bankd.Client("member0").Get("/app/receipt?transaction_id=" + txid)->status == 401);
  }

  SECTION("members get any transaction's receipt, without claims for governance and deposits") {
    auto got_deposit = RunBankctl(
        As(bankd, "member0",
           {"receipt", "get", seeded.deposit.ToString(), "--node", "--wait", "--out", out / "deposit.json"}));
    INFO(got_deposit.out << got_deposit.err);
    REQUIRE(got_deposit.exit_code == 0);
    json deposit = json::parse(Slurp(out / "deposit.json"));
    CHECK(deposit["leaf_components"]["claims_digest"] == std::string(64, '0'));
    CHECK_FALSE(deposit["leaf_components"].contains("claim"));
    CHECK(RunBankctl(Verify(bankd, out / "deposit.json")).exit_code == 0);
    CHECK(RunBankctl(Verify(bankd, out / "deposit.json", claim)).exit_code == 7);

    // Transaction 2.1 is the genesis (governance) transaction.
    auto genesis = RunBankctl(
        As(bankd, "member0", {"receipt", "get", "2.1", "--node", "--wait", "--out", out / "genesis.json"}));
    REQUIRE(genesis.exit_code == 0);
    CHECK(RunBankctl(Verify(bankd, out / "genesis.json")).exit_code == 0);
    auto genesis_cose = RunBankctl(
        As(bankd, "member0",
           {"receipt", "get", "2.1", "--node", "--cose", "--wait", "--out", out / "genesis.cose"}));
    REQUIRE(genesis_cose.exit_code == 0);
    CHECK(RunBankctl(Verify(bankd, out / "genesis.cose")).exit_code == 0);
    // The transfer too: members see every transaction.
    CHECK(bankd.Client("member0").Get("/node/receipt?transaction_id=" + txid)->status == 200);
    CHECK(bankd.Client("user0").Get("/node/receipt?transaction_id=" + txid)->status == 401);
  }

  SECTION("a signature transaction's receipt carries the signed root as its leaf") {
    auto member0 = bankd.Client("member0");
    json transfer_receipt = json::parse(member0.Get("/node/receipt?transaction_id=" + txid)->body);
    // The signature covering the transfer comes after it; find it by trying
    // the next seqnos (bounded).
    std::optional<json> signature_receipt;
    for (uint64_t s = seeded.transfer.seqno + 1; s < seeded.transfer.seqno + 50 && !signature_receipt; ++s) {
      auto r = member0.Get("/node/receipt?transaction_id=2." + std::to_string(s));
      if (r->status != 200) continue;
      json j = json::parse(r->body);
      if (j.value("is_signature_transaction", false)) signature_receipt = j;
    }
    REQUIRE(signature_receipt);
    CHECK((*signature_receipt)["proof"] == json::array());
    std::ofstream(out / "signature.json") << signature_receipt->dump();
    CHECK(RunBankctl(Verify(bankd, out / "signature.json")).exit_code == 0);
    CHECK(RunBankctl(Verify(bankd, out / "signature.json", claim)).exit_code == 7);
  }

  SECTION("a receipt altered after download does not verify") {
    receipt["leaf_components"]["write_set_digest"] = std::string(64, 'a');
    std::ofstream(out / "altered.json") << receipt.dump();
    auto bad = RunBankctl(Verify(bankd, out / "altered.json", claim));
    CHECK(bad.exit_code == 7);
    CHECK(bad.err.find("root_signature") != std::string::npos);
  }
}

TEST_CASE("receipt requests with bad, unknown or unsigned ids get CCF's answers", "[e2e][receipt]") {
  BankdOptions options;
  options.signature_tx_count = 100000;
  options.signature_delay = std::chrono::hours(1);  // nothing gets signed during the test
  BankdProcess bankd(options);
  auto user0 = bankd.Client("user0");
  auto member0 = bankd.Client("member0");

  for (std::string bad : {"", "?transaction_id=", "?transaction_id=2", "?transaction_id=2.x",
                          "?transaction_id=-2.3", "?transaction_id=2.0"}) {
    auto r = user0.Get("/app/receipt" + bad);
    INFO(bad);
    CHECK(r->status == 400);
    CHECK(r->ccf_error()->code == "InvalidQueryParameterValue");
  }
  auto unknown = member0.Get("/node/receipt?transaction_id=2.999999");
  CHECK(unknown->status == 404);
  CHECK(unknown->ccf_error()->code == "TransactionPendingOrUnknown");
  auto other_view = member0.Get("/node/receipt?transaction_id=7.1");
  CHECK(other_view->status == 404);

  // Not signed yet: 202 with retry-after, for the JSON and COSE forms.
  Seeded seeded = Seed(bankd);
  const std::string txid = seeded.transfer.ToString();
  for (std::string path : {"/app/receipt", "/app/receipt/cose"}) {
    auto pending = user0.Get(path + "?transaction_id=" + txid);
    CHECK(pending->status == 202);
    CHECK(pending->header("retry-after") == "1");
  }
  auto cli = RunBankctl(As(bankd, "user0", {"receipt", "get", txid}));
  CHECK(cli.exit_code == 5);
  CHECK(cli.err.find("--wait") != std::string::npos);
  auto waited = RunBankctl(As(bankd, "user0", {"--timeout", "2", "receipt", "get", txid, "--wait"}));
  CHECK(waited.exit_code == 8);
  CHECK(waited.err.find("still not available") != std::string::npos);
}

TEST_CASE("receipt verify refuses unreadable input and needs a service certificate", "[e2e][receipt]") {
  TempDir dir;
  std::ofstream(dir / "garbage.json") << "{\"cert\": 1}";
  std::ofstream(dir / "garbage.cose") << "\xd2\x84\x40";
  auto vector = VectorPath("receipts/acl-staging-2.35.receipt.json");
  auto service = VectorPath("receipts/acl-staging-2.35.service_cert.pem");

  CHECK(RunBankctl({"receipt", "verify", vector, "--service-cert", service}).exit_code == 0);
  auto no_anchor = RunBankctl({"receipt", "verify", vector});
  CHECK(no_anchor.exit_code == 2);
  CHECK(no_anchor.err.find("--service-cert") != std::string::npos);
  auto garbage = RunBankctl(
      {"receipt", "verify", dir / "garbage.json", dir / "garbage.cose", "--service-cert", service});
  CHECK(garbage.exit_code == 3);
  CHECK(garbage.out.find("garbage.json: receipt: \"cert\" must be a PEM certificate string") !=
        std::string::npos);
  CHECK(garbage.out.find("garbage.cose: COSE receipt:") != std::string::npos);
  CHECK(RunBankctl({"receipt", "verify", dir / "missing.json", "--service-cert", service}).exit_code == 3);
  // An unreadable receipt among good ones: exit 3, and the good one is still reported verified.
  auto mixed = RunBankctl({"--output", "json", "receipt", "verify", vector, dir / "garbage.json",
                           "--service-cert", VectorPath("receipts/acl-staging-2.35.service_cert.pem")});
  CHECK(mixed.exit_code == 3);
  CHECK(mixed.json()["verified"] == 1);
}

}  // namespace
}  // namespace bank::test
