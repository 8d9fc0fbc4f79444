#include "app/accounts.hpp"

#include <fmt/format.h>

#include <chrono>
#include <limits>

#include "bank/certificate.hpp"

namespace bankd::app {

using http::Response;

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

std::string AccountsTable(std::string_view user) {
  std::string table(kAccountsPrefix);
  table += user;
  return table;
}
std::string HistoryKey(const std::string& user, const std::string& account, uint64_t index) {
  return fmt::format("{}/{}/{:020}", user, Escape(account), index);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
std::string IsoTime(int64_t ms) { return bank::FormatTime(static_cast<std::time_t>(ms / 1000)); }

std::optional<Account> LoadAccount(const kv::Store& store, const std::string& user,
                                   const std::string& account) {
  const std::string* value = store.Find(AccountsTable(user), account);
  if (value == nullptr) return std::nullopt;
  return DecodeAccount(*value);
}
std::optional<Account> LoadAccount(const kv::Tx& tx, const std::string& user, const std::string& account) {
  auto value = tx.Get(AccountsTable(user), account);
  if (!value) return std::nullopt;
  return DecodeAccount(*value);
}
void StoreAccount(kv::Tx& tx, const std::string& user, const std::string& account, const Account& value) {
  tx.Put(AccountsTable(user), account, Encode(value));
}

Response UnknownUser(const std::string& user) {
  return Response::Error(404, "ResourceNotFound", fmt::format("User {} does not exist.", user));
}
Response UnknownAccount(const std::string& user, const std::string& account) {
  return Response::Error(404, "ResourceNotFound",
                         fmt::format("Account '{}' of user {} does not exist.", account, user));
}
Response Invalid(const InputError& e) { return Response::Error(400, e.code, e.message); }

void Record(kv::Tx& tx, const std::string& user, const std::string& name, Account& account,
            HistoryEntry entry, const bank::TxId& txid, int64_t now_ms, std::vector<TxLeg>* index) {
  const uint64_t n = account.entries++;
  entry.txid = txid;
  entry.timestamp_ms = now_ms;
  entry.account_name = name;
  entry.balance = account.balance;
  tx.Put(kHistory, HistoryKey(user, name, n), Encode(entry));
  StoreAccount(tx, user, name, account);
  index->push_back({user, name, n});
}

std::optional<Response> CompleteTransfer(kv::Tx& tx, const bank::TxId& txid, const std::string& from,
                                         const std::string& name, Account source, const TransferRequest& t,
                                         int64_t now_ms) {
  std::vector<TxLeg> index;
  index.reserve(2);
  Record(tx, from, name, source,
         {EntryType::kTransferOut, t.value, 0, 0, {}, {}, t.user_id_to, t.account_name_to}, txid, now_ms,
         &index);
  // Loaded after the debit is stored: a transfer to the same account sees it.
  auto target = LoadAccount(tx, t.user_id_to, t.account_name_to);
  // balance + reserved stays within 64 bits (see Deposit).
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  if (target->balance > kMax - t.value || target->reserved > kMax - t.value - target->balance)
    return Response::Error(400, "InvalidInput",
                           fmt::format("Transferring {} would overflow the balance of account '{}'.", t.value,
                                       t.account_name_to));
  target->balance += t.value;
  Record(tx, t.user_id_to, t.account_name_to, *target,
         {EntryType::kTransferIn, t.value, 0, 0, {}, {}, from, name}, txid, now_ms, &index);
  tx.Put(kTxIndex, txid.ToString(), Encode(index));
  // The application claim: its digest goes into the Merkle leaf, so a
  // receipt proves the transfer offline.
  tx.SetClaim(fmt::format("{} sent {} to {}", from, t.value, t.user_id_to));
  return std::nullopt;
}

std::string Decimal(unsigned __int128 v) {
  std::string out;
  do {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  return out;
}

unsigned __int128 ParseDecimal(std::string_view text) {
  unsigned __int128 v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v;
}

}  // namespace bankd::app
