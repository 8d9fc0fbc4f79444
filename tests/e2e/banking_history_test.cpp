// Account info, history, single transactions, Idempotency-Key, and the
// CCF built-ins (/app/tx, /app/commit, /app/api, /node/*).
#include <catch2/catch.hpp>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "bank/certificate.hpp"
#include "support/bankd_process.hpp"
#include "support/banking.hpp"
#include "support/curl.hpp"

namespace bank::test {
namespace {

using nlohmann::json;

json Body(const Result<Response>& r, long status = 200) {
  REQUIRE(r.ok());
  INFO(r->body);
  REQUIRE(r->status == status);
  auto j = r->json();
  REQUIRE(j.ok());
  return *j;
}

std::string Today(int offset_days = 0) {
  std::time_t t = std::time(nullptr) + offset_days * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  return buf;
}

TEST_CASE("account info, account list, history and single transactions", "[e2e][banking][history]") {
  BankdProcess bankd;
  const std::string user0 = bankd.id("user0"), user1 = bankd.id("user1"), member0_id = bankd.id("member0");
  auto member0 = bankd.Client("member0");
  auto u0 = bankd.Client("user0");
  auto u1 = bankd.Client("user1");
  CreateAccount(member0, user0, "current_account");
  CreateAccount(member0, user0, "with%2Fslash%25and%20percent");  // "with/slash%and percent"
  CreateAccount(member0, user1, "savings_account");
  TxId deposit = Deposit(member0, user0, "current_account", 100);
  TxId transfer = Transfer(u0, "current_account", 40, user1, "savings_account");

  json info = Body(u0.Get("/app/account/current_account"));
  CHECK(info["account_name"] == "current_account");
  CHECK(info["user_id"] == user0);
  CHECK(info["balance"] == 60);
  CHECK(TxId::Parse(info["created_transaction_id"].get<std::string>()) < deposit);
  CHECK_THAT(info["created_at"].get<std::string>(),
             Catch::Matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));

  json accounts = Body(u0.Get("/app/accounts"))["accounts"];
  REQUIRE(accounts.size() == 2);
  std::set<std::string> names;
  for (const auto& a : accounts) names.insert(a["account_name"].get<std::string>());
  CHECK(names == std::set<std::string>{"current_account", "with/slash%and percent"});
  CHECK(Body(u1.Get("/app/accounts"))["accounts"].size() == 1);

  json history = Body(u0.Get("/app/transactions/current_account"))["transactions"];
  REQUIRE(history.size() == 2);
  CHECK(history[0]["type"] == "deposit");
  CHECK(history[0]["counterparty"] == member0_id);
  CHECK(history[0]["amount"] == 100);
  CHECK(history[0]["balance"] == 100);
  CHECK(history[0]["transaction_id"] == deposit.ToString());
  CHECK(history[1]["type"] == "transfer_out");
  CHECK(history[1]["counterparty"] == user1);
  CHECK(history[1]["counterparty_account"] == "savings_account");
  CHECK(history[1]["amount"] == 40);
  CHECK(history[1]["balance"] == 60);
  json incoming = Body(u1.Get("/app/transactions/savings_account"))["transactions"];
  REQUIRE(incoming.size() == 1);
  CHECK(incoming[0]["type"] == "transfer_in");
  CHECK(incoming[0]["counterparty"] == user0);
  CHECK(incoming[0]["balance"] == 40);

  // Date filters: inclusive, UTC; yesterday..tomorrow has both entries,
  // last week none; a bad date is a 400.
  CHECK(
      Body(u0.Get("/app/transactions/current_account?from=" + Today(-1) + "&to=" + Today(1)))["transactions"]
          .size() == 2);
  CHECK(Body(u0.Get("/app/transactions/current_account?to=" + Today(-7)))["transactions"].empty());
  CHECK(Body(u0.Get("/app/transactions/current_account?from=" + Today(1)))["transactions"].empty());
  for (std::string bad : {"2024-13-01", "2024-02-30", "yesterday", "2024-1-01", ""}) {
    auto r = u0.Get("/app/transactions/current_account?from=" + bad);
    REQUIRE(r.ok());
    CHECK(r->status == 400);
    CHECK(r->ccf_error()->code == "InvalidQueryParameterValue");
  }
  CHECK(u0.Get("/app/transactions/no_such_account")->status == 404);

  // One transaction, from either side; nobody else's.
  json mine = Body(u0.Get("/app/transaction/" + transfer.ToString()));
  CHECK(mine["type"] == "transfer_out");
  json theirs = Body(u1.Get("/app/transaction/" + transfer.ToString()));
  CHECK(theirs["type"] == "transfer_in");
  CHECK(u1.Get("/app/transaction/" + deposit.ToString())->status == 404);
  auto malformed = u0.Get("/app/transaction/not-a-txid");
  REQUIRE(malformed.ok());
  CHECK(malformed->status == 400);
  CHECK(malformed->ccf_error()->code == "InvalidResourceName");
}

TEST_CASE("Idempotency-Key: a retried money operation runs once", "[e2e][banking][idempotency]") {
  BankdProcess bankd;
  const std::string user0 = bankd.id("user0"), user1 = bankd.id("user1");
  auto member0 = bankd.Client("member0");
  auto u0 = bankd.Client("user0");
  CreateAccount(member0, user0, "current_account");
  CreateAccount(member0, user1, "savings_account");

  const std::string path = "/app/deposit/" + user0 + "/current_account";
  const std::map<std::string, std::string> key = {{"Idempotency-Key", "deposit-0001"}};
  auto first = member0.Request("POST", path, R"({"value": 100})", "application/json", key);
  REQUIRE(first.ok());
  CHECK(first->status == 204);
  auto retry = member0.Request("POST", path, R"({"value": 100})", "application/json", key);
  REQUIRE(retry.ok());
  CHECK(retry->status == 204);
  CHECK(retry->txid() == first->txid());
  CHECK(retry->header("idempotent-replayed") == "true");
  CHECK(Balance(u0, "current_account") == 100);

  // Same key, different request: refused, nothing moves.
  auto other = member0.Request("POST", path, R"({"value": 5})", "application/json", key);
  REQUIRE(other.ok());
  CHECK(other->status == 400);
  CHECK(other->ccf_error()->code == "InvalidHeaderValue");
  // Keys are per caller: another member may use the same key.
  auto member1 = bankd.Client("member1");
  auto theirs = member1.Request("POST", path, R"({"value": 1})", "application/json", key);
  REQUIRE(theirs.ok());
  CHECK(theirs->status == 204);
  CHECK(theirs->txid() != first->txid());
  CHECK(Balance(u0, "current_account") == 101);

  // Transfers too; a failed attempt stores nothing, so its key stays usable.
  const std::string transfer =
      json{{"value", 500}, {"user_id_to", user1}, {"account_name_to", "savings_account"}}.dump();
  const std::map<std::string, std::string> tkey = {{"Idempotency-Key", "t-1"}};
  CHECK(u0.Request("POST", "/app/transfer/current_account", transfer, "application/json", tkey)->status ==
        400);
  const std::string ok =
      json{{"value", 1}, {"user_id_to", user1}, {"account_name_to", "savings_account"}}.dump();
  auto t1 = u0.Request("POST", "/app/transfer/current_account", ok, "application/json", tkey);
  auto t2 = u0.Request("POST", "/app/transfer/current_account", ok, "application/json", tkey);
  CHECK(t1->status == 204);
  CHECK(t2->status == 204);
  CHECK(t1->txid() == t2->txid());
  CHECK(Balance(u0, "current_account") == 100);

  // Malformed key.
  auto bad = u0.Request("POST", "/app/transfer/current_account", ok, "application/json",
                        {{"Idempotency-Key", std::string(300, 'k')}});
  CHECK(bad->status == 400);
  CHECK(bad->ccf_error()->code == "InvalidHeaderValue");
}

TEST_CASE("CCF built-ins: /tx, /commit, /api and the node frontend", "[e2e][node]") {
  BankdProcess bankd;
  auto member0 = bankd.Client("member0");
  auto anyone = bankd.Client();
  CreateAccount(member0, bankd.id("user0"), "current_account");
  TxId deposit = Deposit(member0, bankd.id("user0"), "current_account", 7);

  CHECK(WaitForStatus(anyone, deposit) == "Committed");
  for (const std::string prefix : {"/app", "/gov", "/node"}) {
    json tx = Body(anyone.Get(prefix + "/tx?transaction_id=" + deposit.ToString()));
    CHECK(tx == json{{"transaction_id", deposit.ToString()}, {"status", "Committed"}});
    json commit = Body(anyone.Get(prefix + "/commit"));
    CHECK(*TxId::Parse(commit["transaction_id"].get<std::string>()) >= deposit);
  }
  // A seqno far ahead in the current view is Unknown; an earlier view
  // that never reached it is Invalid.
  TxId future{deposit.view, deposit.seqno + 1000000};
  CHECK(Body(anyone.Get("/app/tx?transaction_id=" + future.ToString()))["status"] == "Unknown");
  CHECK(Body(anyone.Get("/app/tx?transaction_id=1." + std::to_string(deposit.seqno)))["status"] == "Invalid");
  for (std::string bad :
       {"", "?transaction_id=", "?transaction_id=2", "?transaction_id=a.b", "?transaction_id=-1.2"}) {
    auto r = anyone.Get("/app/tx" + bad);
    REQUIRE(r.ok());
    CHECK(r->status == 400);
    CHECK(r->ccf_error()->code == "InvalidQueryParameterValue");
  }

  json api = Body(anyone.Get("/app/api"));
  CHECK(api["openapi"] == "3.0.0");
  CHECK(api["paths"].contains("/app/balance/{account_name}"));
  CHECK(api["paths"]["/app/transfer/{account_name}"].contains("post"));
  CHECK(api["paths"].contains("/app/tx"));

  json state = Body(anyone.Get("/node/state"));
  CHECK(state["state"] == "PartOfNetwork");
  auto node_cert = Certificate::LoadFile(bankd.workspace() + "/sandbox_0/data/node_cert.pem");
  REQUIRE(node_cert.ok());
  CHECK(state["node_id"] == node_cert->PublicKeyId());

  json network = Body(anyone.Get("/node/network"));
  CHECK(network["service_status"] == "Open");
  auto service_cert = Certificate::LoadFile(bankd.service_cert());
  REQUIRE(service_cert.ok());
  CHECK(network["service_certificate"] == service_cert->Pem());
  CHECK(node_cert->IsSignedBy(service_cert->public_key()));
  CHECK(node_cert->CommonName() == "CCF Node");

  json nodes = Body(anyone.Get("/node/network/nodes"))["nodes"];
  REQUIRE(nodes.size() == 1);
  CHECK(nodes[0]["node_id"] == state["node_id"]);
  CHECK(nodes[0]["primary"] == true);
  CHECK(nodes[0]["rpc_interfaces"]["primary_rpc_interface"]["published_address"] ==
        "127.0.0.1:" + std::to_string(bankd.port()));
  CHECK(Body(anyone.Get("/node/network/nodes/" + state["node_id"].get<std::string>()))["node_id"] ==
        state["node_id"]);
  CHECK(anyone.Get("/node/network/nodes/" + std::string(64, 'f'))->status == 404);
  CHECK(Body(anyone.Get("/node/version")).contains("ccf_version"));
}

}  // namespace
}  // namespace bank::test
