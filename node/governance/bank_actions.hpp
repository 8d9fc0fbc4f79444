// The consortium's banking rules as constitution actions (bankd's side;
// governance-scripts/constitution/actions.js carries the same for CCF):
//
//   set_user_name {user_id, name}       the proposing member's bank names
//                                       one of its users ("alice" of
//                                       "bank0": alice*bank0); unique per
//                                       bank, a user may have several
//   remove_user_name {name}             drops a name of the proposer's bank
//   set_transfer_policy {max_transfer?, daily_outgoing_limit?, review_above?}
//                                       non-negative integers; absent = no
//                                       limit; replaces the whole policy
//   freeze_user {user_id, reason}       no transfer from or to the user
//   unfreeze_user {user_id, reason}
//
// A bank is a member whose member_data has "name" (set_member_data);
// set_member_data refuses a name another member already uses. Tables:
// governance/bank_tables.hpp.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "governance/action_checks.hpp"
#include "governance/actions.hpp"

namespace bankd::governance {

const std::vector<ActionDefinition>& BankingActions();

// For set_member_data: member_data.name, when present, is a directory name.
Reason CheckBankName(const nlohmann::json& member_data);
// For set_member_data: no other member uses member_data.name.
Reason CheckBankNameFree(const kv::Tx& tx, const std::string& member_id, const nlohmann::json& member_data);

}  // namespace bankd::governance
