// What a receipt verification found, step by step, for people (one line per
// step) and scripts (ToJson, the shape `bankctl receipt verify --output json`
// prints).
//
// Each step has a stable name and one outcome:
//   ok       the step checked what its detail says, and it holds;
//   FAIL     it does not hold (or could not be checked: "not checked: ...");
//   skipped  not checked on purpose: anchor steps under --check-integrity-only,
//            a receipt of an unknown verifiable data structure;
//   info     reported, not part of the verdict (a statement's issuer
//            signature is the issuer's, not the ledger's).
// A report is intact when no step failed and something was checked, and
// verified when it is also anchored: a trust anchor verified it (`anchor`
// names which). A transparent statement carries one report per embedded
// receipt; it is intact when none fails and at least one is not skipped.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bank/hash.hpp"
#include "bank/txid.hpp"

namespace bank {

enum class Outcome { kOk, kFail, kSkipped, kInfo };

struct Check {
  std::string name;  // stable: scripts read it from --output json
  Outcome outcome = Outcome::kFail;
  std::string detail;
  bool passed() const { return outcome == Outcome::kOk; }
  bool failed() const { return outcome == Outcome::kFail; }
};

Check Pass(std::string name, std::string detail);
Check Fail(std::string name, std::string detail);
Check Skip(std::string name, std::string detail);
Check Info(std::string name, std::string detail);
const char* OutcomeName(Outcome o);  // "ok", "FAIL", "skipped", "info"

struct ReceiptReport {
  std::string source;  // file name (set by the caller), for messages
  // "ccf-json", "acl-camelCase" (+ "-envelope"), "cose-receipt",
  // "transparent-statement".
  std::string form;
  std::optional<TxId> txid;
  std::optional<TxId> signed_txid;   // COSE: the signature transaction
  std::optional<std::string> claim;  // the claim text proven, when known
  std::optional<Digest> leaf, root;
  bool anchored = false;
  std::string anchor;    // the trust anchor that verified it ("" when none)
  bool skipped = false;  // an embedded receipt this verifier cannot check
  std::vector<Check> checks;
  std::vector<ReceiptReport> receipts;  // a transparent statement's receipts

  bool intact() const;
  bool verified() const { return intact() && anchored; }
  // The first failed step (in embedded receipts too), or nullptr.
  const Check* FirstFailure() const;
  nlohmann::json ToJson() const;
};

}  // namespace bank
