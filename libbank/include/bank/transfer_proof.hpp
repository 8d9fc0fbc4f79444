// A portable proof of one transfer (`bankctl receipt bundle`): one JSON
// file that a receiving bank, an auditor or a court checks with nothing but
// the service identity it trusts (`bankctl receipt verify proof.json
// --trust SERVICE_ID_OR_CERT`), no network and no account.
//
//   {"type": "bankctl-transfer-proof/1",
//    "transaction_id": "2.45",
//    "summary": {"from", "from_account", "to", "to_account", "amount", "time"},
//    "claim": "<from> sent <amount> to <to>",
//    "receipt": CCF's JSON receipt of the transaction,
//    "service_certificate": PEM, "service_identity": its id (hex SHA-256 of
//    the DER, as CCF names identities)}
//
// VerifyTransferProof checks, each a step of the report:
//   trust           the bundled certificate is the one trusted (same DER, or
//                   the id given is its id) and service_identity is its id;
//   summary         the claim is exactly "<from> sent <amount> to <to>" of
//                   the summary, so a changed party or amount fails;
//   transaction_id  the receipt is of the bundled transaction;
// then every step of the receipt's own verification against the bundled
// certificate with the claim expected (bank/receipt_verify.hpp): the claim's
// digest is in the signed Merkle leaf. Accounts and time are shown, not
// proven: the claim is what the ledger signed.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "bank/receipt_report.hpp"
#include "bank/status.hpp"
#include "bank/txid.hpp"

namespace bank {

inline constexpr const char* kTransferProofType = "bankctl-transfer-proof/1";

struct TransferProof {
  TxId txid;
  std::string from, from_account, to, to_account, time;
  uint64_t amount = 0;
  std::string claim;
  nlohmann::json receipt;
  std::string service_certificate;  // PEM
  std::string service_identity;     // 64 hex

  // "<from> sent <amount> to <to>": the banking app's claim of a transfer.
  static std::string ClaimOf(const std::string& from, uint64_t amount, const std::string& to);
  nlohmann::json ToJson() const;
};

// Whether `content` is a JSON object of type kTransferProofType (decides
// how `receipt verify` reads a file).
bool LooksLikeTransferProof(std::string_view content);
// InputFile errors name the missing or malformed field.
Result<TransferProof> ParseTransferProof(std::string_view content);

// `trust`: a service certificate (PEM text) or a service identity (64 hex).
ReceiptReport VerifyTransferProof(const TransferProof& proof, const std::string& trust);

}  // namespace bank
