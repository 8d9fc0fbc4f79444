// The consortium's rules, set by governance and enforced on transfers:
// federation names (set_member_data name, set_user_name, remove_user_name,
// GET /app/directory), the transfer policy (set_transfer_policy, GET
// /app/policy, TransferLimitExceeded, DailyLimitExceeded) and freezing
// (freeze_user, unfreeze_user, UserFrozen). Each refusal with its status,
// CCF error code and a message naming the rule and its limit.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/bankd_process.hpp"
#include "support/banking.hpp"
#include "support/governance.hpp"

namespace bank::test {
namespace {

using nlohmann::json;

using Consortium = TwoParties;

TEST_CASE("banks name their users by governance, the directory resolves name*bank", "[e2e][consortium]") {
  Consortium c;
  PassProposal(c.bankd, Proposal("set_member_data", {{"member_id", c.bankd.id("member0")},
                                                     {"member_data", {{"name", "bank0"}}}}));
  PassProposal(c.bankd, Proposal("set_user_name", {{"user_id", c.user0}, {"name", "alice"}}));

  for (HttpClient* caller : {&c.u1, &c.member2}) {
    auto r = caller->Get("/app/directory/alice*bank0");
    REQUIRE(r.ok());
    INFO(r->body);
    REQUIRE(r->status == 200);
    json j = json::parse(r->body);
    CHECK(j["user_id"] == c.user0);
    CHECK(j["bank"] == "bank0");
    CHECK(j["member_id"] == c.bankd.id("member0"));
  }
  CHECK(StatusAndCode(c.u1.Get("/app/directory/bob*bank0")) ==
        std::pair<long, std::string>{404, "ResourceNotFound"});
  CHECK(StatusAndCode(c.u1.Get("/app/directory/alice*bank9")) ==
        std::pair<long, std::string>{404, "ResourceNotFound"});
  CHECK(StatusAndCode(c.u1.Get("/app/directory/alice")) ==
        std::pair<long, std::string>{400, "InvalidResourceName"});
  CHECK(c.bankd.Client().Get("/app/directory/alice*bank0")->status == 401);

  // Unique per bank: the name cannot go to another user; a bank name
  // cannot be taken twice; a member without a bank name registers nothing.
  CHECK_FALSE(
      RunProposal(c.bankd, Proposal("set_user_name", {{"user_id", c.user1}, {"name", "alice"}})).ok());
  CHECK_FALSE(RunProposal(c.bankd, Proposal("set_member_data", {{"member_id", c.bankd.id("member1")},
                                                                {"member_data", {{"name", "bank0"}}}}))
                  .ok());
  CHECK_FALSE(
      RunProposal(c.bankd, Proposal("set_user_name", {{"user_id", c.user1}, {"name", "bob"}}), "member1")
          .ok());
  // Invalid names fail validation at once.
  auto bad = RunProposal(c.bankd, Proposal("set_user_name", {{"user_id", c.user1}, {"name", "bob*x"}}));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("name must be 1 to 64 characters") != std::string::npos);

  PassProposal(c.bankd, Proposal("remove_user_name", {{"name", "alice"}}));
  CHECK(StatusAndCode(c.u1.Get("/app/directory/alice*bank0")) ==
        std::pair<long, std::string>{404, "ResourceNotFound"});
}

TEST_CASE("the transfer policy: max_transfer and the UTC day's outgoing limit", "[e2e][consortium]") {
  Consortium c;
  auto shown = c.u0.Get("/app/policy");
  REQUIRE(shown.ok());
  CHECK(json::parse(shown->body) == json{{"max_transfer", nullptr},
                                         {"daily_outgoing_limit", nullptr},
                                         {"review_above", nullptr},
                                         {"proposal_id", nullptr},
                                         {"transaction_id", nullptr}});

  // Validation: integers only, known fields only.
  CHECK_FALSE(RunProposal(c.bankd, Proposal("set_transfer_policy", {{"max_transfer", 10.5}})).ok());
  CHECK_FALSE(RunProposal(c.bankd, Proposal("set_transfer_policy", {{"max_transfer", -1}})).ok());
  CHECK_FALSE(RunProposal(c.bankd, Proposal("set_transfer_policy", {{"max_transfers", 10}})).ok());

  PassProposal(c.bankd,
               Proposal("set_transfer_policy", {{"max_transfer", 500}, {"daily_outgoing_limit", 800}}));
  shown = c.member0.Get("/app/policy");
  REQUIRE(shown.ok());
  json policy = json::parse(shown->body);
  CHECK(policy["max_transfer"] == 500);
  CHECK(policy["daily_outgoing_limit"] == 800);
  CHECK(policy["review_above"].is_null());
  auto set_in = TxId::Parse(policy["transaction_id"].get<std::string>());
  REQUIRE(set_in);
  CHECK(WaitForStatus(c.member0, *set_in) == "Committed");

  auto over = c.Send(501);
  CHECK(StatusAndCode(over) == std::pair<long, std::string>{400, "TransferLimitExceeded"});
  CHECK(over->ccf_error()->message.find("max_transfer limit of 500") != std::string::npos);
  REQUIRE(c.Send(500)->status == 204);
  REQUIRE(c.Send(300)->status == 204);
  auto daily = c.Send(1);
  CHECK(StatusAndCode(daily) == std::pair<long, std::string>{400, "DailyLimitExceeded"});
  CHECK(daily->ccf_error()->message.find("daily_outgoing_limit of 800") != std::string::npos);
  CHECK(Balance(c.u0, "current_account") == 200);

  // A refused transfer changed nothing; a new policy applies at once.
  PassProposal(c.bankd, Proposal("set_transfer_policy", json::object()));
  REQUIRE(c.Send(150)->status == 204);
  CHECK(Balance(c.u1, "savings_account") == 950);
}

TEST_CASE("a frozen user can neither send nor receive until unfrozen", "[e2e][consortium]") {
  Consortium c;
  CreateAccount(c.member0, c.user1, "current_account");
  Deposit(c.member0, c.user1, "current_account", 50);
  PassProposal(c.bankd, Proposal("freeze_user", {{"user_id", c.user1}, {"reason", "sanctions review"}}));

  auto to_frozen = c.Send(10);
  CHECK(StatusAndCode(to_frozen) == std::pair<long, std::string>{403, "UserFrozen"});
  CHECK(to_frozen->ccf_error()->message.find("freeze_user") != std::string::npos);
  CHECK(to_frozen->ccf_error()->message.find("sanctions review") != std::string::npos);
  CHECK(StatusAndCode(c.Send(c.u1, "current_account", 10, c.user0, "current_account")) ==
        std::pair<long, std::string>{403, "UserFrozen"});
  // Unknown users cannot be frozen; the reason is required.
  CHECK_FALSE(
      RunProposal(c.bankd, Proposal("freeze_user", {{"user_id", std::string(64, 'a')}, {"reason", "x"}}))
          .ok());
  CHECK_FALSE(RunProposal(c.bankd, Proposal("freeze_user", {{"user_id", c.user0}})).ok());

  PassProposal(c.bankd, Proposal("unfreeze_user", {{"user_id", c.user1}, {"reason", "cleared"}}));
  REQUIRE(c.Send(10)->status == 204);
  REQUIRE(c.Send(c.u1, "current_account", 10, c.user0, "current_account")->status == 204);
  CHECK(Balance(c.u1, "savings_account") == 10);
}

}  // namespace
}  // namespace bank::test
