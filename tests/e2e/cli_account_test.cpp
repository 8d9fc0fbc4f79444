// bankctl's identity, account and tx commands, the real binary against a real
// bankd over loopback mTLS: the seed scenario, exit codes, --output json.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bank/txid.hpp"
#include "support/bankctl_run.hpp"
#include "support/bankd_process.hpp"
#include "support/ports.hpp"
#include "support/temp_dir.hpp"

namespace bank::test {
namespace {

// bankctl with the bankd's workspace and URL, acting as `as`.
BankctlRun Ctl(const BankdProcess& bankd, const std::string& as, std::vector<std::string> args) {
  std::vector<std::string> full = {"--server", bankd.url(), "--workspace", bankd.workspace()};
  if (!as.empty()) full.insert(full.end(), {"--as", as});
  full.insert(full.end(), args.begin(), args.end());
  return RunBankctl(full);
}

TxId TxIdOf(const BankctlRun& r) {
  INFO(r.out << r.err);
  auto txid = TxId::Parse(r.json().at("transaction_id").get<std::string>());
  REQUIRE(txid);
  return *txid;
}

}  // namespace

TEST_CASE("bankctl: the seed scenario, text and json", "[e2e][cli]") {
  BankdProcess bankd;
  const std::string user1_id = bankd.id("user1");

  // USER as a workspace name and as a 64-hex id.
  auto created = Ctl(bankd, "member0", {"account", "create", "user0", "current_account"});
  INFO(created.err);
  REQUIRE(created.exit_code == 0);
  CHECK(created.out.find("current_account") != std::string::npos);
  auto created1 =
      Ctl(bankd, "member0", {"--output", "json", "account", "create", user1_id, "savings_account"});
  REQUIRE(created1.exit_code == 0);
  CHECK(created1.json().at("user_id") == user1_id);
  TxIdOf(created1);

  auto deposit =
      Ctl(bankd, "member0", {"account", "deposit", "user0", "current_account", "100", "--output", "json"});
  REQUIRE(deposit.exit_code == 0);
  const TxId deposit_txid = TxIdOf(deposit);
  CHECK(deposit.json().at("amount") == 100);

  auto transfer = Ctl(
      bankd, "user0",
      {"--output", "json", "account", "transfer", "current_account", "--to", "user1:savings_account", "40"});
  INFO(transfer.err);
  REQUIRE(transfer.exit_code == 0);
  const TxId transfer_txid = TxIdOf(transfer);
  CHECK(transfer_txid > deposit_txid);
  CHECK(transfer.json().at("user_id_to") == user1_id);

  auto balance0 = Ctl(bankd, "user0", {"account", "balance", "current_account"});
  REQUIRE(balance0.exit_code == 0);
  CHECK(balance0.out == "60\n");
  auto balance1 = Ctl(bankd, "user1", {"account", "balance", "savings_account", "--output", "json"});
  REQUIRE(balance1.exit_code == 0);
  CHECK(balance1.json().at("balance") == 40);

  auto history = Ctl(bankd, "user0", {"--output", "json", "account", "history", "current_account"});
  INFO(history.err);
  REQUIRE(history.exit_code == 0);
  const auto entries = history.json().at("transactions");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].at("type") == "deposit");
  CHECK(entries[0].at("amount") == 100);
  CHECK(entries[0].at("balance") == 100);
  CHECK(entries[0].at("transaction_id") == deposit_txid.ToString());
  CHECK(entries[1].at("type") == "transfer_out");
  CHECK(entries[1].at("counterparty") == user1_id);
  CHECK(entries[1].at("counterparty_account") == "savings_account");
  CHECK(entries[1].at("balance") == 60);
  auto history_text = Ctl(bankd, "user0", {"account", "history", "current_account", "--from", "2000-01-01"});
  REQUIRE(history_text.exit_code == 0);
  CHECK(history_text.out.find("TRANSACTION") != std::string::npos);
  CHECK(history_text.out.find("transfer_out") != std::string::npos);
  CHECK(history_text.out.find("-40") != std::string::npos);
  auto history_past = Ctl(bankd, "user0", {"account", "history", "current_account", "--to", "2000-01-01"});
  REQUIRE(history_past.exit_code == 0);
  CHECK(history_past.out == "no transactions\n");

  auto info = Ctl(bankd, "user1", {"account", "info", "savings_account", "--output", "json"});
  REQUIRE(info.exit_code == 0);
  CHECK(info.json().at("user_id") == user1_id);
  CHECK(info.json().at("balance") == 40);
  CHECK(info.json().at("created_transaction_id") == TxIdOf(created1).ToString());

  auto list = Ctl(bankd, "user0", {"account", "list", "--output", "json"});
  REQUIRE(list.exit_code == 0);
  REQUIRE(list.json().at("accounts").size() == 1);
  CHECK(list.json().at("accounts")[0].at("account_name") == "current_account");
  auto list_text = Ctl(bankd, "user0", {"account", "list"});
  CHECK(list_text.out.find("current_account") != std::string::npos);

  auto tx = Ctl(bankd, "user0", {"tx", transfer_txid.ToString(), "--wait", "--output", "json"});
  INFO(tx.err);
  REQUIRE(tx.exit_code == 0);
  CHECK(tx.json().at("status") == "Committed");
  CHECK(tx.json().at("transaction_id") == transfer_txid.ToString());
  auto tx_text = Ctl(bankd, "", {"tx", deposit_txid.ToString(), "--wait"});
  REQUIRE(tx_text.exit_code == 0);
  CHECK(tx_text.out == deposit_txid.ToString() + " Committed\n");
}

TEST_CASE("bankctl: exit codes follow the failure", "[e2e][cli]") {
  BankdProcess bankd;
  REQUIRE(Ctl(bankd, "member0", {"account", "create", "user0", "current_account"}).exit_code == 0);
  REQUIRE(Ctl(bankd, "member0", {"account", "deposit", "user0", "current_account", "10"}).exit_code == 0);

  SECTION("404 unknown account -> 5, one line on stderr") {
    auto r = Ctl(bankd, "user0", {"account", "balance", "no_such_account"});
    CHECK(r.exit_code == 5);
    CHECK(r.out.empty());
    CHECK(r.err.starts_with("bankctl: 404 ResourceNotFound"));
    CHECK(r.err.find('\n') == r.err.size() - 1);
  }
  SECTION("404 as json: the error object on stdout") {
    auto r = Ctl(bankd, "user0", {"--output", "json", "account", "balance", "no_such_account"});
    CHECK(r.exit_code == 5);
    CHECK(r.json().at("error").at("code") == "not_found");
    CHECK(r.json().at("error").at("message").get<std::string>().find("no_such_account") != std::string::npos);
  }
  SECTION("400 from the service (balance too low) -> 6") {
    auto r = Ctl(bankd, "user0",
                 {"account", "transfer", "current_account", "--to", "user0:current_account", "11"});
    CHECK(r.exit_code == 6);
    CHECK(r.err.find("Balance is not enough") != std::string::npos);
  }
  SECTION("401: a certificate the service does not know, or the wrong role -> 4") {
    TempDir dir;
    REQUIRE(RunBankctl({"keygen", "stranger", "--dir", dir.path().string()}).exit_code == 0);
    auto r = Ctl(bankd, "",
                 {"--cert", dir / "stranger_cert.pem", "--key", dir / "stranger_privk.pem", "account",
                  "balance", "current_account"});
    CHECK(r.exit_code == 4);
    CHECK(r.err.find("401") != std::string::npos);
    auto member = Ctl(bankd, "member0", {"account", "balance", "current_account"});
    CHECK(member.exit_code == 4);
    auto user = Ctl(bankd, "user0", {"account", "deposit", "user0", "current_account", "5"});
    CHECK(user.exit_code == 4);
  }
  SECTION("bad AMOUNT is refused before any request -> 2") {
    for (std::string amount : {"abc", "0", "-100", "100.5", "+5", ""}) {
      INFO(amount);
      auto r = Ctl(bankd, "member0", {"account", "deposit", "user0", "current_account", amount});
      CHECK(r.exit_code == 2);
      CHECK(r.err.find("positive integer") != std::string::npos);
    }
  }
  SECTION("unknown user name, bad txid, bad --to, bad date -> 2") {
    CHECK(Ctl(bankd, "member0", {"account", "create", "nobody", "x"}).exit_code == 2);
    CHECK(Ctl(bankd, "user0", {"tx", "abc"}).exit_code == 2);
    CHECK(Ctl(bankd, "user0", {"account", "transfer", "current_account", "--to", "user1", "5"}).exit_code ==
          2);
    CHECK(Ctl(bankd, "user0", {"account", "history", "current_account", "--from", "2024-02-30"}).exit_code ==
          2);
    CHECK(Ctl(bankd, "user0", {"account", "frobnicate"}).exit_code == 2);
    CHECK(RunBankctl({"--output", "yaml", "id", "x"}).exit_code == 2);
  }
  SECTION("404 unknown target user of a deposit -> 5") {
    auto r = Ctl(bankd, "member0", {"account", "deposit", std::string(64, 'a'), "current_account", "5"});
    CHECK(r.exit_code == 5);
  }
  SECTION("bad files -> 3, naming the file") {
    TempDir dir;
    std::ofstream(dir / "garbage.pem") << "not a certificate\n";
    auto cacert =
        Ctl(bankd, "user0", {"--cacert", dir / "missing.pem", "account", "balance", "current_account"});
    CHECK(cacert.exit_code == 3);
    CHECK(cacert.err.find("missing.pem") != std::string::npos);
    auto id = RunBankctl({"id", dir / "garbage.pem"});
    CHECK(id.exit_code == 3);
    CHECK(id.err.find("garbage.pem") != std::string::npos);
    CHECK(Ctl(bankd, "ghost", {"account", "balance", "current_account"}).exit_code == 3);
  }
  SECTION("nothing listening -> 8, naming the server") {
    RefusingPort refusing;  // bound, not listening
    const std::string server = refusing.url();
    auto r = RunBankctl({"--server", server, "--workspace", bankd.workspace(), "--as", "user0", "--timeout",
                         "5", "account", "balance", "current_account"});
    CHECK(r.exit_code == 8);
    CHECK(r.err.find(server) != std::string::npos);
  }
}

TEST_CASE("bankctl: --verbose shows the requests, --quiet/--output json keep stderr clean", "[e2e][cli]") {
  BankdProcess bankd;
  auto verbose = Ctl(bankd, "", {"--verbose", "tx", "2.1"});
  REQUIRE(verbose.exit_code == 0);
  CHECK(verbose.err.find("> GET " + bankd.url() + "/app/tx?transaction_id=2.1") != std::string::npos);
  CHECK(verbose.err.find("< 200") != std::string::npos);
  auto json = Ctl(bankd, "", {"--output", "json", "tx", "2.1"});
  REQUIRE(json.exit_code == 0);
  CHECK(json.err.empty());
  CHECK(json.json().at("transaction_id") == "2.1");
}

TEST_CASE("bankctl: keygen and id, offline", "[e2e][cli]") {
  TempDir dir;
  auto made = RunBankctl(
      {"--output", "json", "keygen", "alice", "--dir", dir.path().string(), "--curve", "secp256r1"});
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
  const std::string id = made.json().at("id");
  CHECK(id.size() == 64);
  auto shown = RunBankctl({"id", dir / "alice_cert.pem"});
  REQUIRE(shown.exit_code == 0);
  CHECK(shown.out == id + "\n");

  auto again = RunBankctl({"keygen", "alice", "--dir", dir.path().string()});
  CHECK(again.exit_code == 9);
  CHECK(again.err.find("alice_privk.pem") != std::string::npos);
  CHECK(RunBankctl({"keygen", "alice", "--dir", dir.path().string(), "--force", "--enc-key"}).exit_code == 0);
  std::ifstream enc(dir / "alice_enc_pubk.pem");
  CHECK(enc.good());
  CHECK(RunBankctl({"keygen", "bob", "--curve", "secp999r1"}).exit_code == 2);
}

}  // namespace bank::test
