// Offline verification of CCF receipts (JSON and COSE) against a service
// certificate, with a structured report and a cache for many receipts.
//
// A JSON receipt verifies when:
//   node_certificate  `cert` parses and holds an EC key;
//   node_id           `node_id` (when present) is SHA-256 of that key's SPKI
//                     DER (checked against a real CCF receipt);
//   transaction_id    the envelope's transactionId (when present) is the one
//                     in the commit evidence;
//   leaf              SHA-256(write_set_digest || SHA-256(commit_evidence) ||
//                     claims_digest) is computable, the claims digest being
//                     SHA-256 of the claim text when the receipt carries one
//                     (and equal to claims_digest when both are present);
//   claim             (only when a claim is expected) the receipt proves
//                     exactly that claim text;
//   root_signature    the node key's DER ECDSA signature verifies over the
//                     root recomputed from the leaf and the proof (the
//                     32-byte root used as a prehashed SHA-256 digest);
//   endorsement       the node certificate is signed by the service
//                     certificate, directly or through service_endorsements
//                     (each signed by the next, the last by the service).
// A COSE receipt verifies when kid (when present) names the service key, the
// leaf and claim checks pass, and root_signature: the service key's COSE_Sign1
// signature verifies over the recomputed root as detached payload.
//
// Certificate validity periods are not checked: a receipt proves what was
// signed when it was signed, and CCF's own verifier does not check them
// either (the real receipt in tests/vectors has long-expired certificates).
//
// Every check is reported (a check that could not run because an earlier
// input was unusable fails with "not checked: ..."). ReceiptVerifier caches
// each distinct (node certificate, root, signature) and each endorsement
// chain it has verified, so receipts sharing a signed root cost one hash
// walk each. It is not thread-safe: use one per thread.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "bank/certificate.hpp"
#include "bank/cose_receipt.hpp"
#include "bank/receipt.hpp"

namespace bank {

struct Check {
  std::string name;  // stable: scripts read it from --output json
  bool passed = false;
  std::string detail;
};

struct ReceiptReport {
  std::string source;  // file name (set by the caller), for messages
  std::string format;  // "json" or "cose"
  std::optional<TxId> txid;
  std::optional<TxId> signed_txid;  // COSE: the signature transaction
  std::optional<std::string> claim;  // the claim text proven, when known
  std::optional<Digest> leaf, root;
  std::vector<Check> checks;

  bool verified() const;
  // The first failed check, or nullptr.
  const Check* FirstFailure() const;
  nlohmann::json ToJson() const;
};

struct VerifyStats {
  size_t receipts = 0;
  size_t signatures_verified = 0;   // ECDSA verifications actually run
  size_t signature_cache_hits = 0;
  size_t endorsements_verified = 0;  // endorsement chains actually checked
  size_t endorsement_cache_hits = 0;
};

class ReceiptVerifier {
 public:
  // `service_cert` is the trust anchor.
  explicit ReceiptVerifier(Certificate service_cert);

  ReceiptReport Verify(const Receipt& receipt, const std::optional<std::string>& expected_claim = std::nullopt);
  ReceiptReport Verify(const CoseReceipt& receipt,
                       const std::optional<std::string>& expected_claim = std::nullopt);

  const VerifyStats& stats() const { return stats_; }

 private:
  // A node certificate with what each receipt needs from it computed once
  // (encoding a public key is far dearer than a receipt's hashing).
  struct ParsedCert {
    bool ok = false;
    Certificate cert;
    PublicKey key;
    std::string node_id;
    std::string common_name;
    std::string error;
  };
  const ParsedCert& NodeCert(const std::string& pem);
  Check Endorsement(const Receipt& receipt, const ParsedCert& node);

  Certificate service_cert_;
  PublicKey service_key_;
  std::optional<int64_t> service_alg_;  // COSE alg of the service key (EC keys only)
  Bytes service_kid_hex_;               // kid as CCF writes it (hex of the SPKI digest)
  Digest service_kid_raw_{};            // kid as CCF 6.x wrote it (the digest itself)
  std::string service_name_;            // printable CN
  std::unordered_map<std::string, ParsedCert> certs_;
  std::unordered_map<std::string, bool> signatures_;  // cert || root || signature → verified
  std::unordered_map<std::string, Check> endorsements_;  // cert || endorsements → outcome
  VerifyStats stats_;
};

// A receipt file's content, either form.
using AnyReceipt = std::variant<Receipt, CoseReceipt>;
// JSON (first non-blank byte '{') or COSE (CBOR) by content.
Result<AnyReceipt> ParseAnyReceipt(std::span<const uint8_t> content);

}  // namespace bank
