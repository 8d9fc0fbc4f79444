// bankd's configuration file: sizes and durations that do not fit are
// refused, never wrapped around (found by tests/fuzz/fuzz_bankd_config).
#include "bank/bankd_config.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using nlohmann::json;

TEST_CASE("bankd config: sizes and durations in range parse", "[bankd_config]") {
  CHECK(*bank::ParseByteSize(json("512KB")) == 512u << 10);
  CHECK(*bank::ParseByteSize(json("17179869183GB")) == 17179869183ull << 30);
  CHECK(*bank::ParseByteSize(json(18446744073709551615ull)) == 18446744073709551615ull);
  CHECK(bank::ParseDuration(json("3min"))->count() == 180000);
  CHECK(bank::ParseDuration(json(9223372036854775807ull))->count() == 9223372036854775807ll);
}

TEST_CASE("bankd config: a size or duration that would wrap around is refused", "[bankd_config]") {
  // 2^34 GB is 2^64 bytes: it used to wrap around to 0 (and a chunk size of
  // 0 was accepted).
  auto size = bank::ParseByteSize(json("17179869184GB"));
  REQUIRE_FALSE(size.ok());
  CHECK(size.status().code() == bank::Code::kInputFile);
  CHECK(size.status().message().find("too large") != std::string::npos);
  // Past the range of signed milliseconds: it used to come out negative, and
  // a negative ledger_signatures.delay passed the "must be positive" check.
  CHECK_FALSE(bank::ParseDuration(json(9223372036854775808ull)).ok());
  CHECK_FALSE(bank::ParseDuration(json("999999999999999999min")).ok());
  auto config = bank::BankdConfig::FromJson(
      json::parse(R"({"ledger_signatures": {"delay": 18446744073709551615}})"), "/etc/bankd");
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message().find("too long") != std::string::npos);
}

// Found by fuzz_bankd_config: 80,500,000,000,000 min was accepted, then
// written as "4830000000000000000ms" (19 digits), which the reader refused
// (it took at most 18): a config bankd wrote could not be read back.
TEST_CASE("bankd config: every duration it accepts is written back readable", "[bankd_config]") {
  auto config = bank::BankdConfig::FromJson(
      json::parse(R"({"ledger_signatures": {"delay": "0080500000000000min"}})"), "/etc/bankd");
  REQUIRE(config.ok());
  CHECK(config->signature_delay.count() == 4830000000000000000ll);
  const std::string written = config->ToJson().dump();
  auto again = bank::BankdConfig::FromJson(json::parse(written), "/etc/bankd");
  INFO(written);
  REQUIRE(again.ok());
  CHECK(again->signature_delay == config->signature_delay);
  CHECK(again->ToJson().dump() == written);
  // The longest duration there is, in milliseconds, as text.
  CHECK(bank::ParseDuration(json("9223372036854775807ms"))->count() == 9223372036854775807ll);
  // 20 digits never parse (they could pass 2^64).
  CHECK_FALSE(bank::ParseDuration(json("10000000000000000000ms")).ok());
}

TEST_CASE("bankd config: snapshots.min_ledger_growth is a number from 0 to 1000", "[bankd_config]") {
  auto parse = [](const std::string& text) {
    return bank::BankdConfig::FromJson(json::parse(text), "/etc/bankd");
  };
  CHECK(parse("{}")->snapshot_min_ledger_growth == 1.0);
  auto config = parse(R"({"snapshots": {"min_ledger_growth": 0.5}})");
  REQUIRE(config.ok());
  CHECK(config->snapshot_min_ledger_growth == 0.5);
  CHECK(parse(config->ToJson().dump())->snapshot_min_ledger_growth == 0.5);
  CHECK(parse(R"({"snapshots": {"min_ledger_growth": 0}})")->snapshot_min_ledger_growth == 0.0);
  for (const char* bad :
       {R"({"snapshots": {"min_ledger_growth": -1}})", R"({"snapshots": {"min_ledger_growth": 1001}})",
        R"({"snapshots": {"min_ledger_growth": "1"}})"}) {
    auto refused = parse(bad);
    INFO(bad);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().message().find("snapshots.min_ledger_growth") != std::string::npos);
  }
}
