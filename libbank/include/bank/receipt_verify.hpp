// Offline verification of every receipt form CCF-based services emit, in
// one verifier, against a set of trust anchors, with a step-by-step report
// (bank/receipt_report.hpp) and a cache for many receipts.
//
// A JSON receipt (CCF's snake_case, ACL's camelCase, either in an envelope):
//   node_certificate  `cert` parses and holds an EC key;
//   node_id           `node_id` (when present) is SHA-256 of that key's SPKI DER;
//   transaction_id    the envelope's transactionId is the commit evidence's;
//   leaf              SHA-256(write_set_digest || SHA-256(commit_evidence) ||
//                     claims_digest), the claims digest being SHA-256 of the
//                     claim text when the receipt carries one;
//   claim, claims_digest, application_claims
//                     (when expected, or when an envelope carries
//                     applicationClaims) the leaf's claims digest is that of
//                     the claim text / the given digest / the recomputed
//                     application claims digest;
//   root_signature    the node key's DER ECDSA signature verifies over the
//                     root recomputed from the leaf and the proof (the root
//                     used as a prehashed SHA-256 digest);
//   endorsement       one step per service_endorsements link: the node
//                     certificate is signed by the first, each by the next
//                     (a previous service identity endorsed by a later one);
//   anchor            the last certificate is signed by a trust anchor.
// A COSE receipt (RFC 9942, CCF profile):
//   vds               395 is 2 (CCF_LEDGER_SHA256), else the receipt is skipped;
//   kid               names a trust anchor (when present);
//   leaf, claim(s)    as above (the claims digest is the data hash);
//   root_signature    the anchor's COSE_Sign1 signature over the recomputed
//                     root as detached payload (tried with each anchor the
//                     kid names, or each anchor of the alg when there is none);
//   anchor            which anchor that was.
// A transparent statement: statement (its shape), issuer_signature (info:
// the issuer's, not the ledger's), then each embedded receipt as above with
// data_hash: the receipt's claims digest is SHA-256 of the statement with
// an empty unprotected header.
//
// Without trust anchors (--check-integrity-only) every step that needs one
// is skipped and no report is anchored: for a COSE receipt that includes
// its signature, which only the service key can check.
//
// Certificate validity periods are not checked: a receipt proves what was
// signed when it was signed, as CCF's own verifier does (the real receipts
// in the vectors have long-expired certificates).
//
// ReceiptVerifier caches each distinct signed root and endorsement chain it
// has verified, so receipts sharing a signed root cost a hash walk each. It
// is not thread-safe: use one per thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "bank/cose_receipt.hpp"
#include "bank/receipt.hpp"
#include "bank/receipt_report.hpp"
#include "bank/transparent_statement.hpp"
#include "bank/trust_anchors.hpp"

namespace bank {

// What a receipt must prove besides its own integrity.
struct Expected {
  std::optional<std::string> claim;           // --claim TEXT
  std::optional<Digest> claims_digest;        // --claims-digest, --application-claims
  std::string claims_step = "claims_digest";  // the step's name
  std::string claims_source;                  // for the step's detail
  Expected() = default;
  // A claim text alone, the common case (implicit on purpose).
  Expected(std::optional<std::string> c) : claim(std::move(c)) {}  // NOLINT
  Expected(const std::string& c) : claim(c) {}                     // NOLINT
};

struct VerifyStats {
  size_t receipts = 0;
  size_t signatures_verified = 0;  // ECDSA verifications actually run
  size_t signature_cache_hits = 0;
  size_t endorsements_verified = 0;  // endorsement chains actually checked
  size_t endorsement_cache_hits = 0;
};

// A receipt file's content, any form.
using AnyReceipt = std::variant<Receipt, CoseReceipt, TransparentStatement>;
// JSON (first non-blank byte '{'), a transparent statement (COSE_Sign1 with
// 394) or a COSE receipt, by content.
Result<AnyReceipt> ParseAnyReceipt(std::span<const uint8_t> content);

class ReceiptVerifier {
 public:
  // No anchors: integrity only (see above).
  explicit ReceiptVerifier(TrustAnchors anchors);
  explicit ReceiptVerifier(const Certificate& service_cert);

  ReceiptReport Verify(const Receipt& receipt, const Expected& expected = {});
  ReceiptReport Verify(const CoseReceipt& receipt, const Expected& expected = {});
  ReceiptReport Verify(const TransparentStatement& statement, const Expected& expected = {});
  ReceiptReport Verify(const AnyReceipt& receipt, const Expected& expected = {});

  const VerifyStats& stats() const { return stats_; }

 private:
  // A node certificate with what each receipt needs from it computed once
  // (encoding a public key is far dearer than a receipt's hashing).
  struct ParsedCert {
    size_t serial = 0;  // its order in certs_: cache keys use it for the PEM
    bool ok = false;
    Certificate cert;
    PublicKey key;
    std::string node_id;
    std::string common_name;
    std::string error;
  };
  struct Chain {
    std::vector<Check> steps;  // the endorsement links, then the anchor
    std::string anchor;        // "" when not anchored
  };
  const ParsedCert& NodeCert(const std::string& pem);
  const Chain& Endorsements(const Receipt& receipt, const ParsedCert& node);

  TrustAnchors anchors_;
  std::unordered_map<std::string, ParsedCert> certs_;
  // Keys are length-prefixed byte strings compared exactly; a node
  // certificate appears as its ParsedCert::serial (one per distinct PEM).
  std::unordered_map<std::string, bool> signatures_;      // cert || root || signature → verified
  std::unordered_map<std::string, int> cose_signatures_;  // protected || root || sig → anchor, -1
  std::unordered_map<std::string, Chain> chains_;         // cert || endorsements → outcome
  std::string key_buffer_;                                // the key being looked up
  VerifyStats stats_;
};

}  // namespace bank
