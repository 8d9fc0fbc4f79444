#include "support/banking.hpp"

#include <catch2/catch.hpp>
#include <thread>

namespace bank::test {

void CreateAccount(HttpClient& member, const std::string& user_id, const std::string& account) {
  auto r = member.Request("PUT", "/app/account/" + user_id + "/" + account);
  REQUIRE(r.ok());
  INFO(r->body);
  REQUIRE(r->status == 204);
}

TxId Deposit(HttpClient& member, const std::string& user_id, const std::string& account, uint64_t value) {
  auto r = member.PostJson("/app/deposit/" + user_id + "/" + account, {{"value", value}});
  REQUIRE(r.ok());
  INFO(r->body);
  REQUIRE(r->status == 204);
  REQUIRE(r->txid());
  return *r->txid();
}

TxId Transfer(HttpClient& user, const std::string& from_account, uint64_t value,
              const std::string& to_user_id, const std::string& to_account) {
  auto r = user.PostJson("/app/transfer/" + from_account,
                         {{"value", value}, {"user_id_to", to_user_id}, {"account_name_to", to_account}});
  REQUIRE(r.ok());
  INFO(r->body);
  REQUIRE(r->status == 204);
  REQUIRE(r->txid());
  return *r->txid();
}

uint64_t Balance(HttpClient& user, const std::string& account) {
  auto r = user.Get("/app/balance/" + account);
  REQUIRE(r.ok());
  INFO(r->body);
  REQUIRE(r->status == 200);
  auto body = r->json();
  REQUIRE(body.ok());
  return body->at("balance").get<uint64_t>();
}

std::string WaitForStatus(HttpClient& client, const TxId& txid, const std::string& wanted) {
  std::string status;
  for (int i = 0; i < 600 && status != wanted; ++i) {
    auto r = client.Get("/app/tx?transaction_id=" + txid.ToString());
    REQUIRE(r.ok());
    REQUIRE(r->status == 200);
    status = r->json()->at("status").get<std::string>();
    if (status != wanted) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return status;
}

std::pair<long, std::string> StatusAndCode(const Result<Response>& r) {
  REQUIRE(r.ok());
  auto error = r->ccf_error();
  return {r->status, error ? error->code : ""};
}

TwoParties::TwoParties() {
  CreateAccount(member0, user0, "current_account");
  CreateAccount(member0, user1, "savings_account");
  Deposit(member0, user0, "current_account", 1000);
}

Result<Response> TwoParties::Send(HttpClient& from, const std::string& account, uint64_t value,
                                  const std::string& to, const std::string& to_account) {
  return from.PostJson("/app/transfer/" + account,
                       {{"value", value}, {"user_id_to", to}, {"account_name_to", to_account}});
}

}  // namespace bank::test
