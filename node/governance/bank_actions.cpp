#include "governance/bank_actions.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "auth/tables.hpp"
#include "governance/bank_tables.hpp"
#include "governance/tables.hpp"

namespace bankd::governance {
namespace {

using nlohmann::json;
namespace gt = bankd::tables;

Reason CheckName(const json* v, const std::string& field) {
  BANK_CHECK(CheckType(v, "string", field));
  if (!gt::IsDirectoryName(v->get_ref<const std::string&>()))
    return field + " must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-'";
  return std::nullopt;
}

Reason CheckReason(const json* v) {
  BANK_CHECK(CheckType(v, "string", "reason"));
  if (v->get_ref<const std::string&>().empty()) return std::string("reason must not be empty");
  return std::nullopt;
}

// The bank (member_data.name) of the member who proposed `proposal_id`:
// names are registered under the proposing bank.
Reason ProposerBank(const ApplyContext& ctx, std::string* member_id, std::string* bank) {
  json info = ReadJson(ctx.tx, tables::kProposalsInfo, ctx.proposal_id);
  *member_id = info.is_object() ? info.value("proposer_id", "") : "";
  json member = ReadJson(ctx.tx, gt::kMemberInfo, *member_id);
  const json* data = member.is_object() ? Arg(member, "member_data") : nullptr;
  const json* name = data != nullptr ? Arg(*data, "name") : nullptr;
  if (name == nullptr || !name->is_string() || !gt::IsDirectoryName(name->get_ref<const std::string&>()))
    return fmt::format(
        "Member {} has no bank name: propose set_member_data with {{\"name\": \"<bank>\"}} first",
        *member_id);
  *bank = name->get<std::string>();
  return std::nullopt;
}

Reason RequireUser(const ApplyContext& ctx, const std::string& user_id) {
  if (!ctx.tx.Contains(gt::kUserCerts, user_id)) return fmt::format("User {} does not exist", user_id);
  return std::nullopt;
}

// ---- directory ---------------------------------------------------------------------

Reason ValidateSetUserName(const json& args) {
  BANK_CHECK(CheckEntityId(Arg(args, "user_id"), "user_id"));
  return CheckName(Arg(args, "name"), "name");
}

Reason ApplySetUserName(const json& args, ApplyContext& ctx) {
  const std::string user = Str(args, "user_id"), name = Str(args, "name");
  std::string member, bank;
  BANK_CHECK(ProposerBank(ctx, &member, &bank));
  BANK_CHECK(RequireUser(ctx, user));
  const std::string key = member + "/" + name;
  json existing = ReadJson(ctx.tx, gt::kUserNames, key);
  if (existing.is_object() && existing.value("user_id", "") != user)
    return fmt::format("Name {}*{} is already registered for user {}", name, bank,
                       existing.value("user_id", ""));
  ctx.tx.Put(gt::kUserNames, key, json{{"user_id", user}}.dump());
  return std::nullopt;
}

Reason ValidateRemoveUserName(const json& args) { return CheckName(Arg(args, "name"), "name"); }

Reason ApplyRemoveUserName(const json& args, ApplyContext& ctx) {
  std::string member, bank;
  BANK_CHECK(ProposerBank(ctx, &member, &bank));
  ctx.tx.Remove(gt::kUserNames, member + "/" + Str(args, "name"));  // idempotent
  return std::nullopt;
}

// ---- transfer policy ---------------------------------------------------------------

constexpr const char* kPolicyFields[] = {"max_transfer", "daily_outgoing_limit", "review_above"};

Reason ValidateSetTransferPolicy(const json& args) {
  if (!args.is_null() && !args.is_object()) return std::string("args must be an object");
  // Both branches lvalues: a temporary here would die before the loop runs.
  static const json kNone = json::object();
  const json& fields = args.is_object() ? args : kNone;
  for (const auto& [field, value] : fields.items()) {
    if (std::find(std::begin(kPolicyFields), std::end(kPolicyFields), field) == std::end(kPolicyFields))
      return fmt::format("{} is not a policy field (max_transfer, daily_outgoing_limit, review_above)",
                         field);
    // An amount is a uint64, as balances are: a fraction or a negative
    // number would be a rule nobody can read the same way twice.
    if (!value.is_null() && !value.is_number_unsigned())
      return fmt::format("{} must be a non-negative integer (at most 18446744073709551615) or null", field);
  }
  return std::nullopt;
}

Reason ApplySetTransferPolicy(const json& args, ApplyContext& ctx) {
  json policy = {{"proposal_id", ctx.proposal_id}, {"transaction_id", ctx.txid.ToString()}};
  for (const char* field : kPolicyFields)
    if (const json* v = Arg(args, field); v != nullptr && !v->is_null()) policy[field] = *v;
  ctx.tx.Put(gt::kTransferPolicy, gt::kSingletonKey, policy.dump());
  return std::nullopt;
}

// ---- freezing ----------------------------------------------------------------------

Reason ValidateFreeze(const json& args) {
  BANK_CHECK(CheckEntityId(Arg(args, "user_id"), "user_id"));
  return CheckReason(Arg(args, "reason"));
}

Reason ApplyFreezeUser(const json& args, ApplyContext& ctx) {
  const std::string user = Str(args, "user_id");
  BANK_CHECK(RequireUser(ctx, user));
  ctx.tx.Put(gt::kFrozenUsers, user,
             json{{"reason", Str(args, "reason")},
                  {"proposal_id", ctx.proposal_id},
                  {"transaction_id", ctx.txid.ToString()}}
                 .dump());
  return std::nullopt;
}

Reason ApplyUnfreezeUser(const json& args, ApplyContext& ctx) {
  ctx.tx.Remove(gt::kFrozenUsers, Str(args, "user_id"));  // idempotent
  return std::nullopt;
}

}  // namespace

Reason CheckBankName(const json& member_data) {
  const json* name = Arg(member_data, "name");
  if (name == nullptr || name->is_null()) return std::nullopt;
  return CheckName(name, "member_data.name");
}

Reason CheckBankNameFree(const kv::Tx& tx, const std::string& member_id, const json& member_data) {
  const json* name = Arg(member_data, "name");
  if (name == nullptr || !name->is_string()) return std::nullopt;
  Reason taken;
  tx.ForEach(gt::kMemberInfo, [&](const std::string& id, const std::string& value) {
    json info = json::parse(value, nullptr, false);
    const json* data = info.is_object() ? Arg(info, "member_data") : nullptr;
    const json* other = data != nullptr ? Arg(*data, "name") : nullptr;
    if (id != member_id && other != nullptr && *other == *name)
      taken = fmt::format("Bank name {} is already used by member {}", name->get<std::string>(), id);
    return !taken;
  });
  return taken;
}

const std::vector<ActionDefinition>& BankingActions() {
  static const std::vector<ActionDefinition> actions = {
      {"set_user_name", ValidateSetUserName, ApplySetUserName},
      {"remove_user_name", ValidateRemoveUserName, ApplyRemoveUserName},
      {"set_transfer_policy", ValidateSetTransferPolicy, ApplySetTransferPolicy},
      {"freeze_user", ValidateFreeze, ApplyFreezeUser},
      {"unfreeze_user", ValidateFreeze, ApplyUnfreezeUser},
  };
  return actions;
}

}  // namespace bankd::governance
