#include "app/banking.hpp"

#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <limits>

#include "app/accounts.hpp"
#include "app/compliance.hpp"
#include "app/directory.hpp"
#include "app/holds.hpp"
#include "app/records.hpp"
#include "app/requests.hpp"
#include "auth/tables.hpp"
#include "bank/hash.hpp"

namespace bankd::app {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

constexpr uint64_t kMaxAmount = std::numeric_limits<uint64_t>::max();

json AccountJson(const std::string& user, const std::string& name, const Account& a) {
  return {{"account_name", name},
          {"user_id", user},
          {"balance", a.balance},
          {"reserved", a.reserved},
          {"created_at", IsoTime(a.created_at_ms)},
          {"created_transaction_id", a.created.ToString()}};
}

// A history entry as the API shows it.
json EntryJson(const HistoryEntry& e) {
  json j = {{"type", EntryTypeName(e.type)},
            {"counterparty", e.counterparty},
            {"amount", e.amount},
            {"transaction_id", e.txid.ToString()},
            {"timestamp", IsoTime(e.timestamp_ms)},
            {"account_name", e.account_name},
            {"balance", e.balance}};
  if (e.type != EntryType::kDeposit) j["counterparty_account"] = e.counterparty_account;
  return j;
}

// Runs a money operation at most once per (caller, Idempotency-Key): a
// retry gets the first result and the first transaction id back. The key
// is stored in the operation's own transaction, so both commit or neither.
Response Idempotent(const Request& request, kv::Tx& tx, const bank::TxId& txid,
                    const std::function<Response()>& execute) {
  const std::string* header = request.FindHeader("idempotency-key");
  if (header == nullptr) return execute();
  auto key = ParseIdempotencyKey(*header);
  if (!key.ok()) return Invalid(key.error);
  const std::string fingerprint =
      bank::DigestHex(bank::Sha256(request.method + " " + request.path + "\n" + request.body));
  const std::string store_key = request.caller.id + "/" + *key.value;
  if (auto stored = tx.Get(kIdempotency, store_key)) {
    json s = json::parse(*stored, nullptr, false);
    if (!s.is_object() || s.value("request", "") != fingerprint)
      return Response::Error(
          400, "InvalidHeaderValue",
          fmt::format("Idempotency-Key '{}' was already used for a different request.", *key.value));
    Response r;
    r.status = s.value("status", 200u);
    r.body = s.value("body", "");
    if (!r.body.empty()) r.SetHeader("content-type", "application/json");
    r.SetHeader(http::kTxIdHeader, s.value("transaction_id", ""));
    r.SetHeader("idempotent-replayed", "true");
    return r;
  }
  Response r = execute();
  if (r.success()) {
    tx.Put(kIdempotency, store_key,
           json{{"request", fingerprint},
                {"status", r.status},
                {"body", r.body},
                {"transaction_id", txid.ToString()}}
               .dump());
  }
  return r;
}

Response CreateAccount(const Request& r, kv::Tx& tx, const bank::TxId& txid) {
  const std::string& user = r.param("user_id");
  const std::string& name = r.param("account_name");
  if (auto bad = CheckAccountName(name)) return Invalid(*bad);
  if (!tx.Contains(tables::kUserCerts, user)) return UnknownUser(user);
  if (tx.Contains(AccountsTable(user), name)) return Response::NoContent();
  StoreAccount(tx, user, name, Account{0, NowMs(), txid, 0});
  return Response::NoContent();
}

Response Deposit(const Request& r, kv::Tx& tx, const bank::TxId& txid) {
  return Idempotent(r, tx, txid, [&] {
    auto value = ParseDepositBody(r.body);
    if (!value.ok()) return Invalid(value.error);
    const std::string& user = r.param("user_id");
    const std::string& name = r.param("account_name");
    if (!tx.Contains(tables::kUserCerts, user)) return UnknownUser(user);
    auto account = LoadAccount(tx, user, name);
    if (!account) return UnknownAccount(user, name);
    const uint64_t v = *value.value;
    // balance + reserved stays within 64 bits, so that releasing a hold
    // can never overflow.
    if (account->balance > kMaxAmount - v || account->reserved > kMaxAmount - v - account->balance)
      return Response::Error(
          400, "InvalidInput",
          fmt::format("Depositing {} would overflow the balance of account '{}'.", v, name));
    account->balance += v;
    std::vector<TxLeg> index;
    Record(tx, user, name, *account, {EntryType::kDeposit, v, 0, 0, {}, {}, r.caller.id, {}}, txid, NowMs(),
           &index);
    tx.Put(kTxIndex, txid.ToString(), Encode(index));
    auto deposited = tx.Get(kTotals, kDepositedKey);
    tx.Put(kTotals, kDepositedKey, Decimal((deposited ? ParseDecimal(*deposited) : 0) + v));
    return Response::NoContent();
  });
}

Response Transfer(const Request& r, kv::Tx& tx, const bank::TxId& txid) {
  return Idempotent(r, tx, txid, [&] {
    auto body = ParseTransferBody(r.body);
    if (!body.ok()) return Invalid(body.error);
    const TransferRequest& t = *body.value;
    const std::string& from = r.caller.id;
    const std::string& name = r.param("account_name");
    auto source = LoadAccount(tx, from, name);
    if (!source) return UnknownAccount(from, name);
    if (!tx.Contains(tables::kUserCerts, t.user_id_to)) return UnknownUser(t.user_id_to);
    if (!LoadAccount(tx, t.user_id_to, t.account_name_to))
      return UnknownAccount(t.user_id_to, t.account_name_to);
    // The consortium's rules (app/compliance.hpp), before the balance:
    // a refusal names the rule, whatever the sender holds.
    if (auto refused = CheckFrozen(tx, from, t.user_id_to)) return *refused;
    const TransferPolicy policy = LoadPolicy(tx);
    const int64_t now = NowMs();
    if (auto refused = CheckLimits(tx, policy, from, t.value, now)) return *refused;
    if (source->balance < t.value) return Response::Error(400, "InsufficientFunds", "Balance is not enough");
    AddOutgoing(tx, from, now, t.value);
    if (policy.review_above && t.value > *policy.review_above)
      return HoldTransfer(tx, txid, from, name, *source, t, now);
    source->balance -= t.value;
    if (auto refused = CompleteTransfer(tx, txid, from, name, *source, t, now)) return *refused;
    return Response::NoContent();
  });
}

Response Balance(const Request& r, const kv::Store& store) {
  auto account = LoadAccount(store, r.caller.id, r.param("account_name"));
  if (!account) return UnknownAccount(r.caller.id, r.param("account_name"));
  return Response::Json(
      {{"balance", account->balance}, {"available", account->balance}, {"reserved", account->reserved}});
}

Response AccountInfo(const Request& r, const kv::Store& store) {
  auto account = LoadAccount(store, r.caller.id, r.param("account_name"));
  if (!account) return UnknownAccount(r.caller.id, r.param("account_name"));
  return Response::Json(AccountJson(r.caller.id, r.param("account_name"), *account));
}

Response ListAccounts(const Request& r, const kv::Store& store) {
  json accounts = json::array();
  store.ForEach(AccountsTable(r.caller.id), [&](const std::string& name, const std::string& value) {
    if (auto a = DecodeAccount(value)) accounts.push_back(AccountJson(r.caller.id, name, *a));
    return true;
  });
  return Response::Json({{"accounts", accounts}});
}

Response History(const Request& r, const kv::Store& store) {
  auto range = ParseDateRange(r.query_param("from"), r.query_param("to"));
  if (!range.ok()) return Invalid(range.error);
  const std::string& name = r.param("account_name");
  auto account = LoadAccount(store, r.caller.id, name);
  if (!account) return UnknownAccount(r.caller.id, name);
  // The entries are numbered 0 .. entries - 1: read by key, so that the
  // history table (two rows per transfer) needs no ordered index.
  json entries = json::array();
  for (uint64_t i = 0; i < account->entries; ++i) {
    const std::string* value = store.Find(kHistory, HistoryKey(r.caller.id, name, i));
    auto e = value == nullptr ? std::nullopt : DecodeHistoryEntry(*value);
    if (e && e->timestamp_ms >= range.value->from_ms && e->timestamp_ms < range.value->to_ms)
      entries.push_back(EntryJson(*e));
  }
  return Response::Json({{"transactions", entries}});
}

Response OneTransaction(const Request& r, const kv::Store& store) {
  const std::string& text = r.param("transaction_id");
  auto txid = bank::TxId::Parse(text);
  if (!txid)
    return Response::Error(400, "InvalidResourceName",
                           fmt::format("'{}' is not a transaction id (expected <view>.<seqno>).", text));
  const std::string* index = store.Find(kTxIndex, txid->ToString());
  auto legs = index == nullptr ? std::nullopt : DecodeTxLegs(*index);
  for (const auto& leg : legs ? *legs : std::vector<TxLeg>{}) {
    if (leg.user != r.caller.id) continue;
    const std::string* stored = store.Find(kHistory, HistoryKey(r.caller.id, leg.account, leg.index));
    if (auto entry = stored == nullptr ? std::nullopt : DecodeHistoryEntry(*stored))
      return Response::Json(EntryJson(*entry));
  }
  return Response::Error(404, "ResourceNotFound",
                         fmt::format("Transaction {} did not touch any of your accounts.", txid->ToString()));
}

// OpenAPI fragments.
json Errors(std::initializer_list<std::pair<const char*, const char*>> codes) {
  json responses = json::object();
  for (const auto& [status, description] : codes) responses[status] = {{"description", description}};
  return responses;
}

json Body(json properties, std::vector<std::string> required) {
  return {{"required", true},
          {"content",
           {{"application/json",
             {{"schema", {{"type", "object"}, {"properties", properties}, {"required", required}}}}}}}};
}

const json kValue = {{"type", "integer"}, {"format", "uint64"}, {"minimum", 1}};

}  // namespace

void RegisterBankingEndpoints(http::Router& router) {
  RegisterDirectoryEndpoints(router);
  RegisterPolicyEndpoints(router);
  RegisterHoldEndpoints(router);
  const auth::Policies members = {auth::MemberCertPolicy()};
  const auth::Policies users = {auth::UserCertPolicy()};

  router.AddWrite("PUT", "/app/account/{user_id}/{account_name}", members, CreateAccount,
                  {{"summary", "Create an account for a user (no-op when it exists)"},
                   {"responses", Errors({{"204", "Created or already there"},
                                         {"400", "InvalidResourceName: account name not UTF-8"},
                                         {"404", "ResourceNotFound: unknown user"}})}});
  router.AddWrite(
      "POST", "/app/deposit/{user_id}/{account_name}", members, Deposit,
      {{"summary", "Deposit money (Idempotency-Key header supported)"},
       {"requestBody", Body({{"value", kValue}}, {"value"})},
       {"responses", Errors({{"204", "Deposited"},
                             {"400",
                              "InvalidInput: bad JSON, value not a positive integer, or balance overflow; "
                              "InvalidHeaderValue: bad or reused Idempotency-Key"},
                             {"404", "ResourceNotFound: unknown user or account"}})}});
  router.AddWrite(
      "POST", "/app/transfer/{account_name}", users, Transfer,
      {{"summary", "Transfer from one of the caller's accounts; claim \"<from> sent <value> to <to>\""},
       {"requestBody", Body({{"value", kValue},
                             {"user_id_to", {{"type", "string"}}},
                             {"account_name_to", {{"type", "string"}}}},
                            {"value", "user_id_to", "account_name_to"})},
       {"responses",
        Errors({{"204", "Transferred"},
                {"202", "Held for review (above review_above): {hold_id, status, transaction_id}"},
                {"400",
                 "InvalidInput: bad JSON or value; InsufficientFunds: \"Balance is not enough\"; "
                 "TransferLimitExceeded; DailyLimitExceeded; "
                 "InvalidHeaderValue: bad or reused Idempotency-Key"},
                {"403", "UserFrozen: the sender or the receiver is frozen"},
                {"404", "ResourceNotFound: unknown source account, target user or target account"}})}});
  router.AddRead(
      "GET", "/app/balance/{account_name}", users, Balance,
      {{"summary", "Balance of one of the caller's accounts"},
       {"responses", Errors({{"200", "{\"balance\": N}"}, {"404", "ResourceNotFound: unknown account"}})}});
  router.AddRead(
      "GET", "/app/account/{account_name}", users, AccountInfo,
      {{"summary", "One of the caller's accounts: balance, creation time and transaction"},
       {"responses", Errors({{"200", "{account_name, user_id, balance, created_at, created_transaction_id}"},
                             {"404", "ResourceNotFound: unknown account"}})}});
  router.AddRead("GET", "/app/accounts", users, ListAccounts,
                 {{"summary", "All of the caller's accounts"},
                  {"responses", Errors({{"200", "{\"accounts\": [...]}"}})}});
  router.AddRead(
      "GET", "/app/transactions/{account_name}", users, History,
      {{"summary",
        "History of one of the caller's accounts (?from=YYYY-MM-DD&to=YYYY-MM-DD, inclusive, UTC)"},
       {"responses", Errors({{"200",
                              "{\"transactions\": [{transaction_id, timestamp, type, counterparty, "
                              "counterparty_account, amount, balance}]}"},
                             {"400", "InvalidQueryParameterValue: bad date"},
                             {"404", "ResourceNotFound: unknown account"}})}});
  router.AddRead(
      "GET", "/app/transaction/{transaction_id}", users, OneTransaction,
      {{"summary", "One history entry of the caller's, by transaction id"},
       {"responses", Errors({{"200", "One history entry"},
                             {"400", "InvalidResourceName: not a transaction id"},
                             {"404", "ResourceNotFound: not a transaction of the caller's accounts"}})}});
}

}  // namespace bankd::app
