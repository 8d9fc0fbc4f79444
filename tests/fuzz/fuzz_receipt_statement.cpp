// Fuzz target: the transparent statement parser
// (bank/transparent_statement.hpp) and the verification of its embedded
// receipts. Any input must give a statement or one kInputFile error line; a
// parsed statement must verify (pass or fail, never crash) with and without
// a trust anchor, and its report must serialise.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "bank/receipt_verify.hpp"
#include "bank/transparent_statement.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bank::Certificate service = [] {
    auto key = *bank::PrivateKey::GenerateEc(bank::Curve::kP384);
    bank::CertificateSpec spec;
    spec.common_name = "CCF Service";
    spec.is_ca = true;
    return *bank::Certificate::SelfSigned(key, spec);
  }();
  auto statement = bank::ParseTransparentStatement(std::span<const uint8_t>(data, size));
  if (!statement.ok()) {
    const std::string& m = statement.status().message();
    if (statement.status().code() != bank::Code::kInputFile || m.find('\n') != std::string::npos)
      std::abort();
    return 0;
  }
  if (statement->receipts.empty()) std::abort();
  bank::ReceiptVerifier anchored(service);
  auto report = anchored.Verify(*statement);
  if (report.verified() || report.receipts.size() != statement->receipts.size()) std::abort();
  (void)report.ToJson().dump();
  bank::ReceiptVerifier integrity_only{bank::TrustAnchors()};
  auto unanchored = integrity_only.Verify(*statement);
  if (unanchored.anchored) std::abort();
  (void)unanchored.ToJson().dump();
  return 0;
}
