#include "bank/transfer_proof.hpp"

#include <fmt/format.h>

#include "bank/certificate.hpp"
#include "bank/encoding.hpp"
#include "bank/receipt.hpp"
#include "bank/receipt_verify.hpp"

namespace bank {
namespace {

using nlohmann::json;

Status Missing(const std::string& field, const char* what) {
  return Status::InputFile(fmt::format("transfer proof: '{}' must be {}", field, what));
}

// An informative field: its text when present as a string, else empty.
std::string OptionalText(const json& j, const char* field) {
  auto it = j.find(field);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<std::string> Text(const json& j, const std::string& field) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_string()) return Missing(field, "a string");
  return it->get<std::string>();
}

}  // namespace

std::string TransferProof::ClaimOf(const std::string& from, uint64_t amount, const std::string& to) {
  return fmt::format("{} sent {} to {}", from, amount, to);
}

json TransferProof::ToJson() const {
  return {{"type", kTransferProofType},
          {"transaction_id", txid.ToString()},
          {"summary",
           {{"from", from},
            {"from_account", from_account},
            {"to", to},
            {"to_account", to_account},
            {"amount", amount},
            {"time", time}}},
          {"claim", claim},
          {"receipt", receipt},
          {"service_certificate", service_certificate},
          {"service_identity", service_identity}};
}

bool LooksLikeTransferProof(std::string_view content) {
  json j = json::parse(content, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.value("type", json()) == kTransferProofType;
}

Result<TransferProof> ParseTransferProof(std::string_view content) {
  json j = json::parse(content, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("type", json()) != kTransferProofType)
    return Status::InputFile(std::string("not a transfer proof (\"type\": \"") + kTransferProofType + "\")");
  TransferProof p;
  BANK_ASSIGN_OR_RETURN(std::string txid, Text(j, "transaction_id"));
  auto parsed = TxId::Parse(txid);
  if (!parsed) return Missing("transaction_id", "a transaction id VIEW.SEQNO");
  p.txid = *parsed;
  auto summary = j.find("summary");
  if (summary == j.end() || !summary->is_object()) return Missing("summary", "an object");
  BANK_ASSIGN_OR_RETURN(p.from, Text(*summary, "from"));
  BANK_ASSIGN_OR_RETURN(p.to, Text(*summary, "to"));
  p.from_account = OptionalText(*summary, "from_account");
  p.to_account = OptionalText(*summary, "to_account");
  p.time = OptionalText(*summary, "time");
  auto amount = summary->find("amount");
  if (amount == summary->end() || !amount->is_number_unsigned())
    return Missing("summary.amount", "an integer");
  p.amount = amount->get<uint64_t>();
  BANK_ASSIGN_OR_RETURN(p.claim, Text(j, "claim"));
  auto receipt = j.find("receipt");
  if (receipt == j.end() || !receipt->is_object()) return Missing("receipt", "a JSON receipt");
  p.receipt = *receipt;
  BANK_ASSIGN_OR_RETURN(p.service_certificate, Text(j, "service_certificate"));
  BANK_ASSIGN_OR_RETURN(p.service_identity, Text(j, "service_identity"));
  return p;
}

ReceiptReport VerifyTransferProof(const TransferProof& proof, const std::string& trust) {
  ReceiptReport report;
  report.form = "transfer-proof";
  report.txid = proof.txid;
  report.claim = proof.claim;
  auto fail = [&](const char* step, const std::string& why) {
    report.checks.push_back(Fail(step, why));
    return report;
  };

  auto cert = Certificate::FromPem(proof.service_certificate, "service_certificate");
  if (!cert.ok()) return fail("trust", cert.status().message());
  if (cert->Id() != proof.service_identity)
    return fail("trust", fmt::format("service_identity {} is not the bundled certificate's id {}",
                                     proof.service_identity, cert->Id()));
  if (IsHexId(trust)) {
    if (trust != cert->Id())
      return fail("trust", fmt::format("the bundled service certificate {} is not the trusted service {}",
                                       cert->Id(), trust));
  } else {
    auto trusted = Certificate::FromPem(trust, "--trust");
    if (!trusted.ok()) return fail("trust", trusted.status().message());
    if (trusted->Der() != cert->Der())
      return fail("trust", fmt::format("the bundled service certificate {} is not the trusted one {}",
                                       cert->Id(), trusted->Id()));
  }
  report.checks.push_back(
      Pass("trust", "the bundled service certificate is the trusted service " + cert->Id()));

  const std::string expected = TransferProof::ClaimOf(proof.from, proof.amount, proof.to);
  if (proof.claim != expected)
    return fail("summary",
                fmt::format("the claim \"{}\" is not the summary's \"{}\"", proof.claim, expected));
  report.checks.push_back(
      Pass("summary", fmt::format("{} sent {} to {}", proof.from, proof.amount, proof.to)));

  auto receipt = ReceiptFromJson(proof.receipt);
  if (!receipt.ok()) return fail("receipt", receipt.status().message());
  ReceiptVerifier verifier(*cert);
  ReceiptReport inner = verifier.Verify(*receipt, Expected(proof.claim));
  if (!inner.txid || *inner.txid != proof.txid)
    return fail("transaction_id",
                fmt::format("the receipt is of transaction {}, not {}",
                            inner.txid ? inner.txid->ToString() : "(none)", proof.txid.ToString()));
  report.checks.push_back(Pass("transaction_id", "the receipt is of transaction " + proof.txid.ToString()));
  report.checks.insert(report.checks.end(), inner.checks.begin(), inner.checks.end());
  report.leaf = inner.leaf;
  report.root = inner.root;
  report.anchored = inner.anchored;
  report.anchor = inner.anchor;
  return report;
}

}  // namespace bank
