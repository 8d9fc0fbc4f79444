// The service identities a receipt verifier trusts, from every place CCF
// based services publish them:
//  - service certificates: a PEM file (one certificate or a bundle), a DER
//    file, or a directory of them (*.pem, *.crt, *.cer, *.der);
//  - a JWKS, as CCF's and scitt-ccf-ledger's /jwks serve it:
//    {"keys": [{"kty": "EC", "crv": "P-384", "kid", "x", "y"}]} (base64url
//    coordinates). Other key types are refused: CCF signs with EC keys;
//  - a service parameters file, as the Code Transparency Service publishes:
//    {"parameters": [{"serviceCertificate": base64 DER, "serviceId": hex
//    SHA-256 of that DER, "treeAlgorithm": "CCF", ...}]}; a serviceId that
//    is not the certificate's digest is refused.
// Every anchor records where it came from, so a report can say which one
// verified a receipt. A COSE receipt names its key by kid: the ASCII hex
// SHA-256 of the key's SPKI DER (CCF 6.x wrote the raw 32 bytes); a JWKS
// kid is matched as given as well. Errors are Code::kInputFile naming the
// file and element.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bank/certificate.hpp"
#include "bank/key.hpp"

namespace bank {

struct TrustAnchor {
  PublicKey key;
  std::optional<Certificate> cert;  // absent for a JWKS key
  std::string kid;                  // hex SHA-256 of the SPKI DER
  std::string jwk_kid;              // the JWKS "kid", "" otherwise
  std::optional<int64_t> cose_alg;  // ES256/384/512 by the key's curve
  std::string origin;               // "FILE", "FILE[i]", "FILE kid=..."
  std::string name;                 // printable CN ("" for a JWKS key)
};

// A JWK's EC public key (RFC 7518 §6.2; P-256, P-384, P-521).
Result<PublicKey> PublicKeyFromJwk(const nlohmann::json& jwk);
// The JWK of an EC public key, with CCF's kid (hex SHA-256 of the SPKI DER).
Result<nlohmann::json> JwkFromPublicKey(const PublicKey& key);

class TrustAnchors {
 public:
  // Sniffs the content: PEM, DER, JWKS or service parameters; a directory
  // adds each certificate file in it (sorted by name).
  Status AddPath(const std::string& path);
  Status AddCertificate(Certificate cert, std::string origin);
  Status AddPemBundle(std::string_view pem, const std::string& origin);
  Status AddJwks(std::string_view json_text, const std::string& origin);
  Status AddServiceParameters(std::string_view json_text, const std::string& origin);

  bool empty() const { return anchors_.empty(); }
  const std::vector<TrustAnchor>& all() const { return anchors_; }
  // The anchors a COSE kid names (hex or raw digest, or a JWKS kid).
  std::vector<const TrustAnchor*> ByKid(std::span<const uint8_t> kid) const;

 private:
  Status Add(TrustAnchor anchor);
  std::vector<TrustAnchor> anchors_;
};

}  // namespace bank
