// The banking tables and the operations on them that several endpoints
// share: keys, loading accounts, appending history, and completing a
// transfer (used by POST /app/transfer and by the approval of a held
// transfer, app/holds.hpp).
//
// Tables (private; values in app/records.hpp's binary encoding, except
// bank.idempotency's JSON and bank.totals' decimal text):
//   user_accounts:<user_id>  "<account>"                  -> Account (available, reserved, creation, entries)
//   bank.history       "<user_id>/<account>/<index>" -> HistoryEntry (index: 20 digits)
//   bank.transactions  "<txid>"                      -> the TxLegs (user, account, index) it wrote
//   bank.idempotency   "<caller_id>/<key>"           -> {"request","status","body","transaction_id"}
//   bank.totals        "deposited"                   -> decimal sum of every deposit (128-bit)
// The accounts are CCF's banking sample's tables, one per user, keyed by
// the account name as it is (ccf-app/src/tables.js names them alike).
// In the other tables' keys account names are escaped ('%' -> %25,
// '/' -> %2F) so that '/' separates fields unambiguously.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/records.hpp"
#include "app/requests.hpp"
#include "http/message.hpp"
#include "kv/tx.hpp"

namespace bankd::app {

inline constexpr std::string_view kAccountsPrefix = "user_accounts:";
inline constexpr const char* kHistory = "bank.history";
inline constexpr const char* kTxIndex = "bank.transactions";
inline constexpr const char* kIdempotency = "bank.idempotency";
inline constexpr const char* kTotals = "bank.totals";
inline constexpr const char* kDepositedKey = "deposited";

std::string Escape(std::string_view s);
// "user_accounts:<user>": the table of `user`'s accounts.
std::string AccountsTable(std::string_view user);
// "<user>/<escaped account>/<index>": the key of the account's history
// entry `index` (0 .. Account::entries - 1).
std::string HistoryKey(const std::string& user, const std::string& account, uint64_t index);

int64_t NowMs();
std::string IsoTime(int64_t ms);

std::optional<Account> LoadAccount(const kv::Store& store, const std::string& user,
                                   const std::string& account);
std::optional<Account> LoadAccount(const kv::Tx& tx, const std::string& user, const std::string& account);
void StoreAccount(kv::Tx& tx, const std::string& user, const std::string& account, const Account& value);

http::Response UnknownUser(const std::string& user);
http::Response UnknownAccount(const std::string& user, const std::string& account);
http::Response Invalid(const InputError& e);

// Appends one history entry of `account` (whose balance the caller already
// updated; `entry` has its type, amount and counterparty), stores the
// account, and adds the entry to the transaction's index.
void Record(kv::Tx& tx, const std::string& user, const std::string& name, Account& account,
            HistoryEntry entry, const bank::TxId& txid, int64_t now_ms, std::vector<TxLeg>* index);

// Completes a transfer of `t.value` from account `name` of `from`, whose
// record `source` the caller has already debited (from its available
// balance, or from its reserved amount for an approved hold) but not
// stored: writes both history entries, credits the target, indexes the
// transaction and sets the claim "<from> sent <value> to <to>". The target
// must exist. Returns the refusal (400 InvalidInput when the target's
// balance would overflow), or nullopt.
std::optional<http::Response> CompleteTransfer(kv::Tx& tx, const bank::TxId& txid, const std::string& from,
                                               const std::string& name, Account source,
                                               const TransferRequest& t, int64_t now_ms);

// Decimal text of an unsigned 128-bit sum (totals can pass 2^64).
std::string Decimal(unsigned __int128 v);
// The decimal text stored by Decimal; 0 when absent or malformed.
unsigned __int128 ParseDecimal(std::string_view text);

}  // namespace bankd::app
