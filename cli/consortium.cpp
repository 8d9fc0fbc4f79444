// The consortium's rules as users and members see them: `whois NAME*BANK`
// (the directory), `policy show` (the transfer policy in force), and `holds
// list|approve|reject` (transfers held for review; members decide).
#include <fmt/format.h>

#include <memory>

#include "bank/banking_client.hpp"
#include "bank/encoding.hpp"
#include "cli.hpp"
#include "user_ref.hpp"

namespace bankctl {
namespace {

using bank::Result;
using bank::Status;
using nlohmann::json;

Result<bank::BankingClient> Banking(Context& ctx) {
  BANK_ASSIGN_OR_RETURN(bank::HttpClient * http, ctx.Client());
  return bank::BankingClient(http);
}

std::string Text(const json& v) {
  if (v.is_null()) return "";
  return v.is_string() ? v.get<std::string>() : v.dump();
}

Status Whois(Context& ctx, const std::string& name) {
  if (name.find('*') == std::string::npos)
    return Status::Usage("NAME must be name*bank (got '" + name + "')");
  BANK_ASSIGN_OR_RETURN(auto banking, Banking(ctx));
  BANK_ASSIGN_OR_RETURN(json entry, banking.Directory(name));
  ctx.Emit(entry, fmt::format("{}  user {}\n{}  bank {} (member {})", name,
                              Text(entry.value("user_id", json())), std::string(name.size(), ' '),
                              Text(entry.value("bank", json())), Text(entry.value("member_id", json()))));
  return Status::OK();
}

Status PolicyShow(Context& ctx) {
  BANK_ASSIGN_OR_RETURN(auto banking, Banking(ctx));
  BANK_ASSIGN_OR_RETURN(json policy, banking.Policy());
  auto limit = [&](const char* field) {
    const json v = policy.value(field, json());
    return v.is_null() ? std::string("no limit") : Text(v);
  };
  std::string text =
      fmt::format("max_transfer          {}\ndaily_outgoing_limit  {}\nreview_above          {}\n",
                  limit("max_transfer"), limit("daily_outgoing_limit"), limit("review_above"));
  const json txid = policy.value("transaction_id", json());
  text += txid.is_null() ? "set by                never set (no limits)"
                         : fmt::format("set by                proposal {} in transaction {}",
                                       Text(policy.value("proposal_id", json())), Text(txid));
  ctx.Emit(policy, text);
  return Status::OK();
}

Status HoldsList(Context& ctx, const std::string& status) {
  BANK_ASSIGN_OR_RETURN(auto banking, Banking(ctx));
  BANK_ASSIGN_OR_RETURN(json out, banking.Holds(status));
  const json holds = out.value("holds", json::array());
  std::string text;
  for (const auto& h : holds)
    text += fmt::format("{:>6}  {:<8}  {:>12}  {}…:{} -> {}…:{}  held in {}\n",
                        Text(h.value("hold_id", json())), Text(h.value("status", json())),
                        Text(h.value("value", json())), Text(h.value("from_user", json())).substr(0, 12),
                        Text(h.value("from_account", json())), Text(h.value("to_user", json())).substr(0, 12),
                        Text(h.value("to_account", json())), Text(h.value("held_transaction_id", json())));
  ctx.Emit(out, holds.empty() ? "no holds" : "  HOLD  STATUS           VALUE  FROM -> TO\n" + text);
  return Status::OK();
}

struct DecideArgs {
  std::string id, reason;
};

Status Decide(Context& ctx, const DecideArgs& a, bool approve) {
  BANK_ASSIGN_OR_RETURN(auto banking, Banking(ctx));
  BANK_ASSIGN_OR_RETURN(json out, banking.DecideHold(a.id, approve, a.reason));
  ctx.Emit(out, fmt::format("hold {} {} (transaction {})", a.id, Text(out.value("status", json())),
                            Text(out.value("transaction_id", json()))));
  return Status::OK();
}

}  // namespace

Result<std::string> ResolveUser(Context& ctx, const std::string& text) {
  if (text.find('*') == std::string::npos) return ctx.ResolveId(text);
  BANK_ASSIGN_OR_RETURN(auto banking, Banking(ctx));
  BANK_ASSIGN_OR_RETURN(json entry, banking.Directory(text));
  const std::string id = entry.is_object() && entry.contains("user_id") && entry["user_id"].is_string()
                             ? entry["user_id"].get<std::string>()
                             : std::string();
  if (!bank::IsHexId(id))
    return Status::Rejected("unexpected directory entry for " + text + ": " + entry.dump());
  return id;
}

namespace {

void Register(CLI::App& app, Context& ctx) {
  auto name = std::make_shared<std::string>();
  auto* whois = app.add_subcommand("whois", "Resolve a federation name name*bank to its user id");
  whois->add_option("NAME", *name, "name*bank, e.g. alice*bank0")->required();
  ctx.Bind(whois, [&ctx, name] { return Whois(ctx, *name); });

  auto* policy = app.add_subcommand("policy", "The consortium's transfer policy");
  policy->require_subcommand(1);
  ctx.Bind(policy->add_subcommand("show", "The policy in force and the transaction that set it"),
           [&ctx] { return PolicyShow(ctx); });

  auto* holds = app.add_subcommand("holds", "Transfers held for review (members decide)");
  holds->require_subcommand(1);
  auto status = std::make_shared<std::string>();
  auto* list = holds->add_subcommand("list", "Held transfers (members: all; users: their own)");
  list->add_option("--status", *status, "Only holds in this state")
      ->check(CLI::IsMember({"Held", "Approved", "Rejected"}));
  ctx.Bind(list, [&ctx, status] { return HoldsList(ctx, *status); });
  auto a = std::make_shared<DecideArgs>();
  auto* approve = holds->add_subcommand("approve", "Approve a hold: the transfer executes, with its receipt");
  approve->add_option("ID", a->id, "Hold id")->required();
  ctx.Bind(approve, [&ctx, a] { return Decide(ctx, *a, true); });
  auto* reject = holds->add_subcommand("reject", "Reject a hold: the reserved funds are released");
  reject->add_option("ID", a->id, "Hold id")->required();
  reject->add_option("--reason", a->reason, "Why (kept with the hold)");
  ctx.Bind(reject, [&ctx, a] { return Decide(ctx, *a, false); });
}

BANKCTL_COMMAND_GROUP_ORDERED(Register, 25);

}  // namespace
}  // namespace bankctl
