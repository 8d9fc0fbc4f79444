// `receipt bundle TXID --out proof.json`: a transfer's portable proof
// (bank/transfer_proof.hpp): its receipt, claim, summary and the service
// certificate it verifies against, in one file that `receipt verify FILE
// --trust SERVICE_ID_OR_CERT` checks offline. The sender of the transfer
// makes it (the service gives a transfer's receipt to its sender only) and
// hands it to the receiving bank.
#include <fmt/format.h>

#include <memory>
#include <optional>

#include "bank/banking_client.hpp"
#include "bank/certificate.hpp"
#include "bank/encoding.hpp"
#include "bank/transfer_proof.hpp"
#include "cli.hpp"
#include "receipt_fetch.hpp"
#include "trust_anchor.hpp"

namespace bankctl {
namespace {

using bank::Result;
using bank::Status;
using nlohmann::json;

struct BundleArgs {
  std::string txid, out;
};

// The parties and amount of the banking app's claim "<from> sent <n> to <to>".
Result<bank::TransferProof> FromClaim(const std::string& claim) {
  const size_t sent = claim.find(" sent "), to = claim.rfind(" to ");
  uint64_t amount = 0;
  bank::TransferProof p;
  if (sent != std::string::npos && to != std::string::npos && to > sent + 6) {
    const std::string n = claim.substr(sent + 6, to - sent - 6);
    if (!n.empty() && n.find_first_not_of("0123456789") == std::string::npos && n.size() <= 20) {
      amount = std::stoull(n);
      p.from = claim.substr(0, sent);
      p.to = claim.substr(to + 4);
      p.amount = amount;
    }
  }
  if (p.from.empty() || p.to.empty() || bank::TransferProof::ClaimOf(p.from, p.amount, p.to) != claim)
    return Status::Rejected("the receipt's claim is not a transfer's (\"<from> sent <amount> to <to>\"): " +
                            claim);
  p.claim = claim;
  return p;
}

Status Bundle(Context& ctx, const BundleArgs& a) {
  auto txid = bank::TxId::Parse(a.txid);
  if (!txid)
    return Status::Usage("'" + a.txid + "' is not a transaction id (expected VIEW.SEQNO, e.g. 2.18)");
  BANK_ASSIGN_OR_RETURN(std::optional<bank::Certificate> service, TrustedServiceCertificate(ctx, ""));
  if (!service)
    return Status::Usage(
        "a proof bundles the service certificate: pass --cacert or --workspace with service_cert.pem");
  BANK_ASSIGN_OR_RETURN(
      bank::Response response,
      FetchReceipt(ctx, *txid, "/app/receipt?transaction_id=" + txid->ToString(), true, true));
  json receipt = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  const json* claim =
      receipt.is_object() && receipt.contains("leaf_components") ? &receipt["leaf_components"] : nullptr;
  if (claim == nullptr || !claim->contains("claim") || !(*claim)["claim"].is_string())
    return Status::Rejected("the service's receipt of " + txid->ToString() + " carries no claim text");
  BANK_ASSIGN_OR_RETURN(bank::TransferProof proof, FromClaim((*claim)["claim"].get<std::string>()));
  proof.txid = *txid;
  proof.receipt = receipt;
  proof.service_certificate = service->Pem();
  proof.service_identity = service->Id();
  // Accounts and time, from the sender's own history where the service
  // keeps one (bankd and the ccf-app bundle do).
  BANK_ASSIGN_OR_RETURN(bank::HttpClient * http, ctx.Client());
  if (auto entry = bank::BankingClient(http).TransactionInfo(*txid); entry.ok()) {
    proof.from_account = entry->account_name;
    proof.to_account = entry->counterparty_account;
    proof.time = entry->timestamp;
  }
  // Never hand out a proof that does not prove what it says.
  bank::ReceiptReport check = bank::VerifyTransferProof(proof, proof.service_certificate);
  if (!check.verified()) {
    const bank::Check* f = check.FirstFailure();
    return Status::VerifyFailed("the service's receipt does not verify: " +
                                (f ? f->name + ": " + f->detail : std::string("not anchored")));
  }
  BANK_RETURN_IF_ERROR(bank::WriteFileAtomic(a.out, proof.ToJson().dump(2) + "\n", 0644));
  ctx.Emit({{"transaction_id", txid->ToString()},
            {"file", a.out},
            {"claim", proof.claim},
            {"service_identity", proof.service_identity}},
           fmt::format(
               "proof of {} (\"{}\") written to {}\nthe receiver checks it with: bankctl receipt verify {} "
               "--trust {}",
               txid->ToString(), proof.claim, a.out, a.out, proof.service_identity));
  return Status::OK();
}

void Register(CLI::App& app, Context& ctx) {
  CLI::App* receipt = app.get_subcommand("receipt");  // cli/receipt.cpp, registered first
  auto args = std::make_shared<BundleArgs>();
  auto* bundle = receipt->add_subcommand(
      "bundle",
      "A portable proof of your transfer: receipt, claim, summary and service certificate in one file "
      "(verify it with receipt verify FILE --trust SERVICE_ID_OR_CERT)");
  bundle->add_option("TXID", args->txid, "Transaction id VIEW.SEQNO of the transfer (yours: you sent it)")
      ->required();
  bundle->add_option("--out", args->out, "The proof file to write")->required();
  ctx.Bind(bundle, [&ctx, args] { return Bundle(ctx, *args); });
}

BANKCTL_COMMAND_GROUP_ORDERED(Register, 31);

}  // namespace
}  // namespace bankctl
