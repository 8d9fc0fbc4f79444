// The parts of the governance client that need no service: API names,
// constant ballots, proposal files, and the unified result shape.
#include "bank/gov_client.hpp"

#include <catch2/catch.hpp>

#include "governance/ballot.hpp"

namespace gov = bank::gov;
using nlohmann::json;

TEST_CASE("gov client: API names") {
  CHECK(gov::ParseApi("auto").value() == gov::Api::kAuto);
  CHECK(gov::ParseApi("classic").value() == gov::Api::kClassic);
  CHECK(gov::ParseApi("2024-07-01").value() == gov::Api::k20240701);
  CHECK(gov::ParseApi("2023").status().code() == bank::Code::kUsage);
  CHECK(std::string(gov::ApiName(gov::Api::k20240701)) == "2024-07-01");
}

TEST_CASE("gov client: the standard ballots are the constant ones bankd evaluates") {
  CHECK(bankd::governance::ConstantBallotVote(gov::BallotJs(true)) == std::optional<bool>(true));
  CHECK(bankd::governance::ConstantBallotVote(gov::BallotJs(false)) == std::optional<bool>(false));
  // governance-scripts/ballots hold exactly these.
  for (bool accept : {true, false}) {
    auto text = bank::ReadFile(std::string(BANK_SOURCE_DIR) + "/governance-scripts/ballots/vote_" +
                               (accept ? "accept" : "reject") + ".json");
    REQUIRE(text.ok());
    CHECK(json::parse(*text)["ballot"] == gov::BallotJs(accept));
  }
}

TEST_CASE("gov client: proposal files") {
  CHECK(gov::ParseProposalFile(R"({"actions":[{"name":"remove_user","args":{"user_id":"x"}}]})", "p.json")
            .ok());
  auto message = [](const char* text) { return gov::ParseProposalFile(text, "p.json").status().message(); };
  CHECK(message("{") == "p.json: not valid JSON");
  CHECK(message("[]").find("an object with an \"actions\" array") != std::string::npos);
  CHECK(message(R"({"actions":[]})").find("no actions") != std::string::npos);
  CHECK(message(R"({"actions":[{"args":{}}]})").find("action 0 has no string \"name\"") != std::string::npos);
  CHECK(message(R"({"actions":[{"name":"set_user","args":5}]})").find("not an object") != std::string::npos);
  CHECK(gov::ParseProposalFile("{", "p.json").status().code() == bank::Code::kInputFile);
}

TEST_CASE("gov client: results in the 2024-07-01 shape") {
  gov::Proposal p;
  p.id = std::string(64, 'a');
  p.proposer_id = std::string(64, 'b');
  p.state = "Accepted";
  p.ballot_count = 2;
  p.voters = {"m1", "m2"};
  p.final_votes = {{"m1", true}, {"m2", false}};
  json j = p.ToJson();
  CHECK(j["proposalId"] == p.id);
  CHECK(j["proposerId"] == p.proposer_id);
  CHECK(j["proposalState"] == "Accepted");
  CHECK(j["ballotCount"] == 2);
  CHECK(j["finalVotes"]["m2"] == false);
  CHECK_FALSE(j.contains("failure"));
}
