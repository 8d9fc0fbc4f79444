// Transparent statements (draft-ietf-scitt-architecture; what the Code
// Transparency Service and scitt-ccf-ledger hand out): a signed statement,
// a COSE_Sign1 by its issuer, carrying the receipts of the transparency
// services that registered it in unprotected header 394:
//   18([ bstr(protected), {394: [bstr(receipt), ...], ...}, payload, sig ])
// A CCF receipt proves the statement as registered: its data_hash leaf
// component (the claims digest) is SHA-256 of the statement re-encoded with
// an empty unprotected header (checked against the production vector).
// The statement's own signature is the issuer's (x5chain, label 33, or a
// key the caller knows), not the ledger's: it is reported, and does not
// decide whether the ledger registered these bytes.
//
// Parsing is bounded and strict about the shape; errors are
// Code::kInputFile naming the element.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bank/certificate.hpp"
#include "bank/cose.hpp"
#include "bank/hash.hpp"

namespace bank {

inline constexpr int64_t kCoseLabelReceipts = 394;
inline constexpr int64_t kCoseLabelX5Chain = 33;

struct TransparentStatement {
  cose::Sign1 statement;
  int64_t alg = 0;
  std::string issuer, subject;       // CWT iss / sub (label 15), "" when absent
  std::vector<Certificate> x5chain;  // label 33, leaf first; empty when absent
  Digest registered_digest{};        // SHA-256 of the statement, unprotected {}
  std::vector<Bytes> receipts;       // the embedded receipts, as they are
};

// True when `data` is a COSE_Sign1 whose unprotected header holds 394.
bool LooksLikeTransparentStatement(std::span<const uint8_t> data);
Result<TransparentStatement> ParseTransparentStatement(std::span<const uint8_t> data);

// The issuer's signature with its x5chain leaf (ES256/384/512 and
// PS256/384/512). Code::kVerifyFailed; Code::kInputFile when there is no
// x5chain to check it with or the algorithm is not one of those.
Status VerifyIssuerSignature(const TransparentStatement& statement);

}  // namespace bank
