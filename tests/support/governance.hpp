// Governance steps for end-to-end tests: a proposal signed by one member
// and voted for by others, over mTLS with libbank's GovClient.
//
//   PassProposal(bankd, Proposal("freeze_user", {{"user_id", id}, {"reason", "audit"}}));
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bank/gov_client.hpp"
#include "support/bankd_process.hpp"

namespace bank::test {

// {"actions": [{"name": name, "args": args}]}
nlohmann::json Proposal(const std::string& name, const nlohmann::json& args);

// `proposer` proposes, each of `voters` votes for it; returns the proposal
// after the last vote, or the refusal (an action that cannot apply fails
// the deciding ballot with 500).
Result<gov::Proposal> RunProposal(const BankdProcess& bankd, const nlohmann::json& proposal,
                                  const std::string& proposer = "member0",
                                  const std::vector<std::string>& voters = {"member0", "member1"});

// RunProposal, REQUIREing that the proposal is Accepted (a strict majority
// of BankdProcess's three members).
void PassProposal(const BankdProcess& bankd, const nlohmann::json& proposal,
                  const std::string& proposer = "member0");

}  // namespace bank::test
