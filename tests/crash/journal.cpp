#include "crash/journal.hpp"

#include <fmt/format.h>

#include <set>

namespace bank::crash {

Op Journal::Add(Op op) {
  std::lock_guard lock(mu_);
  op.id = ops_.size();
  op.key = key_prefix_ + "-" + std::to_string(op.id);
  op.state = Op::State::kSent;
  ops_.push_back(op);
  return op;
}

void Journal::Acked(uint64_t id, const TxId& txid) {
  std::lock_guard lock(mu_);
  Op& op = ops_.at(id);
  op.txid = txid;
  op.answered = true;
  if (op.state != Op::State::kCommitted) op.state = Op::State::kAcked;
}

void Journal::Refused(uint64_t id, bool answered) {
  std::lock_guard lock(mu_);
  Op& op = ops_.at(id);
  op.state = Op::State::kRefused;
  op.answered = op.answered || answered;
  op.txid.reset();
}

void Journal::Committed(uint64_t id, const TxId& txid, int cycle, bool before_kill) {
  std::lock_guard lock(mu_);
  Op& op = ops_.at(id);
  if (op.state == Op::State::kCommitted) return;
  op.txid = txid;
  op.state = Op::State::kCommitted;
  op.committed_cycle = cycle;
  op.reported_committed = before_kill;
}

std::vector<Op> Journal::Unsettled() const {
  std::lock_guard lock(mu_);
  std::vector<Op> out;
  for (const Op& op : ops_)
    if (op.state == Op::State::kSent || op.state == Op::State::kAcked) out.push_back(op);
  return out;
}

std::vector<Op> Journal::CommittedIn(int cycle) const {
  std::lock_guard lock(mu_);
  std::vector<Op> out;
  for (const Op& op : ops_)
    if (op.state == Op::State::kCommitted && op.committed_cycle == cycle) out.push_back(op);
  return out;
}

std::vector<Op> Journal::All() const {
  std::lock_guard lock(mu_);
  return ops_;
}

Journal::Totals Journal::totals() const {
  std::lock_guard lock(mu_);
  Totals t;
  t.ops = ops_.size();
  t.resent = resent_;
  for (const Op& op : ops_) {
    if (op.answered) ++t.answered;
    if (op.kind == Op::Kind::kTransfer && op.answered) ++t.transfers_answered;
    if (op.kind == Op::Kind::kTransfer && op.reported_committed) ++t.transfers_reported_committed;
    if (op.state == Op::State::kRefused) ++t.refused;
    if (op.state != Op::State::kCommitted) continue;
    ++t.committed;
    ++(op.kind == Op::Kind::kDeposit ? t.deposits : t.transfers);
  }
  return t;
}

namespace {

struct ExpectedEntry {
  std::string type, counterparty, counterparty_account;
  uint64_t amount = 0;
  uint64_t op = 0;
};

std::string Name(const AccountRef& a) { return fmt::format("user{}:{}", a.user, a.name); }

using Expected = std::map<std::pair<AccountRef, std::string>, ExpectedEntry>;

void CheckHistory(const AccountRef& account, const AccountView& view, const Expected& expected,
                  std::set<std::pair<AccountRef, std::string>>* seen, std::vector<std::string>* problems) {
  uint64_t running = 0;
  for (const auto& e : view.transactions) {
    const std::string txid = e.value("transaction_id", "");
    const std::string type = e.value("type", "");
    const uint64_t amount = e.value("amount", uint64_t{0});
    if (type == "transfer_out") {
      if (amount > running)
        problems->push_back(fmt::format("{}: {} overdraws the account", Name(account), txid));
      running -= std::min(amount, running);
    } else {
      running += amount;
    }
    if (e.value("balance", uint64_t{0}) != running)
      problems->push_back(fmt::format("{}: entry {} says balance {}, the replayed history gives {}",
                                      Name(account), txid, e.value("balance", uint64_t{0}), running));
    auto key = std::make_pair(account, txid);
    if (!seen->insert(key).second) {
      problems->push_back(
          fmt::format("{}: transaction {} appears twice in the history", Name(account), txid));
      continue;
    }
    auto it = expected.find(key);
    if (it == expected.end()) {
      problems->push_back(fmt::format("{}: entry {} ({} {}) matches no committed operation (applied twice?)",
                                      Name(account), txid, type, amount));
      continue;
    }
    const ExpectedEntry& want = it->second;
    if (type != want.type || amount != want.amount || e.value("counterparty", "") != want.counterparty ||
        e.value("counterparty_account", "") != want.counterparty_account)
      problems->push_back(fmt::format("{}: entry {} is {} {} with {}:{}, operation {} was {} {}",
                                      Name(account), txid, type, amount, e.value("counterparty", ""),
                                      e.value("counterparty_account", ""), want.op, want.type, want.amount));
  }
  if (running != view.balance)
    problems->push_back(
        fmt::format("{}: balance {} but its history replays to {}", Name(account), view.balance, running));
}

}  // namespace

std::map<AccountRef, uint64_t> ExpectedBalances(const std::vector<Op>& ops) {
  std::map<AccountRef, uint64_t> balances;
  for (const Op& op : ops) {
    if (op.state != Op::State::kCommitted) continue;
    balances[op.to] += op.amount;
    if (op.kind == Op::Kind::kTransfer) balances[op.from] -= op.amount;  // never below 0 once all are applied
  }
  return balances;
}

std::vector<std::string> CheckAccounts(const std::vector<Op>& ops,
                                       const std::map<AccountRef, AccountView>& accounts,
                                       const std::vector<std::string>& user_ids,
                                       const std::vector<std::string>& member_ids) {
  std::vector<std::string> problems;
  // (account, txid) -> the entry a committed operation must have left.
  std::map<std::pair<AccountRef, std::string>, ExpectedEntry> expected;
  uint64_t deposited = 0;
  for (const Op& op : ops) {
    if (op.state == Op::State::kRefused) continue;
    if (op.state != Op::State::kCommitted || !op.txid) {
      problems.push_back(fmt::format("operation {} ({}) is not settled", op.id, op.key));
      continue;
    }
    const std::string txid = op.txid->ToString();
    if (op.kind == Op::Kind::kDeposit) {
      deposited += op.amount;
      expected[{op.to, txid}] = {"deposit", member_ids.at(op.member), "", op.amount, op.id};
    } else {
      expected[{op.from, txid}] = {"transfer_out", user_ids.at(op.to.user), op.to.name, op.amount, op.id};
      expected[{op.to, txid}] = {"transfer_in", user_ids.at(op.from.user), op.from.name, op.amount, op.id};
    }
  }
  const auto balances = ExpectedBalances(ops);

  uint64_t total = 0;
  bool histories = true;
  std::set<std::pair<AccountRef, std::string>> seen;
  for (const auto& [account, view] : accounts) {
    total += view.balance;
    auto want = balances.find(account);
    const uint64_t want_balance = want == balances.end() ? 0 : want->second;
    if (view.balance != want_balance)
      problems.push_back(fmt::format("{}: balance {}, the committed operations give {}", Name(account),
                                     view.balance, want_balance));
    if (view.transactions.is_null()) {
      histories = false;
      continue;
    }
    CheckHistory(account, view, expected, &seen, &problems);
  }
  if (histories) {
    for (const auto& [key, want] : expected)
      if (!seen.count(key))
        problems.push_back(fmt::format("{}: committed operation {} ({} {} at {}) is missing from the history",
                                       Name(key.first), want.op, want.type, want.amount, key.second));
  }
  if (total != deposited)
    problems.push_back(fmt::format("the balances sum to {}, the committed deposits to {}", total, deposited));
  return problems;
}

}  // namespace bank::crash
