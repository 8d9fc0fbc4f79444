// Parsing `bankctl receipt bundle` proofs: the informative summary fields
// may be absent or of another type; the parser says what it found, never
// throws (found by tests/fuzz/fuzz_transfer_proof).
#include "bank/transfer_proof.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bank/key.hpp"  // bank::ReadFile

TEST_CASE("a transfer proof without its informative account names parses", "[transfer_proof]") {
  // "from_account" misspelled "from_cccount": reading it used to insert a
  // null into the summary and throw nlohmann's type_error 302 (an abort in
  // `bankctl receipt verify`).
  auto file = bank::ReadFile(std::string(BANK_SOURCE_DIR) +
                             "/tests/fuzz/corpus/transfer_proof/regression_from_account_missing.json");
  REQUIRE(file.ok());
  const std::string& text = *file;
  auto proof = bank::ParseTransferProof(text);
  REQUIRE(proof.ok());
  CHECK(proof->from_account.empty());
  CHECK_FALSE(proof->to_account.empty());

  auto j = nlohmann::json::parse(text);
  j["summary"]["to_account"] = 7;
  j["summary"].erase("time");
  auto other = bank::ParseTransferProof(j.dump());
  REQUIRE(other.ok());
  CHECK(other->to_account.empty());
  CHECK(other->time.empty());

  j["summary"].erase("amount");
  auto missing = bank::ParseTransferProof(j.dump());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("summary.amount") != std::string::npos);
}
