// The crash harness as a test: `crash_tests --cycles N [--seed S]`.
//   ctest runs 20 cycles; by hand, e.g.
//   build/tests/crash_tests --cycles 500 --max-kill-ms 300   (the 500-cycle record, tests/crash/RESULTS.md)
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <type_traits>

#include "catch/run.hpp"
#include "crash/harness.hpp"

namespace {
using bank::crash::Settings;
Settings g_settings;
}  // namespace

TEST_CASE("crash: bankd killed at random instants under load loses nothing", "[crash]") {
  Settings s = g_settings;
  if (s.seed == 0)
    s.seed = static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) | 1;
  std::printf("crash harness: seed %llu, %d cycles (replay: crash_tests --seed %llu --cycles %d)\n",
              static_cast<unsigned long long>(s.seed), s.cycles, static_cast<unsigned long long>(s.seed),
              s.cycles);
  std::fflush(stdout);
  auto o = bank::crash::Run(s);
  std::printf(
      "crash harness: seed %llu: %d cycles, %llu operations, %llu answered before a kill; transfers: %llu "
      "acknowledged, %llu reported Committed before a kill; %llu resent after restarts (%llu had survived, "
      "%llu "
      "re-ran); %llu receipts verified; lost: %llu, applied twice: %llu, problems: %zu\n",
      static_cast<unsigned long long>(s.seed), o.cycles, static_cast<unsigned long long>(o.operations),
      static_cast<unsigned long long>(o.answered), static_cast<unsigned long long>(o.transfers_answered),
      static_cast<unsigned long long>(o.transfers_reported_committed),
      static_cast<unsigned long long>(o.resent), static_cast<unsigned long long>(o.survived),
      static_cast<unsigned long long>(o.rerun), static_cast<unsigned long long>(o.receipts_verified),
      static_cast<unsigned long long>(o.lost), static_cast<unsigned long long>(o.duplicated),
      o.problems.size());
  for (const auto& p : o.problems) UNSCOPED_INFO(p);
  CHECK(o.problems.empty());
  CHECK(o.lost == 0);
  CHECK(o.duplicated == 0);
  CHECK(o.transfers_reported_committed > 0);  // the load did reach bankd
}

int main(int argc, char* argv[]) {
  auto integer = [](auto* target) {
    return [target](const std::string& v) {
      using T = std::remove_pointer_t<decltype(target)>;
      if constexpr (std::is_signed_v<T>)
        *target = static_cast<T>(std::stoll(v));
      else
        *target = static_cast<T>(std::stoull(v));
    };
  };
  Settings& s = g_settings;
  return bank::test::RunCatch(
      argc, argv,
      {{"--cycles", "cycles", "kill/restart cycles (default 20)", integer(&s.cycles)},
       {"--seed", "seed", "seed of the kill instants and operations (default: clock)", integer(&s.seed)},
       {"--min-kill-ms", "ms", "earliest kill after the load starts (20)", integer(&s.min_kill_ms)},
       {"--max-kill-ms", "ms", "latest kill after the load starts (1500)", integer(&s.max_kill_ms)},
       {"--users", "n", "users, 2 accounts each (4)", integer(&s.users)},
       {"--members", "n", "depositing members (2)", integer(&s.members)}});
}
