// Fuzz target: Azure Confidential Ledger application claims
// (bank/application_claims.hpp), as `receipt verify --application-claims`
// and ACL envelopes' "applicationClaims" are read. Any input must give a
// digest or one kInputFile error line, and the same digest every time.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bank/application_claims.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto digest = bank::ApplicationClaimsDigestFromText(text);
  if (!digest.ok()) {
    const std::string& m = digest.status().message();
    if (digest.status().code() != bank::Code::kInputFile || m.find('\n') != std::string::npos) std::abort();
    return 0;
  }
  auto again = bank::ApplicationClaimsDigestFromText(text);
  if (!again.ok() || *again != *digest) std::abort();
  return 0;
}
