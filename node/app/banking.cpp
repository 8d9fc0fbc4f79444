#include "app/banking.hpp"

#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <limits>

#include "app/records.hpp"
#include "app/requests.hpp"
#include "auth/tables.hpp"
#include "bank/certificate.hpp"
#include "bank/hash.hpp"

namespace bankd::app {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

constexpr const char* kAccounts = "bank.accounts";
constexpr const char* kHistory = "bank.history";
constexpr const char* kTxIndex = "bank.transactions";
constexpr const char* kIdempotency = "bank.idempotency";
constexpr uint64_t kMaxAmount = std::numeric_limits<uint64_t>::max();

std::string Escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '%')
      out += "%25";
    else if (c == '/')
      out += "%2F";
    else
      out.push_back(c);
  }
  return out;
}

std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.substr(i, 3) == "%25") {
      out.push_back('%');
      i += 2;
    } else if (s.substr(i, 3) == "%2F") {
      out.push_back('/');
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string AccountKey(const std::string& user, const std::string& account) {
  return user + "/" + Escape(account);
}
std::string HistoryKey(const std::string& user, const std::string& account, uint64_t index) {
  return fmt::format("{}/{:020}", AccountKey(user, account), index);
}
// Keys in [prefix + "/", prefix + "0"): '0' is the character after '/'.
std::string RangeEnd(const std::string& prefix) { return prefix + "0"; }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
std::string IsoTime(int64_t ms) { return bank::FormatTime(static_cast<std::time_t>(ms / 1000)); }

std::optional<Account> LoadAccount(const kv::Store& store, const std::string& user,
                                   const std::string& account) {
  const std::string* value = store.Find(kAccounts, AccountKey(user, account));
  if (value == nullptr) return std::nullopt;
  return DecodeAccount(*value);
}
std::optional<Account> LoadAccount(const kv::Tx& tx, const std::string& user, const std::string& account) {
  auto value = tx.Get(kAccounts, AccountKey(user, account));
  if (!value) return std::nullopt;
  return DecodeAccount(*value);
}

json AccountJson(const std::string& user, const std::string& name, const Account& a) {
  return {{"account_name", name},
          {"user_id", user},
          {"balance", a.balance},
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

Response UnknownUser(const std::string& user) {
  return Response::Error(404, "ResourceNotFound", fmt::format("User {} does not exist.", user));
}
Response UnknownAccount(const std::string& user, const std::string& account) {
  return Response::Error(404, "ResourceNotFound",
                         fmt::format("Account '{}' of user {} does not exist.", account, user));
}
Response Invalid(const InputError& e) { return Response::Error(400, e.code, e.message); }

// Appends one history entry of `account` (whose balance the caller already
// updated; `entry` has its type, amount and counterparty), stores the
// account, and adds the entry to the transaction's index.
void Record(kv::Tx& tx, const std::string& user, const std::string& name, Account& account,
            HistoryEntry entry, const bank::TxId& txid, int64_t now_ms, std::vector<TxLeg>* index) {
  const uint64_t n = account.entries++;
  entry.txid = txid;
  entry.timestamp_ms = now_ms;
  entry.account_name = name;
  entry.balance = account.balance;
  tx.Put(kHistory, HistoryKey(user, name, n), Encode(entry));
  tx.Put(kAccounts, AccountKey(user, name), Encode(account));
  index->push_back({user, name, n});
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
  const std::string key = AccountKey(user, name);
  if (tx.Contains(kAccounts, key)) return Response::NoContent();
  tx.Put(kAccounts, key, Encode(Account{0, NowMs(), txid, 0}));
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
    if (account->balance > kMaxAmount - v)
      return Response::Error(
          400, "InvalidInput",
          fmt::format("Depositing {} would overflow the balance of account '{}'.", v, name));
    account->balance += v;
    std::vector<TxLeg> index;
    Record(tx, user, name, *account, {EntryType::kDeposit, v, 0, 0, {}, {}, r.caller.id, {}}, txid, NowMs(),
           &index);
    tx.Put(kTxIndex, txid.ToString(), Encode(index));
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
    if (source->balance < t.value) return Response::Error(400, "InsufficientFunds", "Balance is not enough");

    const int64_t now = NowMs();
    std::vector<TxLeg> index;
    index.reserve(2);
    source->balance -= t.value;
    Record(tx, from, name, *source,
           {EntryType::kTransferOut, t.value, 0, 0, {}, {}, t.user_id_to, t.account_name_to}, txid, now,
           &index);
    // Loaded after the debit: a transfer to the same account sees it.
    auto target = LoadAccount(tx, t.user_id_to, t.account_name_to);
    if (target->balance > kMaxAmount - t.value)
      return Response::Error(400, "InvalidInput",
                             fmt::format("Transferring {} would overflow the balance of account '{}'.",
                                         t.value, t.account_name_to));
    target->balance += t.value;
    Record(tx, t.user_id_to, t.account_name_to, *target,
           {EntryType::kTransferIn, t.value, 0, 0, {}, {}, from, name}, txid, now, &index);
    tx.Put(kTxIndex, txid.ToString(), Encode(index));
    // The application claim: its digest goes into the Merkle leaf, so a
    // receipt proves the transfer offline.
    tx.SetClaim(fmt::format("{} sent {} to {}", from, t.value, t.user_id_to));
    return Response::NoContent();
  });
}

Response Balance(const Request& r, const kv::Store& store) {
  auto account = LoadAccount(store, r.caller.id, r.param("account_name"));
  if (!account) return UnknownAccount(r.caller.id, r.param("account_name"));
  return Response::Json({{"balance", account->balance}});
}

Response AccountInfo(const Request& r, const kv::Store& store) {
  auto account = LoadAccount(store, r.caller.id, r.param("account_name"));
  if (!account) return UnknownAccount(r.caller.id, r.param("account_name"));
  return Response::Json(AccountJson(r.caller.id, r.param("account_name"), *account));
}

Response ListAccounts(const Request& r, const kv::Store& store) {
  json accounts = json::array();
  const std::string prefix = r.caller.id + "/";
  store.ForEach(
      kAccounts,
      [&](const std::string& key, const std::string& value) {
        if (auto a = DecodeAccount(value))
          accounts.push_back(
              AccountJson(r.caller.id, Unescape(std::string_view(key).substr(prefix.size())), *a));
        return true;
      },
      prefix, RangeEnd(r.caller.id));
  return Response::Json({{"accounts", accounts}});
}

Response History(const Request& r, const kv::Store& store) {
  auto range = ParseDateRange(r.query_param("from"), r.query_param("to"));
  if (!range.ok()) return Invalid(range.error);
  const std::string& name = r.param("account_name");
  if (!LoadAccount(store, r.caller.id, name)) return UnknownAccount(r.caller.id, name);
  const std::string prefix = AccountKey(r.caller.id, name);
  json entries = json::array();
  store.ForEach(
      kHistory,
      [&](const std::string&, const std::string& value) {
        auto e = DecodeHistoryEntry(value);
        if (e && e->timestamp_ms >= range.value->from_ms && e->timestamp_ms < range.value->to_ms)
          entries.push_back(EntryJson(*e));
        return true;
      },
      prefix + "/", RangeEnd(prefix));
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
                {"400",
                 "InvalidInput: bad JSON or value; InsufficientFunds: \"Balance is not enough\"; "
                 "InvalidHeaderValue: bad or reused Idempotency-Key"},
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
