#include "receipts/receipts.hpp"

#include <fmt/format.h>

#include "bank/cose_receipt.hpp"

namespace bankd::receipts {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

enum class Form { kJson, kCose };
enum class Audience { kSender, kAnyone };

// A transfer's claim is "<from> sent <value> to <to>"; ids are 64 hex.
bool SentBy(const ledger::ReceiptMaterial& m, const std::string& caller_id) {
  return m.claim && m.claim->starts_with(caller_id + " sent ");
}

Response Serve(const Request& request, const ledger::Engine& engine, Form form, Audience audience) {
  const std::string* text = request.query_param("transaction_id");
  if (text == nullptr)
    return Response::Error(400, "InvalidQueryParameterValue", "Missing query parameter 'transaction_id'.");
  auto txid = bank::TxId::Parse(*text);
  if (!txid || txid->seqno == 0)
    return Response::Error(
        400, "InvalidQueryParameterValue",
        fmt::format("The value '{}' passed as query parameter 'transaction_id' is not a valid "
                    "transaction ID (expected <view>.<seqno>).",
                    *text));
  switch (engine.Status(*txid)) {
    case bank::TxStatus::kUnknown:
      return Response::Error(
          404, "TransactionPendingOrUnknown",
          fmt::format("Transaction {} is Unknown: this service has not written it.", txid->ToString()));
    case bank::TxStatus::kInvalid:
      return Response::Error(
          404, "TransactionInvalid",
          fmt::format("Transaction {} is Invalid: its view is not the one that holds seqno {}.",
                      txid->ToString(), txid->seqno));
    case bank::TxStatus::kPending:
    case bank::TxStatus::kCommitted:
      break;
  }
  auto material = engine.Receipt(*txid);
  if (!material) {
    Response wait = Response::Text(
        202, fmt::format("Historical transaction {} is not currently available: no signature covers it yet.",
                         txid->ToString()));
    wait.SetHeader("retry-after", "1");
    return wait;
  }
  if (audience == Audience::kSender && !SentBy(*material, request.caller.id))
    return Response::Error(
        404, "ResourceNotFound",
        fmt::format("Transaction {} is not a transfer sent by the caller.", txid->ToString()));
  if (form == Form::kJson) return Response::Json(bank::ReceiptToJson(JsonReceiptOf(*material)));

  if (material->is_signature_transaction)
    return Response::Error(
        404, "ResourceNotFound",
        fmt::format("Transaction {} is a signature transaction: its own root does not include it, "
                    "so it has no COSE inclusion proof (use the JSON receipt).",
                    txid->ToString()));
  // The service's COSE signature recorded in the signature transaction,
  // shared by every receipt under that root.
  bank::CoseSignedRoot signed_root{material->cose_protected_header, material->cose_signature};
  bank::ReceiptLeaf leaf{material->write_set_digest, material->commit_evidence, material->claims_digest, {}};
  bank::Bytes cose = bank::EncodeCoseReceipt(signed_root, leaf, material->proof);
  return Response::Text(200, bank::AsString(cose), "application/cose");
}

json Operation(const std::string& summary, const std::string& ok_body, const std::string& not_found) {
  json param = {{"name", "transaction_id"},
                {"in", "query"},
                {"required", true},
                {"description", "<view>.<seqno>, e.g. 2.18"},
                {"schema", {{"type", "string"}}}};
  auto described = [](const std::string& d) { return json{{"description", d}}; };
  return {{"summary", summary},
          {"parameters", json::array({param})},
          {"responses",
           {{"200", described(ok_body)},
            {"202", described("No signature covers the transaction yet: retry after `retry-after` seconds")},
            {"400", described("InvalidQueryParameterValue: missing or malformed transaction_id")},
            {"404", described(not_found)}}}};
}

}  // namespace

void RegisterReceiptEndpoints(http::Router& router) {
  const ledger::Engine* engine = &router.engine();
  auto add = [&](const std::string& path, auth::Policies policies, Form form, Audience audience,
                 json openapi) {
    router.AddDirect(
        "GET", path, std::move(policies),
        [engine, form, audience](const Request& r) { return Serve(r, *engine, form, audience); },
        std::move(openapi));
  };
  const std::string user_404 =
      "TransactionPendingOrUnknown / TransactionInvalid; ResourceNotFound: not a transfer the caller sent";
  const std::string member_404 = "TransactionPendingOrUnknown / TransactionInvalid";
  add("/app/receipt", {auth::UserCertPolicy()}, Form::kJson, Audience::kSender,
      Operation("CCF receipt of a transfer the caller sent, with its claim \"<from> sent <value> to <to>\"",
                "CCF JSON receipt: cert, node_id, service_endorsements, leaf_components {write_set_digest, "
                "commit_evidence, claims_digest, claim}, proof, signature",
                user_404));
  add("/app/receipt/cose", {auth::UserCertPolicy()}, Form::kCose, Audience::kSender,
      Operation(
          "COSE receipt (RFC 9942, CCF profile) of a transfer the caller sent",
          "application/cose: COSE_Sign1 by the service key, detached Merkle root, inclusion proof at 396/-1",
          user_404));
  add("/node/receipt", {auth::MemberCertPolicy()}, Form::kJson, Audience::kAnyone,
      Operation("CCF receipt of any transaction (members)",
                "CCF JSON receipt; a signature transaction's has \"leaf\" (the signed root) and "
                "\"is_signature_transaction\": true",
                member_404));
  add("/node/receipt/cose", {auth::MemberCertPolicy()}, Form::kCose, Audience::kAnyone,
      Operation(
          "COSE receipt (RFC 9942, CCF profile) of any transaction but a signature transaction (members)",
          "application/cose", member_404 + "; ResourceNotFound: a signature transaction"));
}

}  // namespace bankd::receipts
