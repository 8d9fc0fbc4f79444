// The consortium's transfer rules as the banking application enforces them.
// Governance sets them (governance/bank_actions.hpp: set_transfer_policy,
// freeze_user, unfreeze_user) in public tables (governance/bank_tables.hpp);
// the application only reads those, and keeps in a private table what it
// needs to apply them:
//   bank.daily_outgoing  "<user_id>/<YYYY-MM-DD>" -> decimal amount the user
//                        sent (or had held) that UTC day
//
// Refusals (CCF's error body), checked in this order after the parties and
// accounts exist:
//   403 UserFrozen            the sender or the receiver is frozen
//   400 TransferLimitExceeded value > max_transfer
//   400 DailyLimitExceeded    the sender's outgoing total of the UTC day
//                             would pass daily_outgoing_limit
// Each message names the rule and its limit. A transfer above review_above
// is then held, not executed (app/holds.hpp).
//
// GET /app/policy (users and members): {"max_transfer", "daily_outgoing_limit",
// "review_above" (null = no limit), "proposal_id", "transaction_id" (of the
// transaction that set it; null when no policy was ever set)}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "http/message.hpp"
#include "http/router.hpp"
#include "kv/tx.hpp"

namespace bankd::app {

inline constexpr const char* kDailyOutgoing = "bank.daily_outgoing";

struct TransferPolicy {
  std::optional<uint64_t> max_transfer, daily_outgoing_limit, review_above;
  std::string proposal_id, transaction_id;  // empty: never set
};

// The stored policy (a value of public:ccf.gov.bank.transfer_policy);
// no limits when absent or malformed.
TransferPolicy ParsePolicy(const std::optional<std::string>& stored);
TransferPolicy LoadPolicy(const kv::Tx& tx);

// 403 UserFrozen when `from` or `to` is frozen, else nullopt.
std::optional<http::Response> CheckFrozen(const kv::Tx& tx, const std::string& from, const std::string& to);

// 400 TransferLimitExceeded or DailyLimitExceeded, else nullopt.
std::optional<http::Response> CheckLimits(const kv::Tx& tx, const TransferPolicy& policy,
                                          const std::string& from, uint64_t value, int64_t now_ms);

// Adds `value` to the sender's total of the UTC day of `at_ms`; Subtract
// gives it back (a rejected hold).
void AddOutgoing(kv::Tx& tx, const std::string& from, int64_t at_ms, uint64_t value);
void SubtractOutgoing(kv::Tx& tx, const std::string& from, int64_t at_ms, uint64_t value);

// "YYYY-MM-DD" of a UTC instant.
std::string UtcDay(int64_t ms);

void RegisterPolicyEndpoints(http::Router& router);

}  // namespace bankd::app
