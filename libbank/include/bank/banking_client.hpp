// The banking application's API (design.md, "The banking API"), typed.
//
// Contract:
//  - Writes return the transaction id the service assigned
//    (x-ms-ccf-transaction-id); a write answered without one is an error.
//  - Every write carries a fresh random Idempotency-Key, so the HttpClient
//    retries it with the same key when the connection fails: bankd runs a
//    money operation (Deposit, Transfer) at most once per key and answers a
//    retry with the first result; CreateAccount is idempotent by contract.
//    (A CCF service running the JS banking app ignores the header: there a
//    retried deposit after a lost connection could apply twice.)
//  - Non-2xx answers become the Status of Response::ToStatus(). Calls that
//    only bankd serves (History, TransactionInfo, AccountInfo, ListAccounts)
//    say so plainly when the service does not know the path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bank/http_client.hpp"
#include "bank/status.hpp"
#include "bank/txid.hpp"

namespace bank {

struct Account {
  std::string account_name;
  std::string user_id;
  uint64_t balance = 0;
  std::string created_at;              // ISO-8601 UTC
  std::string created_transaction_id;  // "<view>.<seqno>"
};

// One entry of an account's history.
struct AccountEntry {
  std::string transaction_id;
  std::string account_name;          // the caller's account
  std::string timestamp;             // ISO-8601 UTC
  std::string type;                  // "deposit", "transfer_in", "transfer_out"
  std::string counterparty;          // user id (depositing member for a deposit)
  std::string counterparty_account;  // empty for a deposit
  uint64_t amount = 0;
  uint64_t balance = 0;  // the account's balance after this entry
};

struct BalanceReading {
  uint64_t balance = 0;      // available
  uint64_t reserved = 0;     // held by transfers awaiting review (bankd, ccf-app)
  std::optional<TxId> txid;  // the last write this read could see
};

// A transfer's outcome: executed (hold_id empty), or held for review by the
// consortium's policy (202; hold_id set, txid the hold's transaction).
struct TransferResult {
  TxId txid;
  std::string hold_id;
  bool held() const { return !hold_id.empty(); }
};

nlohmann::json ToJson(const Account& a);
nlohmann::json ToJson(const AccountEntry& e);

class BankingClient {
 public:
  // `http` is not owned and must outlive this client.
  explicit BankingClient(HttpClient* http) : http_(http) {}

  // Member calls.
  Result<TxId> CreateAccount(const std::string& user_id, const std::string& account_name);
  Result<TxId> Deposit(const std::string& user_id, const std::string& account_name, uint64_t value);

  // User calls, on the caller's own accounts.
  Result<BalanceReading> Balance(const std::string& account_name);
  Result<TransferResult> Transfer(const std::string& account_name, const std::string& user_id_to,
                                  const std::string& account_name_to, uint64_t value);
  // `from` / `to`: "YYYY-MM-DD" (inclusive, UTC) or empty for unbounded.
  Result<std::vector<AccountEntry>> History(const std::string& account_name, const std::string& from = "",
                                            const std::string& to = "");
  Result<AccountEntry> TransactionInfo(const TxId& txid);
  Result<Account> AccountInfo(const std::string& account_name);
  Result<std::vector<Account>> ListAccounts();

  // Users and members (bankd and the ccf-app bundle): the consortium's
  // directory (GET /app/directory/{name*bank}: {user_id, bank, member_id,
  // name}), its transfer policy (GET /app/policy) and held transfers
  // (members: all; users: their own).
  Result<nlohmann::json> Directory(const std::string& name_star_bank);
  Result<nlohmann::json> Policy();
  Result<nlohmann::json> Holds(const std::string& status = "");
  // Members: approve or reject a hold; {hold_id, status, transaction_id}.
  Result<nlohmann::json> DecideHold(const std::string& hold_id, bool approve, const std::string& reason = "");

  // Any caller (no authentication needed).
  Result<TxStatus> GetTxStatus(const TxId& txid);
  Result<TxId> Commit();

 private:
  // A write with a fresh Idempotency-Key.
  Result<TxId> Write(const std::string& method, const std::string& path, const std::string& body);
  // GET of a bankd-only endpoint; `what` names it in the "not bankd" message.
  Result<nlohmann::json> GetExtension(const std::string& path, const std::string& what);

  HttpClient* http_;
};

// Percent-encodes one path segment (RFC 3986 unreserved characters kept).
std::string EncodePathSegment(const std::string& segment);

// True for "YYYY-MM-DD" naming a real calendar date.
bool IsIsoDate(const std::string& text);

}  // namespace bank
