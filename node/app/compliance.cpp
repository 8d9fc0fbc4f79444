#include "app/compliance.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <ctime>
#include <nlohmann/json.hpp>

#include "app/accounts.hpp"
#include "auth/tables.hpp"
#include "governance/bank_tables.hpp"

namespace bankd::app {
namespace {

using http::Response;
using nlohmann::json;

std::optional<uint64_t> Limit(const json& policy, const char* field) {
  auto it = policy.find(field);
  if (it == policy.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<uint64_t>();
}

std::string DailyKey(const std::string& user, int64_t at_ms) { return user + "/" + UtcDay(at_ms); }

uint64_t Outgoing(const kv::Tx& tx, const std::string& key) {
  auto stored = tx.Get(kDailyOutgoing, key);
  // The tally is at most the sum of a day's transfers from balances that
  // are uint64 each; saturate rather than wrap if that ever passes 2^64.
  const unsigned __int128 v = stored ? ParseDecimal(*stored) : 0;
  return v > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(v);
}

json OptionalJson(const std::optional<uint64_t>& v) { return v ? json(*v) : json(nullptr); }

Response Policy(const http::Request&, const kv::Store& store) {
  const TransferPolicy p = ParsePolicy(store.Get(tables::kTransferPolicy, tables::kSingletonKey));
  return Response::Json(
      {{"max_transfer", OptionalJson(p.max_transfer)},
       {"daily_outgoing_limit", OptionalJson(p.daily_outgoing_limit)},
       {"review_above", OptionalJson(p.review_above)},
       {"proposal_id", p.proposal_id.empty() ? json(nullptr) : json(p.proposal_id)},
       {"transaction_id", p.transaction_id.empty() ? json(nullptr) : json(p.transaction_id)}});
}

}  // namespace

std::string UtcDay(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  return buf;
}

TransferPolicy ParsePolicy(const std::optional<std::string>& stored) {
  TransferPolicy p;
  if (!stored) return p;
  json j = json::parse(*stored, nullptr, false);
  if (!j.is_object()) return p;
  p.max_transfer = Limit(j, "max_transfer");
  p.daily_outgoing_limit = Limit(j, "daily_outgoing_limit");
  p.review_above = Limit(j, "review_above");
  p.proposal_id = j.value("proposal_id", "");
  p.transaction_id = j.value("transaction_id", "");
  return p;
}

TransferPolicy LoadPolicy(const kv::Tx& tx) {
  return ParsePolicy(tx.Get(tables::kTransferPolicy, tables::kSingletonKey));
}

std::optional<Response> CheckFrozen(const kv::Tx& tx, const std::string& from, const std::string& to) {
  for (const std::string* user : {&from, &to}) {
    auto stored = tx.Get(tables::kFrozenUsers, *user);
    if (!stored) continue;
    json j = json::parse(*stored, nullptr, false);
    const std::string reason = j.is_object() ? j.value("reason", "") : "";
    return Response::Error(
        403, "UserFrozen",
        fmt::format(
            "User {} is frozen by the consortium (freeze_user, proposal {}: {}); no transfer from or to "
            "it is allowed.",
            *user, j.is_object() ? j.value("proposal_id", "") : "", reason));
  }
  return std::nullopt;
}

std::optional<Response> CheckLimits(const kv::Tx& tx, const TransferPolicy& policy, const std::string& from,
                                    uint64_t value, int64_t now_ms) {
  if (policy.max_transfer && value > *policy.max_transfer)
    return Response::Error(400, "TransferLimitExceeded",
                           fmt::format("Transfer of {} exceeds the consortium's max_transfer limit of {}.",
                                       value, *policy.max_transfer));
  if (policy.daily_outgoing_limit) {
    const uint64_t sent = Outgoing(tx, DailyKey(from, now_ms));
    if (sent > *policy.daily_outgoing_limit || value > *policy.daily_outgoing_limit - sent)
      return Response::Error(
          400, "DailyLimitExceeded",
          fmt::format("Transfer of {} would bring the sender's outgoing total of {} (UTC) from {} above the "
                      "consortium's daily_outgoing_limit of {}.",
                      value, UtcDay(now_ms), sent, *policy.daily_outgoing_limit));
  }
  return std::nullopt;
}

void AddOutgoing(kv::Tx& tx, const std::string& from, int64_t at_ms, uint64_t value) {
  const std::string key = DailyKey(from, at_ms);
  auto stored = tx.Get(kDailyOutgoing, key);
  tx.Put(kDailyOutgoing, key, Decimal((stored ? ParseDecimal(*stored) : 0) + value));
}

void SubtractOutgoing(kv::Tx& tx, const std::string& from, int64_t at_ms, uint64_t value) {
  const std::string key = DailyKey(from, at_ms);
  auto stored = tx.Get(kDailyOutgoing, key);
  const unsigned __int128 sent = stored ? ParseDecimal(*stored) : 0;
  tx.Put(kDailyOutgoing, key, Decimal(sent > value ? sent - value : 0));
}

void RegisterPolicyEndpoints(http::Router& router) {
  router.AddRead("GET", "/app/policy", {auth::MemberCertPolicy(), auth::UserCertPolicy()}, Policy,
                 {{"summary", "The consortium's transfer policy in force and the transaction that set it"},
                  {"responses",
                   {{"200",
                     {{"description",
                       "{max_transfer, daily_outgoing_limit, review_above (null: no limit), proposal_id, "
                       "transaction_id}"}}}}}});
}

}  // namespace bankd::app
