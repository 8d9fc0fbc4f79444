#include "bank/receipt.hpp"

#include "bank/encoding.hpp"

namespace bank {
namespace {

using nlohmann::json;

Status Bad(const std::string& what) { return Status::InputFile("receipt: " + what); }

// A key from the input, quoted and escaped for a one-line message.
std::string Shown(const std::string& key) {
  constexpr size_t kMax = 40;
  // Cutting may split a UTF-8 sequence: replace what does not decode.
  std::string quoted = json(key.size() > kMax ? key.substr(0, kMax) : key)
                           .dump(-1, ' ', false, json::error_handler_t::replace);
  if (key.size() > kMax) quoted.insert(quoted.size() - 1, "...");
  return quoted;
}

Result<std::string> StringField(const json& obj, const char* name, const std::string& where) {
  auto it = obj.find(name);
  if (it == obj.end()) return Bad(where + "\"" + name + "\" is missing");
  if (!it->is_string()) return Bad(where + "\"" + name + "\" must be a string");
  return it->get<std::string>();
}

Result<Digest> DigestField(const json& value, const std::string& name) {
  if (!value.is_string()) return Bad("\"" + name + "\" must be a string of 64 hex characters");
  auto d = DigestFromHex(value.get_ref<const std::string&>());
  if (!d.ok()) return Bad("\"" + name + "\" must be 64 hex characters");
  return *d;
}

Result<std::string> PemField(const json& value, const std::string& name) {
  if (!value.is_string()) return Bad("\"" + name + "\" must be a PEM certificate string");
  const auto& pem = value.get_ref<const std::string&>();
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return Bad("\"" + name + "\" is not a PEM certificate");
  return pem;
}

Result<ReceiptLeaf> ParseLeafComponents(const json& lc) {
  if (!lc.is_object()) return Bad("\"leaf_components\" must be an object");
  for (const auto& [key, value] : lc.items()) {
    (void)value;
    if (key != "write_set_digest" && key != "commit_evidence" && key != "claims_digest" && key != "claim")
      return Bad("unknown field " + Shown(key) + " in \"leaf_components\"");
  }
  ReceiptLeaf leaf;
  auto wsd = lc.find("write_set_digest");
  if (wsd == lc.end()) return Bad("\"leaf_components.write_set_digest\" is missing");
  BANK_ASSIGN_OR_RETURN(leaf.write_set_digest, DigestField(*wsd, "leaf_components.write_set_digest"));
  BANK_ASSIGN_OR_RETURN(leaf.commit_evidence, StringField(lc, "commit_evidence", "leaf_components."));
  if (!CommitEvidenceTxId(leaf.commit_evidence))
    return Bad("\"leaf_components.commit_evidence\" must be \"ce:<view>.<seqno>:<64 hex>\"");
  if (auto cd = lc.find("claims_digest"); cd != lc.end()) {
    BANK_ASSIGN_OR_RETURN(leaf.claims_digest, DigestField(*cd, "leaf_components.claims_digest"));
  }
  if (auto claim = lc.find("claim"); claim != lc.end()) {
    if (!claim->is_string()) return Bad("\"leaf_components.claim\" must be a string");
    leaf.claim = claim->get<std::string>();
  }
  return leaf;
}

Result<std::vector<ProofStep>> ParseProof(const json& proof) {
  if (!proof.is_array()) return Bad("\"proof\" must be an array");
  std::vector<ProofStep> steps;
  steps.reserve(proof.size());
  for (size_t i = 0; i < proof.size(); ++i) {
    const json& e = proof[i];
    std::string where = "proof[" + std::to_string(i) + "]";
    if (!e.is_object() || e.size() != 1)
      return Bad("\"" + where + "\" must be an object with exactly one of \"left\" or \"right\"");
    auto it = e.begin();
    ProofStep step{};
    if (it.key() == "left") {
      step.side = Side::kLeft;
    } else if (it.key() == "right") {
      step.side = Side::kRight;
    } else {
      return Bad("\"" + where + "\" has " + Shown(it.key()) + ", expected \"left\" or \"right\"");
    }
    BANK_ASSIGN_OR_RETURN(step.hash, DigestField(it.value(), where + "." + it.key()));
    steps.push_back(step);
  }
  return steps;
}

}  // namespace

std::optional<TxId> CommitEvidenceTxId(std::string_view ce) {
  if (ce.substr(0, 3) != "ce:") return std::nullopt;
  ce.remove_prefix(3);
  size_t colon = ce.find(':');
  if (colon == std::string_view::npos || ce.size() - colon - 1 != 64) return std::nullopt;
  if (!DigestFromHex(ce.substr(colon + 1)).ok()) return std::nullopt;
  return TxId::Parse(ce.substr(0, colon));
}

std::optional<TxId> ReceiptTxId(const Receipt& r) {
  if (r.leaf_components) return CommitEvidenceTxId(r.leaf_components->commit_evidence);
  return r.envelope_txid;
}

Result<Receipt> ReceiptFromJson(const json& input) {
  if (!input.is_object()) return Bad("expected a JSON object");
  const json* body = &input;
  Receipt r;
  // Managed CCF services wrap the receipt: {"receipt": {...}, "transactionId": "V.S"}.
  if (auto inner = input.find("receipt"); inner != input.end()) {
    if (!inner->is_object()) return Bad("\"receipt\" must be an object");
    body = &*inner;
    if (auto tid = input.find("transactionId"); tid != input.end()) {
      if (!tid->is_string()) return Bad("\"transactionId\" must be a string");
      auto parsed = TxId::Parse(tid->get_ref<const std::string&>());
      if (!parsed) return Bad("\"transactionId\" must be \"<view>.<seqno>\"");
      r.envelope_txid = *parsed;
    }
  }
  const json& j = *body;

  auto cert = j.find("cert");
  if (cert == j.end()) return Bad("\"cert\" (the node certificate) is missing");
  BANK_ASSIGN_OR_RETURN(r.node_cert_pem, PemField(*cert, "cert"));

  if (auto nid = j.find("node_id"); nid != j.end()) {
    if (!nid->is_string() || !IsHexId(nid->get_ref<const std::string&>()))
      return Bad("\"node_id\" must be 64 lowercase hex characters");
    r.node_id = nid->get<std::string>();
  }

  if (auto se = j.find("service_endorsements"); se != j.end()) {
    if (!se->is_array()) return Bad("\"service_endorsements\" must be an array");
    for (size_t i = 0; i < se->size(); ++i) {
      BANK_ASSIGN_OR_RETURN(auto pem, PemField((*se)[i], "service_endorsements[" + std::to_string(i) + "]"));
      r.service_endorsements.push_back(std::move(pem));
    }
  }

  auto lc = j.find("leaf_components");
  auto leaf = j.find("leaf");
  if (lc != j.end() && leaf != j.end()) return Bad("has both \"leaf_components\" and \"leaf\"");
  if (lc != j.end()) {
    BANK_ASSIGN_OR_RETURN(r.leaf_components, ParseLeafComponents(*lc));
  } else if (leaf != j.end()) {
    BANK_ASSIGN_OR_RETURN(r.signed_leaf, DigestField(*leaf, "leaf"));
  } else {
    return Bad("\"leaf_components\" is missing");
  }

  if (auto sig_tx = j.find("is_signature_transaction"); sig_tx != j.end()) {
    if (!sig_tx->is_boolean()) return Bad("\"is_signature_transaction\" must be a boolean");
    r.is_signature_transaction = sig_tx->get<bool>();
  }

  auto proof = j.find("proof");
  if (proof == j.end()) return Bad("\"proof\" is missing");
  BANK_ASSIGN_OR_RETURN(r.proof, ParseProof(*proof));

  BANK_ASSIGN_OR_RETURN(auto sig_b64, StringField(j, "signature", ""));
  auto sig = Base64Decode(sig_b64);
  if (!sig.ok() || sig->empty()) return Bad("\"signature\" must be base64");
  r.signature = std::move(*sig);
  return r;
}

Result<Receipt> ParseReceipt(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad("not valid JSON");
  return ReceiptFromJson(j);
}

json ReceiptToJson(const Receipt& r) {
  json j = json::object();
  j["cert"] = r.node_cert_pem;
  if (!r.node_id.empty()) j["node_id"] = r.node_id;
  j["service_endorsements"] = r.service_endorsements;
  if (r.leaf_components) {
    const auto& leaf = *r.leaf_components;
    json lc = {{"write_set_digest", DigestHex(leaf.write_set_digest)}, {"commit_evidence", leaf.commit_evidence}};
    if (leaf.claims_digest) lc["claims_digest"] = DigestHex(*leaf.claims_digest);
    if (leaf.claim) lc["claim"] = *leaf.claim;
    j["leaf_components"] = std::move(lc);
  } else if (r.signed_leaf) {
    j["leaf"] = DigestHex(*r.signed_leaf);
  }
  if (r.is_signature_transaction) j["is_signature_transaction"] = *r.is_signature_transaction;
  json proof = json::array();
  for (const auto& step : r.proof)
    proof.push_back({{step.side == Side::kLeft ? "left" : "right", DigestHex(step.hash)}});
  j["proof"] = std::move(proof);
  j["signature"] = Base64Encode(r.signature);
  return j;
}

}  // namespace bank
