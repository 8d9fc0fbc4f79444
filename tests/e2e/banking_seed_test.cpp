// The seed scenario (design.md): member0 creates current_account for user0
// and savings_account for user1, deposits 100 to user0; user0 transfers 40
// to user1; balances are 60 and 40. Once with plain curl and the
// workspace's PEM files, once through libcurl (bank::HttpClient).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bank/txid.hpp"
#include "support/bankd_process.hpp"
#include "support/banking.hpp"
#include "support/curl.hpp"

namespace bank::test {
namespace {

TEST_CASE("seed scenario with plain curl and the sandbox PEM files", "[e2e][banking]") {
  BankdProcess bankd;
  const std::string user0 = bankd.id("user0"), user1 = bankd.id("user1");

  auto created0 = Curl(bankd, "member0", "PUT", "/app/account/" + user0 + "/current_account");
  REQUIRE(created0.exit_code == 0);
  CHECK(created0.status == 204);
  REQUIRE(TxId::Parse(created0.header("x-ms-ccf-transaction-id")));
  CHECK(Curl(bankd, "member0", "PUT", "/app/account/" + user1 + "/savings_account").status == 204);

  auto deposit =
      Curl(bankd, "member0", "POST", "/app/deposit/" + user0 + "/current_account", R"({"value": 100})");
  CHECK(deposit.status == 204);
  auto deposit_txid = TxId::Parse(deposit.header("x-ms-ccf-transaction-id"));
  REQUIRE(deposit_txid);
  CHECK(*deposit_txid > *TxId::Parse(created0.header("x-ms-ccf-transaction-id")));

  nlohmann::json transfer = {{"value", 40}, {"user_id_to", user1}, {"account_name_to", "savings_account"}};
  auto sent = Curl(bankd, "user0", "POST", "/app/transfer/current_account", transfer.dump());
  INFO(sent.body);
  CHECK(sent.status == 204);

  auto balance0 = Curl(bankd, "user0", "GET", "/app/balance/current_account");
  CHECK(balance0.status == 200);
  CHECK(balance0.header("content-type") == "application/json");
  // {"balance": N} as CCF's banking sample, plus what held transfers reserve.
  CHECK(nlohmann::json::parse(balance0.body) ==
        nlohmann::json{{"balance", 60}, {"available", 60}, {"reserved", 0}});
  auto balance1 = Curl(bankd, "user1", "GET", "/app/balance/savings_account");
  CHECK(nlohmann::json::parse(balance1.body) ==
        nlohmann::json{{"balance", 40}, {"available", 40}, {"reserved", 0}});
  // A read names the last transaction it could see: the transfer or later.
  CHECK(*TxId::Parse(balance1.header("x-ms-ccf-transaction-id")) >=
        *TxId::Parse(sent.header("x-ms-ccf-transaction-id")));
}

TEST_CASE("seed scenario through libcurl with keep-alive clients", "[e2e][banking]") {
  BankdProcess bankd;
  const std::string user0 = bankd.id("user0"), user1 = bankd.id("user1");
  auto member0 = bankd.Client("member0");
  auto u0 = bankd.Client("user0");
  auto u1 = bankd.Client("user1");

  CreateAccount(member0, user0, "current_account");
  CreateAccount(member0, user1, "savings_account");
  // Creating an existing account again is a 204 too, and changes nothing.
  CreateAccount(member0, user0, "current_account");
  Deposit(member0, user0, "current_account", 100);
  TxId transfer = Transfer(u0, "current_account", 40, user1, "savings_account");

  CHECK(Balance(u0, "current_account") == 60);
  CHECK(Balance(u1, "savings_account") == 40);
  CHECK(WaitForStatus(u0, transfer) == "Committed");
}

}  // namespace
}  // namespace bank::test
