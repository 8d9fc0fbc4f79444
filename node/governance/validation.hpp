// CCF's validate(proposal): the proposal is JSON {"actions": [{"name",
// "args"}...]}; every action must exist and its arguments pass its checks.
//
// Refusals, as CCF gives them:
//  - not JSON, not an object, no "actions" array, an action without a
//    string name: 500 InternalError "Failed to execute validation: ..."
//    (in CCF the constitution's JavaScript throws on such input);
//  - unknown actions and bad arguments: 400 ProposalFailedToValidate
//    "Proposal failed to validate: <name> at position <i> failed
//    validation: Error: <argument> must ...", or "<name>: no such action";
//    several problems are joined with ", ";
//  - set_js_app and remove_js_app (in governance-scripts' constitution for
//    a CCF service): 400 ProposalFailedToValidate "... this action needs a
//    CCF service": bankd's banking application is native.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "governance/refusal.hpp"

namespace bankd::governance {

struct Action {
  std::string name;
  nlohmann::json args;  // null when absent
};

Outcome<std::vector<Action>> ValidateProposal(std::string_view proposal_json);

}  // namespace bankd::governance
