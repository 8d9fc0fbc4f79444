// COSE receipts: RFC 9942 (COSE Receipts) with the CCF profile
// (draft-ietf-scitt-receipts-ccf-profile), as CCF 6.x+ issues them.
//
// Wire shape (labels confirmed against CCF's source and the profile draft):
//   18([ bstr(protected), unprotected, nil, bstr(signature r||s) ])
//   protected   = { 1: alg, 4: kid (bstr: ASCII hex of SHA-256 of the
//                   service key's SPKI DER; CCF 6.x wrote the raw 32 bytes),
//                   15: {6: iat[, 1: iss, 2: sub]}, 395: 2 (CCF_LEDGER_SHA256),
//                   "ccf.v1": {"txid": "V.S" of the signature transaction} }
//   unprotected = { 396: { -1: [ bstr(cbor(inclusion proof)) ] } }
//   proof       = { 1: [wsd bstr32, commit evidence tstr, claims digest bstr32],
//                   2: [ [left bool, hash bstr32], ... ] }
// The payload is detached: it is the Merkle root, which a verifier must
// recompute from the proof. The service key signs Sig_structure
// ["Signature1", protected, h'', root].
//
// Parsing is strict (types, sizes, exactly one inclusion proof) and bounded;
// errors are Code::kInputFile naming the element. A receipt of another
// verifiable data structure (vds != 2, e.g. RFC 9162's 1) parses with only
// its protected header read: the verifier reports it as skipped.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bank/certificate.hpp"
#include "bank/key.hpp"
#include "bank/receipt.hpp"

namespace bank {

inline constexpr int64_t kCoseLabelAlg = 1;
inline constexpr int64_t kCoseLabelKid = 4;
inline constexpr int64_t kCoseLabelCwtClaims = 15;
inline constexpr int64_t kCoseLabelVds = 395;
inline constexpr int64_t kCoseLabelVdp = 396;
inline constexpr int64_t kCwtClaimIss = 1;
inline constexpr int64_t kCwtClaimSub = 2;
inline constexpr int64_t kCwtClaimIat = 6;
inline constexpr int64_t kVdsCcfLedgerSha256 = 2;
inline constexpr int64_t kVdpInclusionProofs = -1;
inline constexpr const char* kCcfHeaderMap = "ccf.v1";
inline constexpr const char* kCcfHeaderTxId = "txid";

struct CoseReceipt {
  Bytes protected_header;  // the protected header bytes exactly as signed
  int64_t alg = 0;
  int64_t vds = kVdsCcfLedgerSha256;  // anything else: leaf and proof unread
  Bytes kid;
  std::optional<int64_t> issued_at;
  std::string issuer, subject;      // CWT iss / sub, "" when absent
  std::optional<TxId> signed_txid;  // "ccf.v1" txid: the signature transaction
  ReceiptLeaf leaf;                 // claims_digest always set (the data hash)
  std::vector<ProofStep> proof;
  Bytes signature;  // raw r||s
};

Result<CoseReceipt> ParseCoseReceipt(std::span<const uint8_t> data);

// The service's COSE signature over one Merkle root. Every receipt for a
// transaction under that root shares it; only the proof differs.
struct CoseSignedRoot {
  Bytes protected_header;
  Bytes signature;  // raw r||s
};

struct CoseRootClaims {
  Digest root{};
  TxId signed_txid;       // the signature transaction that recorded `root`
  int64_t issued_at = 0;  // seconds since the epoch
};

// Signs `claims.root` with the service key (ES256/384/512 by its curve).
Result<CoseSignedRoot> SignRootCose(const PrivateKey& service_key, const CoseRootClaims& claims);
// The receipt: `signed_root` plus the inclusion proof of `leaf`.
Bytes EncodeCoseReceipt(const CoseSignedRoot& signed_root, const ReceiptLeaf& leaf,
                        const std::vector<ProofStep>& proof);

// kid as CCF writes it: ASCII lowercase hex of SHA-256(SPKI DER) of `key`.
Bytes CoseKid(const PublicKey& key);

}  // namespace bank
