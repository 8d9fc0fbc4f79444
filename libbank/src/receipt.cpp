#include "bank/receipt.hpp"

#include "bank/encoding.hpp"
#include "bank/json_text.hpp"

namespace bank {
namespace {

using nlohmann::json;

Status Bad(const std::string& what) { return Status::InputFile("receipt: " + what); }

// A key from the input, quoted and escaped for a one-line message.
std::string Shown(const std::string& key) {
  constexpr size_t kMax = 40;
  // Cutting may split a UTF-8 sequence: replace what does not decode.
  std::string quoted = Quoted(key.size() > kMax ? key.substr(0, kMax) : key);
  if (key.size() > kMax) quoted.insert(quoted.size() - 1, "...");
  return quoted;
}

// A field's two spellings: CCF's snake_case and Azure Confidential Ledger's
// camelCase (the same name when both agree).
struct Name {
  const char* snake;
  const char* camel;
};

// The field under either spelling (nullptr when absent), noting which one
// was used; both at once is ambiguous and refused.
Result<const json*> Find(const json& obj, Name n, const std::string& where, ReceiptSpelling* spelling) {
  auto s = obj.find(n.snake);
  auto c = std::string_view(n.snake) == n.camel ? obj.end() : obj.find(n.camel);
  if (s != obj.end() && c != obj.end())
    return Bad(where + "has both \"" + n.snake + "\" and \"" + n.camel + "\"");
  if (c != obj.end()) {
    *spelling = ReceiptSpelling::kCamelCase;
    return &*c;
  }
  return s == obj.end() ? nullptr : &*s;
}

Result<std::string> StringValue(const json* v, const std::string& name) {
  if (v == nullptr) return Bad("\"" + name + "\" is missing");
  if (!v->is_string()) return Bad("\"" + name + "\" must be a string");
  return v->get<std::string>();
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

constexpr Name kWriteSetDigest{"write_set_digest", "writeSetDigest"};
constexpr Name kCommitEvidence{"commit_evidence", "commitEvidence"};
constexpr Name kClaimsDigest{"claims_digest", "claimsDigest"};
constexpr Name kClaim{"claim", "claim"};

Result<ReceiptLeaf> ParseLeafComponents(const json& lc, const std::string& lc_name,
                                        ReceiptSpelling* spelling) {
  if (!lc.is_object()) return Bad("\"" + lc_name + "\" must be an object");
  for (const auto& [key, value] : lc.items()) {
    (void)value;
    bool known = false;
    for (Name n : {kWriteSetDigest, kCommitEvidence, kClaimsDigest, kClaim})
      known = known || key == n.snake || key == n.camel;
    if (!known) return Bad("unknown field " + Shown(key) + " in \"" + lc_name + "\"");
  }
  const std::string where = lc_name + ".";
  auto name = [&](Name n) { return where + (*spelling == ReceiptSpelling::kCamelCase ? n.camel : n.snake); };
  ReceiptLeaf leaf;
  BANK_ASSIGN_OR_RETURN(const json* wsd, Find(lc, kWriteSetDigest, where, spelling));
  if (wsd == nullptr) return Bad("\"" + name(kWriteSetDigest) + "\" is missing");
  BANK_ASSIGN_OR_RETURN(leaf.write_set_digest, DigestField(*wsd, name(kWriteSetDigest)));
  BANK_ASSIGN_OR_RETURN(const json* ce, Find(lc, kCommitEvidence, where, spelling));
  BANK_ASSIGN_OR_RETURN(leaf.commit_evidence, StringValue(ce, name(kCommitEvidence)));
  if (!CommitEvidenceTxId(leaf.commit_evidence))
    return Bad("\"" + name(kCommitEvidence) + "\" must be \"ce:<view>.<seqno>:<64 hex>\"");
  BANK_ASSIGN_OR_RETURN(const json* cd, Find(lc, kClaimsDigest, where, spelling));
  if (cd != nullptr) {
    BANK_ASSIGN_OR_RETURN(leaf.claims_digest, DigestField(*cd, name(kClaimsDigest)));
  }
  if (auto claim = lc.find("claim"); claim != lc.end()) {
    if (!claim->is_string()) return Bad("\"" + where + "claim\" must be a string");
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

std::string ReceiptFormName(const Receipt& r) {
  std::string name = r.spelling == ReceiptSpelling::kCamelCase ? "acl-camelCase" : "ccf-json";
  return r.envelope ? name + "-envelope" : name;
}

Result<Receipt> ReceiptFromJson(const json& input) {
  if (!input.is_object()) return Bad("expected a JSON object");
  const json* body = &input;
  Receipt r;
  // Managed CCF services wrap the receipt: {"receipt": {...}, "state":
  // "Ready", "transactionId": "V.S", "applicationClaims": [...]}.
  if (auto inner = input.find("receipt"); inner != input.end()) {
    if (!inner->is_object()) return Bad("\"receipt\" must be an object");
    body = &*inner;
    r.envelope = true;
    if (auto tid = input.find("transactionId"); tid != input.end()) {
      if (!tid->is_string()) return Bad("\"transactionId\" must be a string");
      auto parsed = TxId::Parse(tid->get_ref<const std::string&>());
      if (!parsed) return Bad("\"transactionId\" must be \"<view>.<seqno>\"");
      r.envelope_txid = *parsed;
    }
    if (auto state = input.find("state"); state != input.end()) {
      if (!state->is_string()) return Bad("\"state\" must be a string");
      r.envelope_state = state->get<std::string>();
      if (*r.envelope_state != "Ready")
        return Bad("the envelope's \"state\" is \"" + *r.envelope_state +
                   "\", not \"Ready\": no receipt yet");
    }
    if (auto claims = input.find("applicationClaims"); claims != input.end()) {
      if (!claims->is_array()) return Bad("\"applicationClaims\" must be an array");
      r.application_claims = *claims;
    }
  }
  const json& j = *body;
  ReceiptSpelling* sp = &r.spelling;
  auto name = [&](Name n) {
    return std::string(r.spelling == ReceiptSpelling::kCamelCase ? n.camel : n.snake);
  };

  auto cert = j.find("cert");
  if (cert == j.end()) return Bad("\"cert\" (the node certificate) is missing");
  BANK_ASSIGN_OR_RETURN(r.node_cert_pem, PemField(*cert, "cert"));

  // leafComponents first: it decides the spelling the other names are shown in.
  constexpr Name kLeafComponents{"leaf_components", "leafComponents"};
  BANK_ASSIGN_OR_RETURN(const json* lc, Find(j, kLeafComponents, "", sp));
  auto leaf = j.find("leaf");
  if (lc != nullptr && leaf != j.end()) return Bad("has both \"" + name(kLeafComponents) + "\" and \"leaf\"");
  if (lc != nullptr) {
    BANK_ASSIGN_OR_RETURN(r.leaf_components, ParseLeafComponents(*lc, name(kLeafComponents), sp));
  } else if (leaf != j.end()) {
    BANK_ASSIGN_OR_RETURN(r.signed_leaf, DigestField(*leaf, "leaf"));
  } else {
    return Bad("\"leaf_components\" (or \"leafComponents\") is missing");
  }

  constexpr Name kNodeId{"node_id", "nodeId"};
  BANK_ASSIGN_OR_RETURN(const json* nid, Find(j, kNodeId, "", sp));
  if (nid != nullptr) {
    if (!nid->is_string() || !IsHexId(nid->get_ref<const std::string&>()))
      return Bad("\"" + name(kNodeId) + "\" must be 64 lowercase hex characters");
    r.node_id = nid->get<std::string>();
  }

  constexpr Name kEndorsements{"service_endorsements", "serviceEndorsements"};
  BANK_ASSIGN_OR_RETURN(const json* se, Find(j, kEndorsements, "", sp));
  if (se != nullptr && !se->is_null()) {
    if (!se->is_array()) return Bad("\"" + name(kEndorsements) + "\" must be an array");
    for (size_t i = 0; i < se->size(); ++i) {
      BANK_ASSIGN_OR_RETURN(auto pem,
                            PemField((*se)[i], name(kEndorsements) + "[" + std::to_string(i) + "]"));
      r.service_endorsements.push_back(std::move(pem));
    }
  }

  constexpr Name kIsSignatureTx{"is_signature_transaction", "isSignatureTransaction"};
  BANK_ASSIGN_OR_RETURN(const json* sig_tx, Find(j, kIsSignatureTx, "", sp));
  if (sig_tx != nullptr) {
    if (!sig_tx->is_boolean()) return Bad("\"" + name(kIsSignatureTx) + "\" must be a boolean");
    r.is_signature_transaction = sig_tx->get<bool>();
  }

  auto proof = j.find("proof");
  if (proof == j.end()) return Bad("\"proof\" is missing");
  BANK_ASSIGN_OR_RETURN(r.proof, ParseProof(*proof));

  auto sig = j.find("signature");
  BANK_ASSIGN_OR_RETURN(auto sig_b64, StringValue(sig == j.end() ? nullptr : &*sig, "signature"));
  auto sig_bytes = Base64Decode(sig_b64);
  if (!sig_bytes.ok() || sig_bytes->empty()) return Bad("\"signature\" must be base64");
  r.signature = std::move(*sig_bytes);
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
    json lc = {{"write_set_digest", DigestHex(leaf.write_set_digest)},
               {"commit_evidence", leaf.commit_evidence}};
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
