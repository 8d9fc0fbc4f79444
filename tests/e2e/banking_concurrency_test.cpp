// Many clients at once: every transfer is applied exactly once, the books
// balance, and the server keeps answering with connections held open.
#include <atomic>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "support/bankd_process.hpp"
#include "support/banking.hpp"

namespace bank::test {
namespace {

TEST_CASE("32 concurrent connections transferring back and forth", "[e2e][banking][concurrency]") {
  BankdProcess bankd;
  const std::string user[2] = {bankd.id("user0"), bankd.id("user1")};
  {
    auto member0 = bankd.Client("member0");
    CreateAccount(member0, user[0], "acc");
    CreateAccount(member0, user[1], "acc");
    Deposit(member0, user[0], "acc", 1000);
    Deposit(member0, user[1], "acc", 1000);
  }
  constexpr int kThreads = 32, kTransfers = 20;
  std::atomic<int> ok{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const int from = t % 2;
      auto client = HttpClient::Create(bankd.Tls("user" + std::to_string(from)));
      if (!client.ok()) return;
      const std::string body =
          nlohmann::json{{"value", 1}, {"user_id_to", user[1 - from]}, {"account_name_to", "acc"}}.dump();
      for (int i = 0; i < kTransfers; ++i) {
        auto r = client->Request("POST", "/app/transfer/acc", body, "application/json",
                                 {{"Idempotency-Key", "c" + std::to_string(t) + "-" + std::to_string(i)}});
        (r.ok() && r->status == 204 ? ok : other)++;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok == kThreads * kTransfers);
  CHECK(other == 0);

  auto u0 = bankd.Client("user0");
  auto u1 = bankd.Client("user1");
  // Half the threads send from each side: the balances end where they began.
  CHECK(Balance(u0, "acc") == 1000);
  CHECK(Balance(u1, "acc") == 1000);
  auto history = u0.Get("/app/transactions/acc");
  REQUIRE(history.ok());
  CHECK(history->json()->at("transactions").size() == 1 + kThreads * kTransfers);
}

}  // namespace
}  // namespace bank::test
