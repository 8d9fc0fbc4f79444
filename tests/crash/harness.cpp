#include "crash/harness.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "bank/http_client.hpp"
#include "crash/journal.hpp"
#include "support/bankctl_run.hpp"
#include "support/bankd_process.hpp"
#include "support/temp_dir.hpp"

namespace bank::crash {
namespace {

using Clock = std::chrono::steady_clock;
using test::BankdProcess;

const char* const kAccounts[] = {"current", "savings"};
constexpr uint64_t kOpening = 10000;  // each account's first deposit
constexpr size_t kReceiptsPerCycle = 50;

// Everything one cycle's load threads and the checks report.
class Problems {
 public:
  void Add(std::string line) {
    std::lock_guard lock(mu_);
    lines_.push_back(std::move(line));
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mu_);
    return lines_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

Result<Response> Send(HttpClient& client, const Op& op, const std::vector<std::string>& user_ids) {
  std::string path, body;
  if (op.kind == Op::Kind::kDeposit) {
    path = fmt::format("/app/deposit/{}/{}", user_ids.at(op.to.user), op.to.name);
    body = nlohmann::json{{"value", op.amount}}.dump();
  } else {
    path = "/app/transfer/" + op.from.name;
    body =
        nlohmann::json{
            {"value", op.amount}, {"user_id_to", user_ids.at(op.to.user)}, {"account_name_to", op.to.name}}
            .dump();
  }
  return client.Request("POST", path, body, "application/json", {{"Idempotency-Key", op.key}});
}

// GET /app/tx: "Committed", "Pending", "Invalid", "Unknown", or "" when
// bankd could not be asked.
std::string StatusOf(HttpClient& client, const TxId& txid) {
  auto r = client.Get("/app/tx?transaction_id=" + txid.ToString());
  if (!r.ok() || r->status != 200) return "";
  auto j = r->json();
  return j.ok() ? j->value("status", "") : "";
}

// Polls GET /app/tx until `txid` is no longer Pending/Unknown, or 60 s.
std::string WaitSettled(HttpClient& client, const TxId& txid) {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  std::string status;
  while (Clock::now() < deadline) {
    status = StatusOf(client, txid);
    if (status == "Committed" || status == "Invalid") return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status;
}

// Wall time of each phase of a cycle, for the progress line: it shows
// where a long run's time goes as the ledger grows.
struct Phases {
  std::string text = "ms:";
  template <typename F>
  void Time(const char* name, F&& phase) {
    const auto start = Clock::now();
    phase();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    text += fmt::format(" {} {}", name, ms);
  }
};

// An operation was refused: only a transfer beyond the balance may be.
bool ExpectedRefusal(const Response& r) {
  auto e = r.ccf_error();
  return r.status == 400 && e && e->code == "InsufficientFunds";
}

class Harness {
 public:
  explicit Harness(const Settings& s)
      : settings_(s), rng_(s.seed), journal_(fmt::format("crash-{}", s.seed)), bankd_(Options(s)) {
    for (int u = 0; u < s.users; ++u) user_ids_.push_back(bankd_.id(fmt::format("user{}", u)));
    for (int m = 0; m < s.members; ++m) member_ids_.push_back(bankd_.id(fmt::format("member{}", m)));
    for (int u = 0; u < s.users; ++u)
      for (const char* name : kAccounts) accounts_.push_back({u, name});
  }

  Outcome Run() {
    Open();
    for (cycle_ = 1; cycle_ <= settings_.cycles; ++cycle_) {
      const auto kill_after = std::chrono::milliseconds(
          std::uniform_int_distribution<int>(settings_.min_kill_ms, settings_.max_kill_ms)(rng_));
      const uint64_t before = journal_.totals().ops;
      Phases phases;
      phases.Time("load", [&] { Load(kill_after); });
      phases.Time("audit", [&] { Audit(); });
      phases.Time("restart", [&] { bankd_.Start(); });
      CheckSnapshots();
      phases.Time("settle", [&] { Settle(); });
      CheckCommittedKept();
      phases.Time("receipts", [&] { CheckReceipts(); });
      phases.Time("state", [&] { CheckState(); });
      const auto t = journal_.totals();
      std::printf(
          "cycle %d/%d: killed %lld ms into the load; %llu operations sent; total %llu committed, %llu "
          "resent after restarts; %zu snapshot(s) written; %zu problem(s); %s\n",
          cycle_, settings_.cycles, static_cast<long long>(kill_after.count()),
          static_cast<unsigned long long>(t.ops - before), static_cast<unsigned long long>(t.committed),
          static_cast<unsigned long long>(t.resent), outcome_.snapshots, problems_.lines().size(),
          phases.text.c_str());
      std::fflush(stdout);
    }
    outcome_.cycles = settings_.cycles;
    if (int code = bankd_.Stop(); code != 0)
      problems_.Add(fmt::format("bankd did not stop cleanly at the end (exit code {})", code));
    return Finish();
  }

 private:
  static test::BankdOptions Options(const Settings& s) {
    test::BankdOptions o;
    o.members = s.members;
    o.users = s.users;
    // Frequent signatures (every 50 ms under the load): kills land in and
    // around them. Each costs an ECDSA check in every full audit and a read
    // at every restart, so not more often than every 100 transactions.
    o.signature_tx_count = 100;
    o.signature_delay = std::chrono::milliseconds(50);
    // Frequent snapshots too (each ends a chunk and adds an evidence
    // transaction): kills land while one is built, written or renamed, and
    // restarts start from the latest that verifies. A snapshot holds the
    // whole store, which grows with every operation, so a shorter interval
    // makes a long run's cost grow with the square of its length.
    o.snapshot_tx_count = 1000;
    // bankd's default min_ledger_growth (1) would space them out as the
    // store grows (a snapshot only once the ledger since the last is as big
    // as it); a tenth keeps kills landing in snapshots while still going
    // through that rule, and its carry-over across every restart.
    o.config_patch = {{"snapshots", {{"min_ledger_growth", 0.1}}}};
    return o;
  }

  HttpClient Client(const std::string& name, int attempts) {
    auto client = HttpClient::Create(bankd_.Tls(name), RetryPolicy{attempts, std::chrono::milliseconds(50)});
    if (!client.ok()) throw std::runtime_error(client.status().message());
    return std::move(client).value();
  }
  HttpClient& SenderOf(std::map<std::string, HttpClient>& clients, const Op& op) {
    const std::string name = op.kind == Op::Kind::kDeposit ? fmt::format("member{}", op.member)
                                                           : fmt::format("user{}", op.from.user);
    auto it = clients.find(name);
    if (it == clients.end()) it = clients.emplace(name, Client(name, 4)).first;
    return it->second;
  }

  // The accounts, each with an opening deposit, all committed.
  void Open() {
    auto member = Client("member0", 4);
    for (const auto& a : accounts_) {
      auto r = member.Request("PUT", fmt::format("/app/account/{}/{}", user_ids_.at(a.user), a.name));
      if (!r.ok() || r->status != 204) throw std::runtime_error("cannot create the accounts");
      Op op;
      op.kind = Op::Kind::kDeposit;
      op.to = a;
      op.amount = kOpening;
      journal_.Add(op);
    }
    Settle();
    std::printf("crash harness: %d users x %zu accounts, %d members; bankd at %s\n", settings_.users,
                std::size(kAccounts), settings_.members, bankd_.url().c_str());
  }

  // Deposits and transfers from every client until `kill_after`, then
  // SIGKILL. Each thread stops at its first transport error.
  void Load(std::chrono::milliseconds kill_after) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    const int clients = settings_.users + settings_.members;
    for (int c = 0; c < clients; ++c) {
      const uint64_t seed = rng_();
      threads.emplace_back([this, c, seed, &stop] {
        try {
          LoadThread(c, seed, stop);
        } catch (const std::exception& e) {
          problems_.Add(fmt::format("cycle {}: load client {}: {}", cycle_, c, e.what()));
        }
      });
    }
    // The random instant the crash happens at; it waits for no condition.
    std::this_thread::sleep_for(kill_after);
    bankd_.Kill();
    stop = true;
    for (auto& t : threads) t.join();
  }

  void LoadThread(int c, uint64_t seed, const std::atomic<bool>& stop) {
    std::mt19937_64 rng(seed);
    const bool is_member = c >= settings_.users;
    const int index = is_member ? c - settings_.users : c;
    auto client = Client(fmt::format("{}{}", is_member ? "member" : "user", index), /*attempts=*/1);
    std::vector<std::pair<uint64_t, TxId>> acked;  // not yet seen Committed
    auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
    while (!stop) {
      Op op;
      op.cycle = cycle_;
      op.amount = 1 + pick(100);
      if (is_member) {
        op.kind = Op::Kind::kDeposit;
        op.member = index;
        op.to = accounts_[pick(accounts_.size())];
      } else {
        op.kind = Op::Kind::kTransfer;
        op.from = {index, kAccounts[pick(std::size(kAccounts))]};
        do op.to = accounts_[pick(accounts_.size())];
        while (op.to == op.from);
      }
      op = journal_.Add(op);
      auto r = Send(client, op, user_ids_);
      if (!r.ok()) return;  // bankd is gone
      if (r->success() && r->txid()) {
        journal_.Acked(op.id, *r->txid());
        acked.emplace_back(op.id, *r->txid());
      } else if (ExpectedRefusal(*r)) {
        journal_.Refused(op.id, /*answered=*/true);
      } else {
        problems_.Add(fmt::format("cycle {}: operation {} got {} {}", cycle_, op.id, r->status, r->body));
        return;
      }
      // Now and then: what is Committed? A transaction id Committed in a
      // view commits every earlier seqno of that view.
      if (acked.size() >= 8) {
        const TxId last = acked.back().second;
        const std::string status = StatusOf(client, last);
        if (status.empty()) return;
        if (status != "Committed") continue;
        for (const auto& [id, txid] : acked)
          if (txid.view == last.view && txid.seqno <= last.seqno) journal_.Committed(id, txid, cycle_, true);
        acked.clear();
      }
    }
  }

  // Full audits (from seqno 1) after each of the first 10 cycles, every
  // 100th and the last. The others audit from the newest snapshot (its
  // receipt verified first) to the end: that covers everything written
  // since, the torn tail included, while the part before it was audited
  // when it was the tail. A full audit's cost grows with the ledger (one
  // ECDSA check per signature), so doing it every cycle made long runs
  // quadratic. CI's 20 cycles take both paths.
  bool FullAuditDue() const { return cycle_ <= 10 || cycle_ % 100 == 0 || cycle_ == settings_.cycles; }

  // bankd is down: its ledger directory must audit as it is, the open
  // chunk included (a short cycle may not have completed a chunk yet).
  void Audit() {
    std::vector<std::string> args = {"--output",       "json",
                                     "ledger",         "audit",
                                     "--uncommitted",  bankd_.ledger_dir(),
                                     "--service-cert", bankd_.service_cert()};
    const std::string snapshot = FullAuditDue() ? "" : NewestSnapshot();
    if (!snapshot.empty()) args.insert(args.end(), {"--snapshot", snapshot});
    auto r = test::RunBankctl(args);
    if (r.exit_code != 0)
      problems_.Add(fmt::format("cycle {}: bankctl ledger audit exited {}: {}{}", cycle_, r.exit_code, r.err,
                                r.out.substr(0, 2000)));
  }

  // Sends every unsettled operation again with its Idempotency-Key and
  // waits for its outcome, so that each has happened exactly once.
  void Settle() {
    std::map<std::string, HttpClient> clients;
    auto anyone = Client("", 4);
    for (const Op& op : journal_.Unsettled()) {
      if (op.cycle > 0) journal_.CountResend();  // not the opening deposits
      auto r = Send(SenderOf(clients, op), op, user_ids_);
      if (!r.ok()) {
        problems_.Add(
            fmt::format("cycle {}: resending operation {}: {}", cycle_, op.id, r.status().message()));
        continue;
      }
      std::optional<TxId> now = r->success() ? r->txid() : std::nullopt;
      if (op.txid && (!now || *now != *op.txid)) {
        // Acknowledged before the crash, then lost: it must be Invalid now,
        // never Committed beside its re-run.
        const std::string old = WaitSettled(anyone, *op.txid);
        if (old != "Invalid")
          problems_.Add(fmt::format("cycle {}: operation {} was acknowledged at {} and re-ran, but {} is {}",
                                    cycle_, op.id, op.txid->ToString(), op.txid->ToString(), old));
      }
      if (now) {
        ++(r->header("idempotent-replayed") == "true" ? outcome_.survived : outcome_.rerun);
        const std::string status = WaitSettled(anyone, *now);
        if (status == "Committed")
          journal_.Committed(op.id, *now, cycle_, false);
        else
          problems_.Add(
              fmt::format("cycle {}: operation {} resent, {} is {}", cycle_, op.id, now->ToString(), status));
      } else if (ExpectedRefusal(*r)) {
        journal_.Refused(op.id, false);
      } else {
        problems_.Add(
            fmt::format("cycle {}: resending operation {} got {} {}", cycle_, op.id, r->status, r->body));
      }
    }
  }

  // Everything reported Committed in the cycle that just crashed is still
  // Committed at the same transaction id (older ones: CheckState).
  void CheckCommittedKept() {
    auto anyone = Client("", 4);
    for (const Op& op : journal_.CommittedIn(cycle_)) {
      if (!op.reported_committed) continue;  // settled after the restart
      const std::string status = StatusOf(anyone, *op.txid);
      if (status != "Committed") {
        ++outcome_.lost;
        problems_.Add(fmt::format("cycle {}: operation {} was reported Committed at {}, now {}", cycle_,
                                  op.id, op.txid->ToString(), status));
      }
    }
  }

  // Transfers Committed in this cycle have receipts that verify
  // (`bankctl receipt verify`, one run for all of them).
  void CheckReceipts() {
    test::TempDir dir;
    std::map<std::string, HttpClient> clients;
    std::vector<std::string> args = {"--output", "json", "receipt", "verify"};
    std::vector<Op> transfers;
    for (const Op& op : journal_.CommittedIn(cycle_))
      if (op.kind == Op::Kind::kTransfer) transfers.push_back(op);
    // A seeded sample keeps a cycle's cost bounded; the last one always
    // (the newest transactions are the ones a crash puts at risk).
    std::shuffle(transfers.begin(), transfers.end() - (transfers.empty() ? 0 : 1), rng_);
    if (transfers.size() > kReceiptsPerCycle)
      transfers.erase(transfers.begin(), transfers.end() - kReceiptsPerCycle);
    for (const Op& op : transfers) {
      HttpClient& sender = SenderOf(clients, op);
      const auto deadline = Clock::now() + std::chrono::seconds(60);
      Result<Response> r = Status::Internal("not asked");
      while (Clock::now() < deadline) {
        r = sender.Get("/app/receipt?transaction_id=" + op.txid->ToString());
        if (!r.ok() || r->status != 202) break;  // 202: not signed yet
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (!r.ok() || r->status != 200) {
        problems_.Add(fmt::format("cycle {}: no receipt for {} ({})", cycle_, op.txid->ToString(),
                                  r.ok() ? std::to_string(r->status) + " " + r->body : r.status().message()));
        continue;
      }
      const std::string path = dir / (op.txid->ToString() + ".json");
      std::ofstream(path) << r->body;
      args.push_back(path);
    }
    if (args.size() == 4) return;
    const size_t receipts = args.size() - 4;
    args.insert(args.end(), {"--service-cert", bankd_.service_cert()});
    auto v = test::RunBankctl(args);
    if (v.exit_code != 0)
      problems_.Add(
          fmt::format("cycle {}: bankctl receipt verify exited {}: {}", cycle_, v.exit_code, v.err));
    else
      outcome_.receipts_verified += receipts;
  }

  // Full histories are read after each of the first 20 cycles, every 25th
  // and the last: they grow with the run, the balances are read every time.
  bool HistoriesDue() const { return cycle_ <= 20 || cycle_ % 25 == 0 || cycle_ == settings_.cycles; }

  // Balances (and when due, histories) of every account against the journal.
  void CheckState() {
    std::map<AccountRef, AccountView> views;
    const bool histories = HistoriesDue();
    for (int u = 0; u < settings_.users; ++u) {
      auto client = Client(fmt::format("user{}", u), 4);
      auto listed = client.Get("/app/accounts");
      auto lj = listed.ok() && listed->status == 200 ? listed->json()
                                                     : Result<nlohmann::json>(Status::Internal(""));
      if (!lj.ok()) {
        problems_.Add(fmt::format("cycle {}: cannot list the accounts of user{}", cycle_, u));
        continue;
      }
      for (const auto& a : lj->value("accounts", nlohmann::json::array()))
        views[{u, a.value("account_name", "")}].balance = a.value("balance", uint64_t{0});
      if (!histories) continue;
      for (const char* name : kAccounts) {
        auto h = client.Get(fmt::format("/app/transactions/{}", name));
        auto hj = h.ok() && h->status == 200 ? h->json() : Result<nlohmann::json>(Status::Internal(""));
        if (!hj.ok()) {
          problems_.Add(fmt::format("cycle {}: cannot read the history of user{}:{}", cycle_, u, name));
          continue;
        }
        views[{u, name}].transactions = hj->value("transactions", nlohmann::json::array());
      }
    }
    for (auto& line : CheckAccounts(journal_.All(), views, user_ids_, member_ids_)) {
      if (line.find("is missing") != std::string::npos) ++outcome_.lost;
      if (line.find("twice") != std::string::npos) ++outcome_.duplicated;
      problems_.Add(fmt::format("cycle {}: {}", cycle_, line));
    }
  }

  Outcome Finish() {
    const auto t = journal_.totals();
    outcome_.operations = t.ops;
    outcome_.answered = t.answered;
    outcome_.committed = t.committed;
    outcome_.resent = t.resent;
    outcome_.transfers_answered = t.transfers_answered;
    outcome_.transfers_reported_committed = t.transfers_reported_committed;
    outcome_.problems = problems_.lines();
    return outcome_;
  }

  // The committed snapshots on disk, oldest first (CCF's names,
  // snapshot_<seqno>_<evidence seqno>.committed).
  std::vector<std::pair<uint64_t, std::string>> CommittedSnapshots() const {
    namespace fs = std::filesystem;
    std::vector<std::pair<uint64_t, std::string>> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(bankd_.snapshots_dir(), ec)) {
      const std::string name = e.path().filename().string();
      uint64_t seqno = 0;
      if (e.path().extension() == ".committed" &&
          std::sscanf(name.c_str(), "snapshot_%" SCNu64 "_", &seqno) == 1)
        out.emplace_back(seqno, e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string NewestSnapshot() const {
    auto all = CommittedSnapshots();
    return all.empty() ? "" : all.back().second;
  }

  // Every snapshot bankd finished writing must be one it can start from: a
  // kill mid-snapshot leaves no file under a snapshot's committed name.
  // Once bankd has started, all but the newest two are deleted, as an
  // operator would: each holds the whole store, and a long run would
  // otherwise fill the disk.
  void CheckSnapshots() {
    auto all = CommittedSnapshots();
    for (const auto& s : all) snapshots_seen_.insert(s.second);
    outcome_.snapshots = snapshots_seen_.size();
    for (size_t i = 0; i + 2 < all.size(); ++i) std::filesystem::remove(all[i].second);
    std::ifstream log(bankd_.log_path());
    size_t skipped = 0;
    for (std::string line; std::getline(log, line);)
      if (line.find("skipping snapshot") != std::string::npos) {
        if (++skipped > snapshots_skipped_) problems_.Add(fmt::format("cycle {}: bankd: {}", cycle_, line));
      }
    snapshots_skipped_ = skipped;
  }

  Settings settings_;
  size_t snapshots_skipped_ = 0;
  std::set<std::string>
      snapshots_seen_;  // committed snapshot files bankd wrote  // lines already seen in bankd's log
  std::mt19937_64 rng_;
  Journal journal_;
  BankdProcess bankd_;
  std::vector<std::string> user_ids_, member_ids_;
  std::vector<AccountRef> accounts_;
  int cycle_ = 0;
  Problems problems_;
  Outcome outcome_;
};

}  // namespace

Outcome Run(const Settings& settings) { return Harness(settings).Run(); }

}  // namespace bank::crash
