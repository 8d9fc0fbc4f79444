#include "app/holds.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "app/accounts.hpp"
#include "app/compliance.hpp"
#include "auth/tables.hpp"

namespace bankd::app {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

constexpr const char* kHolds = "bank.holds";
constexpr const char* kHoldCounter = "bank.hold_counter";

// The table key of a hold id ("17" -> 20 digits), or "" when `id` is not one.
std::string HoldKey(const std::string& id) {
  if (id.empty() || id.size() > 19 || id.find_first_not_of("0123456789") != std::string::npos) return "";
  return fmt::format("{:020}", std::stoull(id));
}

Response UnknownHold(const std::string& id) {
  return Response::Error(404, "ResourceNotFound", fmt::format("Hold '{}' does not exist.", id));
}

bool IsMember(const Request& r) { return r.caller.policy == "member_cert"; }

// Members see every hold; a user the holds it sends or receives.
bool Visible(const Request& r, const json& hold) {
  return IsMember(r) || hold.value("from_user", "") == r.caller.id ||
         hold.value("to_user", "") == r.caller.id;
}

// The optional body of :reject, {"reason": "..."}.
Parsed<std::string> ParseReason(const std::string& body) {
  if (body.empty()) return {std::string(), {}};
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return {std::nullopt, {"InvalidInput", "Request body must be a JSON object."}};
  auto it = j.find("reason");
  if (it == j.end()) return {std::string(), {}};
  if (!it->is_string()) return {std::nullopt, {"InvalidInput", "Field 'reason' must be a string."}};
  return {it->get<std::string>(), {}};
}

Response Decide(const Request& r, kv::Tx& tx, const bank::TxId& txid, bool approve) {
  const std::string& id = r.param("hold_id");
  const std::string key = HoldKey(id);
  auto stored = key.empty() ? std::nullopt : tx.Get(kHolds, key);
  if (!stored) return UnknownHold(id);
  auto reason = ParseReason(r.body);
  if (!reason.ok()) return Invalid(reason.error);
  json hold = json::parse(*stored);
  if (hold.value("status", "") != "Held")
    return Response::Error(409, "HoldAlreadyDecided",
                           fmt::format("Hold {} is already {} (transaction {}).", id,
                                       hold.value("status", ""), hold.value("decided_transaction_id", "")));
  const TransferRequest t{hold.at("value").get<uint64_t>(), hold.at("to_user").get<std::string>(),
                          hold.at("to_account").get<std::string>()};
  const std::string from = hold.at("from_user"), name = hold.at("from_account");
  auto source = LoadAccount(tx, from, name);
  if (!source || source->reserved < t.value)
    return Response::Error(500, "InternalError",
                           fmt::format("Hold {} has no reserved amount to release.", id));
  const int64_t now = NowMs();
  source->reserved -= t.value;
  if (approve) {
    // Executed now, so the rules of now apply to the parties.
    if (auto refused = CheckFrozen(tx, from, t.user_id_to)) return *refused;
    if (!tx.Contains(tables::kUserCerts, t.user_id_to)) return UnknownUser(t.user_id_to);
    if (!LoadAccount(tx, t.user_id_to, t.account_name_to))
      return UnknownAccount(t.user_id_to, t.account_name_to);
    if (auto refused = CompleteTransfer(tx, txid, from, name, *source, t, now)) return *refused;
  } else {
    // balance + reserved never passes 2^64 - 1 (deposits and credits check
    // both), so the release cannot overflow.
    source->balance += t.value;
    StoreAccount(tx, from, name, *source);
    SubtractOutgoing(tx, from, hold.value("held_at_ms", int64_t{0}), t.value);
  }
  hold["status"] = approve ? "Approved" : "Rejected";
  hold["decided_by"] = r.caller.id;
  hold["decided_transaction_id"] = txid.ToString();
  hold["decided_at"] = IsoTime(now);
  if (!reason.value->empty()) hold["reason"] = *reason.value;
  tx.Put(kHolds, key, hold.dump());
  return Response::Json({{"hold_id", id}, {"status", hold["status"]}, {"transaction_id", txid.ToString()}});
}

json Shown(json hold) {
  hold.erase("held_at_ms");
  return hold;
}

Response List(const Request& r, const kv::Store& store) {
  const std::string* status = r.query_param("status");
  json holds = json::array();
  store.ForEach(kHolds, [&](const std::string&, const std::string& value) {
    json hold = json::parse(value, nullptr, false);
    if (hold.is_object() && Visible(r, hold) && (status == nullptr || hold.value("status", "") == *status))
      holds.push_back(Shown(std::move(hold)));
    return true;
  });
  return Response::Json({{"holds", holds}});
}

Response One(const Request& r, const kv::Store& store) {
  const std::string& id = r.param("hold_id");
  const std::string key = HoldKey(id);
  const std::string* value = key.empty() ? nullptr : store.Find(kHolds, key);
  json hold = value == nullptr ? json() : json::parse(*value, nullptr, false);
  if (!hold.is_object() || !Visible(r, hold)) return UnknownHold(id);
  return Response::Json(Shown(std::move(hold)));
}

Response Totals(const Request&, const kv::Store& store) {
  unsigned __int128 available = 0, reserved = 0, held = 0;
  uint64_t accounts = 0;
  store.ForEachTable(kAccountsPrefix, [&](const std::string& table) {
    store.ForEach(table, [&](const std::string&, const std::string& value) {
      if (auto a = DecodeAccount(value)) {
        available += a->balance;
        reserved += a->reserved;
        ++accounts;
      }
      return true;
    });
    return true;
  });
  store.ForEach(kHolds, [&](const std::string&, const std::string& value) {
    json hold = json::parse(value, nullptr, false);
    if (hold.is_object() && hold.value("status", "") == "Held") held += hold.value("value", uint64_t{0});
    return true;
  });
  const std::string* deposited = store.Find(kTotals, kDepositedKey);
  return Response::Json({{"accounts", accounts},
                         {"available", Decimal(available)},
                         {"reserved", Decimal(reserved)},
                         {"held", Decimal(held)},
                         {"deposited", Decimal(deposited ? ParseDecimal(*deposited) : 0)}});
}

json Doc(const char* summary, json responses) {
  json out = json::object();
  for (auto& [status, description] : responses.items()) out[status] = {{"description", description}};
  return {{"summary", summary}, {"responses", out}};
}

}  // namespace

Response HoldTransfer(kv::Tx& tx, const bank::TxId& txid, const std::string& from, const std::string& name,
                      Account source, const TransferRequest& t, int64_t now_ms) {
  auto next = tx.Get(kHoldCounter, "next");
  const uint64_t id = next ? std::stoull(*next) : 1;
  tx.Put(kHoldCounter, "next", std::to_string(id + 1));
  source.balance -= t.value;
  source.reserved += t.value;
  StoreAccount(tx, from, name, source);
  const json hold = {{"hold_id", std::to_string(id)},
                     {"from_user", from},
                     {"from_account", name},
                     {"to_user", t.user_id_to},
                     {"to_account", t.account_name_to},
                     {"value", t.value},
                     {"status", "Held"},
                     {"held_transaction_id", txid.ToString()},
                     {"held_at", IsoTime(now_ms)},
                     {"held_at_ms", now_ms}};
  tx.Put(kHolds, fmt::format("{:020}", id), hold.dump());
  return Response::Json(
      {{"hold_id", std::to_string(id)}, {"status", "Held"}, {"transaction_id", txid.ToString()}}, 202);
}

void RegisterHoldEndpoints(http::Router& router) {
  const auth::Policies members = {auth::MemberCertPolicy()};
  const auth::Policies both = {auth::MemberCertPolicy(), auth::UserCertPolicy()};
  router.AddRead("GET", "/app/holds", both, List,
                 Doc("Held transfers (?status=Held|Approved|Rejected); a user sees its own",
                     {{"200", "{\"holds\": [...]}"}}));
  router.AddRead("GET", "/app/holds/{hold_id}", both, One,
                 Doc("One held transfer", {{"200", "The hold"}, {"404", "ResourceNotFound"}}));
  const json decided = {{"200", "{hold_id, status, transaction_id}"},
                        {"400", "InvalidInput: bad body; target balance overflow"},
                        {"403", "UserFrozen"},
                        {"404", "ResourceNotFound: no such hold, target user or account"},
                        {"409", "HoldAlreadyDecided"}};
  router.AddWrite(
      "POST", "/app/holds/{hold_id}:approve", members,
      [](const Request& r, kv::Tx& tx, const bank::TxId& txid) { return Decide(r, tx, txid, true); },
      Doc("Approve a held transfer: it executes now, with its claim and receipt", decided));
  router.AddWrite(
      "POST", "/app/holds/{hold_id}:reject", members,
      [](const Request& r, kv::Tx& tx, const bank::TxId& txid) { return Decide(r, tx, txid, false); },
      Doc("Reject a held transfer (body {\"reason\"} optional): the reserved amount is released", decided));
  router.AddRead("GET", "/app/totals", members, Totals,
                 Doc("Sums over every account and hold, from one consistent state (conservation audit)",
                     {{"200", "{accounts, available, reserved, held, deposited} (decimal strings)"}}));
}

}  // namespace bankd::app
