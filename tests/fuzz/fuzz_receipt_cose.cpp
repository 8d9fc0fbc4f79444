// Fuzz target: the COSE receipt parser (bank/cose_receipt.hpp), through
// ParseAnyReceipt as `bankctl receipt verify` reads files. Any input must
// give a receipt or one kInputFile error line; a parsed COSE receipt must
// re-encode into one that parses to the same content, and be verifiable
// (pass or fail, never crash) against a fixed service certificate.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>
#include <variant>

#include "bank/cose_receipt.hpp"
#include "bank/receipt_verify.hpp"

namespace {

// A P-384 service certificate (any will do: the point is to run the checks).
const bank::Certificate& Service() {
  static const bank::Certificate cert = [] {
    auto key = *bank::PrivateKey::GenerateEc(bank::Curve::kP384);
    bank::CertificateSpec spec;
    spec.common_name = "CCF Service";
    spec.is_ca = true;
    return *bank::Certificate::SelfSigned(key, spec);
  }();
  return cert;
}

bool SameContent(const bank::CoseReceipt& a, const bank::CoseReceipt& b) {
  return a.protected_header == b.protected_header && a.signature == b.signature &&
         a.leaf.write_set_digest == b.leaf.write_set_digest &&
         a.leaf.commit_evidence == b.leaf.commit_evidence && a.leaf.claims_digest == b.leaf.claims_digest &&
         a.proof == b.proof;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  auto any = bank::ParseAnyReceipt(input);
  if (!any.ok()) {
    const std::string& m = any.status().message();
    if (any.status().code() != bank::Code::kInputFile || m.find('\n') != std::string::npos) std::abort();
    return 0;
  }
  bank::ReceiptVerifier verifier(Service());
  if (const auto* cose = std::get_if<bank::CoseReceipt>(&*any)) {
    bank::Bytes encoded =
        bank::EncodeCoseReceipt({cose->protected_header, cose->signature}, cose->leaf, cose->proof);
    auto again = bank::ParseCoseReceipt(encoded);
    if (!again.ok() || !SameContent(*cose, *again)) std::abort();
    auto report = verifier.Verify(*cose);
    if (report.checks.empty()) std::abort();
  } else {
    // A JSON receipt or a transparent statement (each embedded receipt verified).
    auto report = verifier.Verify(*any);
    if (report.checks.empty()) std::abort();
    (void)report.ToJson().dump();
  }
  return 0;
}
