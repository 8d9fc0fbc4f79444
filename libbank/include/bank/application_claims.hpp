// Azure Confidential Ledger's application claims and the CCF claims digest
// its SDKs recompute from them (azure-confidentialledger's
// compute_claims_digest; the same in the .NET and Java SDKs).
//
// Input: the JSON array ACL returns as "applicationClaims", each element
//   {"kind": "LedgerEntry", "ledgerEntry": {"protocol": "LedgerEntryV1",
//     "collectionId": str, "contents": str, "secretKey": base64}}
//   {"kind": "ClaimDigest", "digest": {"protocol": str, "value": hex}}
// Digest:
//   LedgerEntryV1 entry = SHA-256(HMAC-SHA256(key, collectionId) ||
//                                 HMAC-SHA256(key, contents))
//   claim digest        = SHA-256(UTF-8 protocol || entry digest / value)
//   claims digest       = SHA-256(uint32 little-endian count || claim digests)
// The two kinds of one claim give the same digest: ClaimDigest carries the
// entry digest a LedgerEntry claim would compute. Errors are Code::kInputFile
// naming the element and field.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "bank/hash.hpp"
#include "bank/status.hpp"

namespace bank {

Result<Digest> ApplicationClaimsDigest(const nlohmann::json& claims);
Result<Digest> ApplicationClaimsDigestFromText(std::string_view json_text);

}  // namespace bank
