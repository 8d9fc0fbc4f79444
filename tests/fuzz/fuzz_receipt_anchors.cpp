// Fuzz target: the trust anchor readers (bank/trust_anchors.hpp): JWKS,
// service parameters files and PEM bundles, as `receipt verify --jwks /
// --service-params / --service-cert` read them. Any input must load or give
// one kInputFile error line; every anchor loaded holds an EC key and CCF's
// kid (64 hex).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bank/encoding.hpp"
#include "bank/trust_anchors.hpp"

namespace {

void Check(const bank::Status& s, const bank::TrustAnchors& anchors) {
  if (!s.ok() && (s.code() != bank::Code::kInputFile || s.message().find('\n') != std::string::npos))
    std::abort();
  for (const auto& a : anchors.all())
    if (!a.key.is_ec() || !bank::IsHexId(a.kid) || !a.cose_alg) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  bank::TrustAnchors jwks, params, pem;
  Check(jwks.AddJwks(text, "fuzz"), jwks);
  Check(params.AddServiceParameters(text, "fuzz"), params);
  Check(pem.AddPemBundle(text, "fuzz"), pem);
  for (const auto& a : jwks.all()) {
    auto jwk = bank::JwkFromPublicKey(a.key);
    if (!jwk.ok() || !bank::PublicKeyFromJwk(*jwk).ok()) std::abort();
  }
  return 0;
}
