// The ledger is the source of truth: after SIGTERM, and after kill -9 in
// the middle of a load, bankd comes back with balances and history intact,
// every transaction /app/tx reported Committed is still Committed, and the
// sum of all balances equals the sum of all deposits.
#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "bank/key.hpp"
#include "support/bankd_process.hpp"
#include "support/banking.hpp"

namespace bank::test {
namespace {

using nlohmann::json;

// Per-account history and balance, read back through the API.
struct Audit {
  uint64_t balances = 0;
  uint64_t deposits = 0;
  std::set<std::string> txids;
};

void AuditAccount(HttpClient& user, const std::string& account, Audit* audit) {
  auto info = user.Get("/app/account/" + account);
  REQUIRE(info.ok());
  REQUIRE(info->status == 200);
  const uint64_t balance = info->json()->at("balance").get<uint64_t>();
  auto history = user.Get("/app/transactions/" + account);
  REQUIRE(history.ok());
  REQUIRE(history->status == 200);
  const json entries = history->json()->at("transactions");
  uint64_t running = 0;
  for (const auto& e : entries) {
    const uint64_t amount = e["amount"].get<uint64_t>();
    if (e["type"] == "transfer_out")
      running -= amount;
    else
      running += amount;
    if (e["type"] == "deposit") audit->deposits += amount;
    CHECK(e["balance"].get<uint64_t>() == running);  // each entry's resulting balance adds up
    audit->txids.insert(e["transaction_id"].get<std::string>());
  }
  CHECK(running == balance);
  audit->balances += balance;
}

Audit AuditAll(BankdProcess& bankd) {
  Audit audit;
  auto u0 = bankd.Client("user0");
  auto u1 = bankd.Client("user1");
  AuditAccount(u0, "current_account", &audit);
  AuditAccount(u1, "savings_account", &audit);
  CHECK(audit.balances == audit.deposits);
  return audit;
}

TEST_CASE("restart after SIGTERM keeps identity, balances and history", "[e2e][recovery]") {
  BankdProcess bankd;
  const std::string user0 = bankd.id("user0"), user1 = bankd.id("user1");
  {
    auto member0 = bankd.Client("member0");
    auto u0 = bankd.Client("user0");
    CreateAccount(member0, user0, "current_account");
    CreateAccount(member0, user1, "savings_account");
    Deposit(member0, user0, "current_account", 100);
    Transfer(u0, "current_account", 40, user1, "savings_account");
  }
  const std::string service_cert_before = *ReadFile(bankd.service_cert());
  const Audit before = AuditAll(bankd);

  CHECK(bankd.Stop() == 0);  // graceful: exit code 0
  bankd.Start();

  CHECK(*ReadFile(bankd.service_cert()) == service_cert_before);
  const Audit after = AuditAll(bankd);
  CHECK(after.balances == 100);
  CHECK(after.txids == before.txids);
  auto u0 = bankd.Client("user0");
  CHECK(Balance(u0, "current_account") == 60);
  for (const auto& txid : before.txids) CHECK(WaitForStatus(u0, *TxId::Parse(txid)) == "Committed");
  // Still writable, with ids after the old ones.
  auto member0 = bankd.Client("member0");
  TxId next = Deposit(member0, user0, "current_account", 1);
  for (const auto& txid : before.txids) CHECK(next > *TxId::Parse(txid));
}

// What a load saw before the node went away.
struct LoadOutcome {
  std::vector<TxId> acknowledged;  // 204s
  std::vector<TxId> committed;     // reported Committed by /app/tx
};

// Runs deposits and transfers (member0, user0, user1) plus a /app/tx
// checker against `bankd` until a few hundred writes were acknowledged,
// then calls `interrupt` while the load is still running. Every loop is
// bounded.
LoadOutcome RunLoadAndInterrupt(BankdProcess& bankd, const std::function<void()>& interrupt) {
  const std::string user0 = bankd.id("user0"), user1 = bankd.id("user1");
  {
    auto member0 = bankd.Client("member0");
    CreateAccount(member0, user0, "current_account");
    CreateAccount(member0, user1, "savings_account");
  }
  std::mutex mu;
  LoadOutcome out;
  std::atomic<bool> stop{false};
  std::atomic<int> acked{0};
  auto writer = [&](const std::string& who, int kind) {
    auto client = HttpClient::Create(bankd.Tls(who), RetryPolicy{1, std::chrono::milliseconds(0)});
    if (!client.ok()) return;
    for (int i = 0; i < 5000 && !stop; ++i) {
      // A unique Idempotency-Key per request lets the client keep its
      // connection (bank::HttpClient opens a new one for unkeyed POSTs).
      const std::map<std::string, std::string> key = {{"Idempotency-Key", who + "-" + std::to_string(i)}};
      const std::string path = kind == 0   ? "/app/deposit/" + user0 + "/current_account"
                               : kind == 1 ? "/app/transfer/current_account"
                                           : "/app/transfer/savings_account";
      const json body =
          kind == 0   ? json{{"value", 1 + i % 7}}
          : kind == 1 ? json{{"value", 1}, {"user_id_to", user1}, {"account_name_to", "savings_account"}}
                      : json{{"value", 1}, {"user_id_to", user0}, {"account_name_to", "current_account"}};
      auto r = client->Request("POST", path, body.dump(), "application/json", key);
      if (!r.ok()) return;  // the node is gone
      if (r->status == 204 && r->txid()) {
        std::lock_guard lock(mu);
        out.acknowledged.push_back(*r->txid());
        ++acked;
      }
    }
  };
  auto checker = [&] {
    auto client = HttpClient::Create(bankd.Tls(), RetryPolicy{1, std::chrono::milliseconds(0)});
    if (!client.ok()) return;
    for (int i = 0; i < 100000 && !stop; ++i) {
      TxId candidate;
      {
        std::lock_guard lock(mu);
        // The most recent acknowledgements: the ones at the edge of commit.
        const size_t window = std::min<size_t>(out.acknowledged.size(), 20);
        if (window > 0)
          candidate = out.acknowledged[out.acknowledged.size() - 1 - static_cast<size_t>(i) % window];
      }
      if (candidate.seqno == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      auto r = client->Get("/app/tx?transaction_id=" + candidate.ToString());
      if (!r.ok()) return;
      if (r->status == 200 && r->json()->at("status") == "Committed") {
        std::lock_guard lock(mu);
        out.committed.push_back(candidate);
      }
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(writer, "member0", 0);
  threads.emplace_back(writer, "user0", 1);
  threads.emplace_back(writer, "user1", 2);
  threads.emplace_back(checker);
  for (int i = 0; i < 6000 && acked < 400; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  interrupt();
  stop = true;
  for (auto& t : threads) t.join();
  return out;
}

// After the restart: everything reported Committed still is, with its
// effect in the history; the books balance; the node takes writes.
void CheckAfterRestart(BankdProcess& bankd, const LoadOutcome& load) {
  const Audit audit = AuditAll(bankd);
  auto anyone = bankd.Client();
  INFO("acknowledged " << load.acknowledged.size() << ", seen Committed " << load.committed.size());
  for (const auto& txid : load.committed) {
    auto r = anyone.Get("/app/tx?transaction_id=" + txid.ToString());
    REQUIRE(r.ok());
    CHECK(r->json()->at("status") == "Committed");
    CHECK(audit.txids.count(txid.ToString()) == 1);
  }
  auto member0 = bankd.Client("member0");
  Deposit(member0, bankd.id("user0"), "current_account", 5);
  CHECK(AuditAll(bankd).balances == audit.balances + 5);
}

TEST_CASE("kill -9 in the middle of a load loses nothing reported Committed", "[e2e][recovery]") {
  BankdProcess bankd;
  LoadOutcome load = RunLoadAndInterrupt(bankd, [&] { bankd.Kill(); });
  REQUIRE_FALSE(load.acknowledged.empty());
  bankd.Start();
  CheckAfterRestart(bankd, load);
}

TEST_CASE("SIGTERM in the middle of a load: graceful, and every acknowledged write survives",
          "[e2e][recovery]") {
  BankdProcess bankd;
  int exit_code = -1;
  LoadOutcome load = RunLoadAndInterrupt(bankd, [&] { exit_code = bankd.Stop(); });
  CHECK(exit_code == 0);
  REQUIRE_FALSE(load.acknowledged.empty());
  bankd.Start();
  // A graceful stop flushes: every acknowledged write is durable.
  auto anyone = bankd.Client();
  for (const auto& txid : load.acknowledged) {
    auto r = anyone.Get("/app/tx?transaction_id=" + txid.ToString());
    REQUIRE(r.ok());
    CHECK(r->json()->at("status") == "Committed");
  }
  CheckAfterRestart(bankd, load);
}

}  // namespace
}  // namespace bank::test
