// The consortium's banking rules: public tables that only governance
// writes (the constitution's banking actions, governance/bank_actions.hpp)
// and the banking application reads. They live under CCF's
// public:ccf.gov.* prefix because a CCF service lets its constitution
// write there and its applications only read there; a ccf-app bundle reads
// the same names.
//
// Values are JSON text.
#pragma once

#include <algorithm>
#include <string_view>

namespace bankd::tables {

// "<member_id>/<name>" -> {"user_id"}: the names a bank (a member, named by
// its member_data.name) registered for its users (set_user_name).
inline constexpr const char* kUserNames = "public:ccf.gov.bank.user_names";
// single entry (kSingletonKey): {"max_transfer"?, "daily_outgoing_limit"?,
// "review_above"?, "proposal_id", "transaction_id"} (set_transfer_policy);
// an absent limit is no limit.
inline constexpr const char* kTransferPolicy = "public:ccf.gov.bank.transfer_policy";
// user id -> {"reason", "proposal_id", "transaction_id"} (freeze_user).
inline constexpr const char* kFrozenUsers = "public:ccf.gov.bank.frozen_users";

// A bank's name (member_data.name) or a user's name in the directory: 1 to
// 64 of [A-Za-z0-9._-]. '*' separates them in "name*bank" and ':' the
// account in bankctl's "name*bank:account", so neither may appear.
inline bool IsDirectoryName(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

}  // namespace bankd::tables
