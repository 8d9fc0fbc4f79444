#include "support/governance.hpp"

#include <catch2/catch.hpp>

#include "bank/identity.hpp"

namespace bank::test {

nlohmann::json Proposal(const std::string& name, const nlohmann::json& args) {
  return {{"actions", nlohmann::json::array({{{"name", name}, {"args", args}}})}};
}

Result<gov::Proposal> RunProposal(const BankdProcess& bankd, const nlohmann::json& proposal,
                                  const std::string& proposer, const std::vector<std::string>& voters) {
  HttpClient http = bankd.Client();
  auto client = [&](const std::string& name) {
    auto id = LoadIdentity(bankd.cert(name), bankd.key(name));
    REQUIRE(id.ok());
    return gov::GovClient(http, *id);
  };
  auto created = client(proposer).Propose(proposal);
  if (!created.ok()) return created.status();
  Result<gov::Proposal> last = *created;
  for (const auto& voter : voters) {
    last = client(voter).Vote(created->id, gov::BallotJs(true));
    if (!last.ok() || last->state != "Open") break;
  }
  return last;
}

void PassProposal(const BankdProcess& bankd, const nlohmann::json& proposal, const std::string& proposer) {
  auto result = RunProposal(bankd, proposal, proposer);
  INFO(proposal.dump() << ": " << result.status().message());
  REQUIRE(result.ok());
  REQUIRE(result->state == "Accepted");
}

}  // namespace bank::test
