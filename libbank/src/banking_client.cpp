#include "bank/banking_client.hpp"

#include <openssl/rand.h>

#include <cctype>
#include <cstdio>

#include "bank/encoding.hpp"

namespace bank {
namespace {

using nlohmann::json;

Status Malformed(const std::string& what, const json& j) {
  std::string text = j.dump();
  if (text.size() > 120) text = text.substr(0, 120) + "...";
  return Status::Rejected("unexpected " + what + " from the service: " + text);
}

std::optional<uint64_t> GetAmount(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  int64_t v = it->get<int64_t>();
  if (v < 0) return std::nullopt;
  return static_cast<uint64_t>(v);
}

std::string GetString(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

Result<Account> ParseAccount(const json& j) {
  if (!j.is_object()) return Malformed("account", j);
  Account a;
  a.account_name = GetString(j, "account_name");
  a.user_id = GetString(j, "user_id");
  a.created_at = GetString(j, "created_at");
  a.created_transaction_id = GetString(j, "created_transaction_id");
  auto balance = GetAmount(j, "balance");
  if (a.account_name.empty() || !balance) return Malformed("account", j);
  a.balance = *balance;
  return a;
}

Result<AccountEntry> ParseEntry(const json& j) {
  if (!j.is_object()) return Malformed("history entry", j);
  AccountEntry e;
  e.transaction_id = GetString(j, "transaction_id");
  e.account_name = GetString(j, "account_name");
  e.timestamp = GetString(j, "timestamp");
  e.type = GetString(j, "type");
  e.counterparty = GetString(j, "counterparty");
  e.counterparty_account = GetString(j, "counterparty_account");
  auto amount = GetAmount(j, "amount");
  auto balance = GetAmount(j, "balance");
  if (e.transaction_id.empty() || e.type.empty() || !amount || !balance) return Malformed("history entry", j);
  e.amount = *amount;
  e.balance = *balance;
  return e;
}

// 128 random bits, hex: unique per operation, reused only by its retries.
std::string NewIdempotencyKey() {
  Bytes b(16);
  RAND_bytes(b.data(), static_cast<int>(b.size()));
  return ToHex(b);
}

// CCF's answer for a path no endpoint serves: 404 ResourceNotFound
// "Unknown path: /app/...".
bool IsUnknownPath(const Response& r) {
  if (r.status != 404) return false;
  auto e = r.ccf_error();
  return e && e->code == "ResourceNotFound" && e->message.starts_with("Unknown path");
}

}  // namespace

json ToJson(const Account& a) {
  return {{"account_name", a.account_name},
          {"user_id", a.user_id},
          {"balance", a.balance},
          {"created_at", a.created_at},
          {"created_transaction_id", a.created_transaction_id}};
}

json ToJson(const AccountEntry& e) {
  json j = {{"transaction_id", e.transaction_id}, {"timestamp", e.timestamp}, {"type", e.type},
            {"counterparty", e.counterparty},     {"amount", e.amount},       {"balance", e.balance}};
  if (!e.counterparty_account.empty()) j["counterparty_account"] = e.counterparty_account;
  return j;
}

std::string EncodePathSegment(const std::string& segment) {
  std::string out;
  for (unsigned char c : segment) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

bool IsIsoDate(const std::string& t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(t[i]))) return false;
  int y = std::stoi(t.substr(0, 4)), m = std::stoi(t.substr(5, 2)), d = std::stoi(t.substr(8, 2));
  if (m < 1 || m > 12 || d < 1) return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

Result<TxId> BankingClient::Write(const std::string& method, const std::string& path,
                                  const std::string& body) {
  auto r = http_->Request(method, path, body, body.empty() ? "" : "application/json",
                          {{"Idempotency-Key", NewIdempotencyKey()}});
  if (!r.ok()) return r.status();
  if (!r->success()) return r->ToStatus();
  auto txid = r->txid();
  if (!txid) return Status::Rejected(method + " " + path + ": the service sent no x-ms-ccf-transaction-id");
  return *txid;
}

Result<json> BankingClient::GetExtension(const std::string& path, const std::string& what) {
  auto r = http_->Get(path);
  if (!r.ok()) return r.status();
  if (IsUnknownPath(*r))
    return Status::NotFound("this service does not provide " + what + " (it is not bankd)");
  if (!r->success()) return r->ToStatus();
  return r->json();
}

Result<TxId> BankingClient::CreateAccount(const std::string& user_id, const std::string& account_name) {
  return Write("PUT", "/app/account/" + EncodePathSegment(user_id) + "/" + EncodePathSegment(account_name),
               "");
}

Result<TxId> BankingClient::Deposit(const std::string& user_id, const std::string& account_name,
                                    uint64_t value) {
  return Write("POST", "/app/deposit/" + EncodePathSegment(user_id) + "/" + EncodePathSegment(account_name),
               json{{"value", value}}.dump());
}

Result<TransferResult> BankingClient::Transfer(const std::string& account_name, const std::string& user_id_to,
                                               const std::string& account_name_to, uint64_t value) {
  const std::string path = "/app/transfer/" + EncodePathSegment(account_name);
  auto r = http_->Request(
      "POST", path,
      json{{"value", value}, {"user_id_to", user_id_to}, {"account_name_to", account_name_to}}.dump(),
      "application/json", {{"Idempotency-Key", NewIdempotencyKey()}});
  if (!r.ok()) return r.status();
  if (!r->success()) return r->ToStatus();
  auto txid = r->txid();
  if (!txid) return Status::Rejected("POST " + path + ": the service sent no x-ms-ccf-transaction-id");
  TransferResult out{*txid, ""};
  if (r->status == 202) {  // held for review by the consortium's policy
    auto j = r->json();
    if (!j.ok()) return j.status();
    out.hold_id = j->is_object() ? GetString(*j, "hold_id") : "";
    if (out.hold_id.empty()) return Malformed("held transfer", *j);
  }
  return out;
}

Result<json> BankingClient::Directory(const std::string& name_star_bank) {
  return GetExtension("/app/directory/" + EncodePathSegment(name_star_bank), "a directory of names");
}

Result<json> BankingClient::Policy() { return GetExtension("/app/policy", "a transfer policy"); }

Result<json> BankingClient::Holds(const std::string& status) {
  return GetExtension("/app/holds" + (status.empty() ? "" : "?status=" + EncodePathSegment(status)),
                      "held transfers");
}

Result<json> BankingClient::DecideHold(const std::string& hold_id, bool approve, const std::string& reason) {
  auto r = http_->Request(
      "POST", "/app/holds/" + EncodePathSegment(hold_id) + (approve ? ":approve" : ":reject"),
      reason.empty() ? "" : json{{"reason", reason}}.dump(), reason.empty() ? "" : "application/json");
  if (!r.ok()) return r.status();
  if (IsUnknownPath(*r)) return Status::NotFound("this service does not provide held transfers");
  if (!r->success()) return r->ToStatus();
  auto j = r->json();
  if (!j.ok()) return j.status();
  // A CCF JavaScript app cannot know its own transaction id while it runs:
  // the header carries it (bankd puts it in the body as well).
  if (j->is_object() && !j->contains("transaction_id") && r->txid())
    (*j)["transaction_id"] = r->txid()->ToString();
  return *j;
}

Result<BalanceReading> BankingClient::Balance(const std::string& account_name) {
  auto r = http_->Get("/app/balance/" + EncodePathSegment(account_name));
  if (!r.ok()) return r.status();
  if (!r->success()) return r->ToStatus();
  auto j = r->json();
  if (!j.ok()) return j.status();
  auto balance = j->is_object() ? GetAmount(*j, "balance") : std::nullopt;
  if (!balance) return Malformed("balance", *j);
  return BalanceReading{*balance, GetAmount(*j, "reserved").value_or(0), r->txid()};
}

Result<std::vector<AccountEntry>> BankingClient::History(const std::string& account_name,
                                                         const std::string& from, const std::string& to) {
  std::string path = "/app/transactions/" + EncodePathSegment(account_name);
  std::string query;
  if (!from.empty()) query += "from=" + EncodePathSegment(from);
  if (!to.empty()) query += std::string(query.empty() ? "" : "&") + "to=" + EncodePathSegment(to);
  if (!query.empty()) path += "?" + query;
  auto j = GetExtension(path, "account history");
  if (!j.ok()) return j.status();
  if (!j->is_object() || !j->contains("transactions") || !(*j)["transactions"].is_array())
    return Malformed("history", *j);
  std::vector<AccountEntry> out;
  for (const auto& e : (*j)["transactions"]) {
    auto entry = ParseEntry(e);
    if (!entry.ok()) return entry.status();
    out.push_back(std::move(*entry));
  }
  return out;
}

Result<AccountEntry> BankingClient::TransactionInfo(const TxId& txid) {
  auto j = GetExtension("/app/transaction/" + txid.ToString(), "transaction details");
  if (!j.ok()) return j.status();
  return ParseEntry(*j);
}

Result<Account> BankingClient::AccountInfo(const std::string& account_name) {
  auto j = GetExtension("/app/account/" + EncodePathSegment(account_name), "account details");
  if (!j.ok()) return j.status();
  return ParseAccount(*j);
}

Result<std::vector<Account>> BankingClient::ListAccounts() {
  auto j = GetExtension("/app/accounts", "a list of accounts");
  if (!j.ok()) return j.status();
  if (!j->is_object() || !j->contains("accounts") || !(*j)["accounts"].is_array())
    return Malformed("accounts", *j);
  std::vector<Account> out;
  for (const auto& a : (*j)["accounts"]) {
    auto account = ParseAccount(a);
    if (!account.ok()) return account.status();
    out.push_back(std::move(*account));
  }
  return out;
}

Result<TxStatus> BankingClient::GetTxStatus(const TxId& txid) {
  auto r = http_->Get("/app/tx?transaction_id=" + txid.ToString());
  if (!r.ok()) return r.status();
  if (!r->success()) return r->ToStatus();
  auto j = r->json();
  if (!j.ok()) return j.status();
  auto status = ParseTxStatus(j->is_object() ? GetString(*j, "status") : "");
  if (!status) return Malformed("transaction status", *j);
  return *status;
}

Result<TxId> BankingClient::Commit() {
  auto r = http_->Get("/app/commit");
  if (!r.ok()) return r.status();
  if (!r->success()) return r->ToStatus();
  auto j = r->json();
  if (!j.ok()) return j.status();
  auto txid = TxId::Parse(j->is_object() ? GetString(*j, "transaction_id") : "");
  if (!txid) return Malformed("commit", *j);
  return *txid;
}

}  // namespace bank
