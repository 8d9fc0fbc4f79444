#include "bank/receipt_report.hpp"

#include <algorithm>

namespace bank {

Check Pass(std::string name, std::string detail) {
  return {std::move(name), Outcome::kOk, std::move(detail)};
}
Check Fail(std::string name, std::string detail) {
  return {std::move(name), Outcome::kFail, std::move(detail)};
}
Check Skip(std::string name, std::string detail) {
  return {std::move(name), Outcome::kSkipped, std::move(detail)};
}
Check Info(std::string name, std::string detail) {
  return {std::move(name), Outcome::kInfo, std::move(detail)};
}

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kFail:
      return "FAIL";
    case Outcome::kSkipped:
      return "skipped";
    case Outcome::kInfo:
      return "info";
  }
  return "?";
}

bool ReceiptReport::intact() const {
  if (skipped || FirstFailure() != nullptr) return false;
  if (form == "transparent-statement")
    return std::any_of(receipts.begin(), receipts.end(), [](const ReceiptReport& r) { return !r.skipped; });
  return std::any_of(checks.begin(), checks.end(), [](const Check& c) { return c.passed(); });
}

const Check* ReceiptReport::FirstFailure() const {
  auto it = std::find_if(checks.begin(), checks.end(), [](const Check& c) { return c.failed(); });
  if (it != checks.end()) return &*it;
  for (const auto& r : receipts)
    if (const Check* f = r.FirstFailure()) return f;
  return nullptr;
}

nlohmann::json ReceiptReport::ToJson() const {
  nlohmann::json j = {{"source", source},
                      {"form", form},
                      {"verified", verified()},
                      {"intact", intact()},
                      {"anchored", anchored}};
  j["anchor"] = anchor.empty() ? nlohmann::json(nullptr) : nlohmann::json(anchor);
  if (skipped) j["skipped"] = true;
  j["transaction_id"] = txid ? nlohmann::json(txid->ToString()) : nlohmann::json(nullptr);
  if (signed_txid) j["signed_transaction_id"] = signed_txid->ToString();
  j["claim"] = claim ? nlohmann::json(*claim) : nlohmann::json(nullptr);
  if (leaf) j["leaf"] = DigestHex(*leaf);
  if (root) j["root"] = DigestHex(*root);
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& c : checks)
    steps.push_back(
        {{"step", c.name}, {"result", OutcomeName(c.outcome)}, {"passed", c.passed()}, {"detail", c.detail}});
  j["steps"] = std::move(steps);
  if (form == "transparent-statement") {
    nlohmann::json embedded = nlohmann::json::array();
    for (const auto& r : receipts) embedded.push_back(r.ToJson());
    j["receipts"] = std::move(embedded);
  }
  return j;
}

}  // namespace bank
