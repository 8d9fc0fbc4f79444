// The crash harness's record of every money operation it ever sent, and
// the checks that bankd's state must pass against it after each restart.
//
// Life of an operation (all states are the harness's knowledge, never
// bankd's):
//   kSent      recorded before the request leaves; no answer (yet).
//   kAcked     answered 2xx with a transaction id, not yet seen Committed.
//   kCommitted bankd reported its transaction id Committed (GET /app/tx).
//   kRefused   answered 4xx: it had no effect.
// After a restart every kSent/kAcked operation is sent again with the same
// Idempotency-Key: bankd answers the first result if it survived, or runs
// it now if it did not. Either way it then happened exactly once, so the
// expected state is exact: every balance, every history entry.
//
// Thread-safe: load threads record concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bank/txid.hpp"

namespace bank::crash {

// An account: user index (user0..) and account name.
struct AccountRef {
  int user = 0;
  std::string name;
  bool operator<(const AccountRef& o) const { return std::tie(user, name) < std::tie(o.user, o.name); }
  bool operator==(const AccountRef& o) const { return user == o.user && name == o.name; }
};

struct Op {
  enum class Kind { kDeposit, kTransfer };
  enum class State { kSent, kAcked, kCommitted, kRefused };
  uint64_t id = 0;
  Kind kind = Kind::kDeposit;
  int member = 0;   // kDeposit: the depositing member's index
  AccountRef from;  // kTransfer: the sender (its user sends the request)
  AccountRef to;
  uint64_t amount = 0;
  std::string key;  // Idempotency-Key
  State state = State::kSent;
  std::optional<TxId> txid;
  int cycle = 0;  // the cycle it was first sent in
  int committed_cycle = -1;
  bool answered = false;            // bankd answered it before the kill
  bool reported_committed = false;  // ... and said Committed before the kill
};

// What bankd shows for one account (from its HTTP API).
struct AccountView {
  uint64_t balance = 0;
  nlohmann::json transactions;  // GET /app/transactions/<name>: the array (null: not read)
};

class Journal {
 public:
  explicit Journal(std::string key_prefix) : key_prefix_(std::move(key_prefix)) {}

  // Records a new operation as kSent and returns a copy (with id and key).
  Op Add(Op op);
  // `answered`: during the load (before the kill), not when settling.
  void Acked(uint64_t id, const TxId& txid);
  void Refused(uint64_t id, bool answered);
  // Marks `id` Committed at `txid` (as bankd reported) in `cycle`.
  void Committed(uint64_t id, const TxId& txid, int cycle, bool before_kill);

  // Operations not settled: kSent or kAcked.
  std::vector<Op> Unsettled() const;
  std::vector<Op> CommittedIn(int cycle) const;
  std::vector<Op> All() const;

  struct Totals {
    uint64_t ops = 0, answered = 0, committed = 0, refused = 0, resent = 0;
    uint64_t deposits = 0, transfers = 0;                               // committed ones
    uint64_t transfers_answered = 0, transfers_reported_committed = 0;  // before a kill
  };
  Totals totals() const;
  void CountResend() {
    std::lock_guard lock(mu_);
    ++resent_;
  }

 private:
  mutable std::mutex mu_;
  std::string key_prefix_;
  std::vector<Op> ops_;
  uint64_t resent_ = 0;
};

// The balance every account must have once every operation in `ops` is
// settled (kCommitted or kRefused), from 0 and the committed operations.
std::map<AccountRef, uint64_t> ExpectedBalances(const std::vector<Op>& ops);

// Checks bankd's accounts against the journal, in which every operation
// is settled. `user_ids[i]` is user i's CCF id, `member_ids[m]` member m's.
// Returns one line per discrepancy (empty: all good):
//  - each account's balance is the expected one, and the balances sum to
//    the committed deposits;
//  - with histories (AccountView::transactions not null): each replays
//    from 0 to its balance (each entry's balance is the running sum);
//    every committed operation appears exactly once per leg, at its
//    transaction id, with its amount and counterparty; and no entry exists
//    that no committed operation explains (nothing applied twice).
std::vector<std::string> CheckAccounts(const std::vector<Op>& ops,
                                       const std::map<AccountRef, AccountView>& accounts,
                                       const std::vector<std::string>& user_ids,
                                       const std::vector<std::string>& member_ids);

}  // namespace bank::crash
