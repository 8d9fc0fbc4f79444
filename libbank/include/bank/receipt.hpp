// CCF receipts in their JSON form: the model, a strict parser and the
// serialiser bankd answers with.
//
// Accepted shapes (ccf-wire-notes §7):
//  - the plain receipt {"cert", "node_id", "service_endorsements",
//    "leaf_components": {"write_set_digest", "commit_evidence",
//    "claims_digest"}, "proof": [{"left"|"right": hex}], "signature"}, with
//    v2's optional "is_signature_transaction";
//  - the banking app's form, whose leaf_components carry the "claim" text
//    (claims digest = SHA-256 of its UTF-8), with or without "claims_digest";
//  - old signature-transaction receipts: "leaf" (the signed root itself)
//    instead of "leaf_components", and an empty proof;
//  - Azure Confidential Ledger's camelCase spelling of the same fields
//    ("leafComponents": {"writeSetDigest", "commitEvidence",
//    "claimsDigest"}, "nodeId", "serviceEndorsements"); one receipt uses one
//    spelling per field (both spellings of a field are refused);
//  - the envelope managed CCF services return, {"receipt": {...},
//    "transactionId": "V.S", "state": "Ready", "applicationClaims": [...]}
//    (ACL's get_receipt; the claims are kept for the verifier).
// Every known field is checked for type and format (64-hex digests,
// "ce:V.S:<64 hex>" commit evidence, base64 DER signature, PEM certificates);
// unknown top-level fields are ignored so that newer CCF versions still
// parse. Errors are Code::kInputFile with a message naming the field.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bank/hash.hpp"
#include "bank/merkle.hpp"
#include "bank/status.hpp"
#include "bank/txid.hpp"

namespace bank {

struct ReceiptLeaf {
  Digest write_set_digest{};
  std::string commit_evidence;          // "ce:<view>.<seqno>:<64 hex>"
  std::optional<Digest> claims_digest;  // absent: two-component leaf
  std::optional<std::string> claim;     // the application claim text, when given
};

// How the receipt was written (reported; ReceiptToJson writes CCF's spelling).
enum class ReceiptSpelling { kSnakeCase, kCamelCase };

struct Receipt {
  std::string node_cert_pem;
  std::string node_id;                            // "" when absent
  std::vector<std::string> service_endorsements;  // PEM, node side first
  std::optional<ReceiptLeaf> leaf_components;     // absent: signature-tx receipt
  std::optional<Digest> signed_leaf;              // "leaf" of signature-tx receipts
  std::vector<ProofStep> proof;
  Bytes signature;  // DER ECDSA by the node key over the root (prehashed)
  std::optional<bool> is_signature_transaction;
  ReceiptSpelling spelling = ReceiptSpelling::kSnakeCase;
  bool envelope = false;                             // came as {"receipt": {...}, ...}
  std::optional<TxId> envelope_txid;                 // "transactionId" of the envelope
  std::optional<std::string> envelope_state;         // "state" of the envelope ("Ready")
  std::optional<nlohmann::json> application_claims;  // "applicationClaims" of the envelope
};

// "ccf-json", "acl-camelCase", with "-envelope" when enveloped: the form
// named in reports.
std::string ReceiptFormName(const Receipt& receipt);

// "ce:V.S:<64 hex>" → V.S; nullopt when the text is not of that form.
std::optional<TxId> CommitEvidenceTxId(std::string_view commit_evidence);

// The transaction a receipt is for: from the commit evidence, else the
// envelope; nullopt for a signature-transaction receipt without envelope.
std::optional<TxId> ReceiptTxId(const Receipt& receipt);

Result<Receipt> ParseReceipt(std::string_view json_text);
Result<Receipt> ReceiptFromJson(const nlohmann::json& json);
// Serialises as CCF does (the claim, when set, next to the claims digest).
nlohmann::json ReceiptToJson(const Receipt& receipt);

}  // namespace bank
