#include "bank/receipt_verify.hpp"

#include "bank/cose.hpp"

#include <algorithm>
#include <cctype>

namespace bank {
namespace {

constexpr Digest kNoClaims{};  // CCF's claims digest when the app set none

Check Pass(const char* name, std::string detail) { return {name, true, std::move(detail)}; }
Check Fail(const char* name, std::string detail) { return {name, false, std::move(detail)}; }

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// Certificate names are attacker-controlled bytes: keep reports printable
// ASCII (and therefore valid UTF-8 for JSON output).
std::string Printable(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return out;
}

// Leaf of a receipt's components. The claim text, when present, decides the
// claims digest; a claims_digest field that disagrees with it fails the
// check (the field still feeds the leaf, so the signature check stays
// meaningful on its own).
struct LeafOutcome {
  Digest leaf{};
  std::optional<Digest> claims;
  Check check;
};

LeafOutcome ComputeLeaf(const ReceiptLeaf& lc) {
  LeafOutcome out;
  out.claims = lc.claims_digest;
  std::string how = "claims_digest";
  bool consistent = true;
  if (lc.claim) {
    Digest from_text = Sha256(*lc.claim);
    if (lc.claims_digest && *lc.claims_digest != from_text) {
      consistent = false;
    } else {
      out.claims = from_text;
      how = "SHA-256 of the claim text";
    }
  }
  out.leaf = LeafHash(lc.write_set_digest, lc.commit_evidence, out.claims);
  if (!consistent) {
    out.check = Fail("leaf", "claims_digest " + DigestHex(*lc.claims_digest) +
                                 " is not SHA-256 of the claim text " + Quote(*lc.claim) + " (" +
                                 DigestHex(Sha256(*lc.claim)) + ")");
  } else if (out.claims) {
    out.check = Pass("leaf", "SHA-256(write_set_digest || SHA-256(commit_evidence) || claims digest) = " +
                                 DigestHex(out.leaf) + ", claims digest from " + how);
  } else {
    out.check = Pass("leaf", "SHA-256(write_set_digest || SHA-256(commit_evidence)) = " + DigestHex(out.leaf) +
                                 " (no claims digest: two-component leaf)");
  }
  return out;
}

// Whether the receipt proves exactly `expected`.
Check ClaimCheck(const ReceiptLeaf& lc, const std::optional<Digest>& claims, const std::string& expected) {
  if (lc.claim) {
    if (*lc.claim == expected) return Pass("claim", "the receipt proves the claim " + Quote(expected));
    return Fail("claim", "the receipt proves " + Quote(*lc.claim) + ", not " + Quote(expected));
  }
  if (!claims || *claims == kNoClaims)
    return Fail("claim", "the transaction set no application claim (claims digest " +
                             std::string(claims ? "all zeros" : "absent") + "), so it cannot prove " +
                             Quote(expected));
  if (*claims == Sha256(expected))
    return Pass("claim", "claims digest " + DigestHex(*claims) + " is SHA-256 of " + Quote(expected));
  return Fail("claim", "claims digest " + DigestHex(*claims) + " is not SHA-256 of " + Quote(expected) + " (" +
                           DigestHex(Sha256(expected)) + ")");
}

std::string CacheKey(std::initializer_list<std::span<const uint8_t>> parts) {
  std::string key;
  for (auto p : parts) {
    key += std::to_string(p.size());
    key += ':';
    key.append(reinterpret_cast<const char*>(p.data()), p.size());
  }
  return key;
}

bool IsDerSignature(const PublicKey& key, std::span<const uint8_t> der) {
  auto curve = key.curve();
  return curve.ok() && EcdsaDerToRaw(der, CurveCoordinateSize(*curve)).ok();
}

}  // namespace

bool ReceiptReport::verified() const { return !checks.empty() && FirstFailure() == nullptr; }

const Check* ReceiptReport::FirstFailure() const {
  auto it = std::find_if(checks.begin(), checks.end(), [](const Check& c) { return !c.passed; });
  return it == checks.end() ? nullptr : &*it;
}

nlohmann::json ReceiptReport::ToJson() const {
  nlohmann::json j = {{"source", source}, {"format", format}, {"verified", verified()}};
  j["transaction_id"] = txid ? nlohmann::json(txid->ToString()) : nlohmann::json(nullptr);
  if (signed_txid) j["signed_transaction_id"] = signed_txid->ToString();
  j["claim"] = claim ? nlohmann::json(*claim) : nlohmann::json(nullptr);
  if (leaf) j["leaf"] = DigestHex(*leaf);
  if (root) j["root"] = DigestHex(*root);
  nlohmann::json checks_json = nlohmann::json::array();
  for (const auto& c : checks) checks_json.push_back({{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}});
  j["checks"] = std::move(checks_json);
  return j;
}

ReceiptVerifier::ReceiptVerifier(Certificate service_cert)
    : service_cert_(std::move(service_cert)), service_key_(service_cert_.public_key()) {
  if (auto curve = service_key_.curve(); curve.ok()) service_alg_ = CoseAlgorithm(*curve);
  service_kid_hex_ = CoseKid(service_key_);
  service_kid_raw_ = Sha256(service_key_.SpkiDer());
  service_name_ = Printable(service_cert_.CommonName());
}

const ReceiptVerifier::ParsedCert& ReceiptVerifier::NodeCert(const std::string& pem) {
  auto it = certs_.find(pem);
  if (it != certs_.end()) return it->second;
  ParsedCert parsed;
  auto cert = Certificate::FromPem(pem, "node certificate");
  if (!cert.ok()) {
    parsed.error = cert.status().message();
  } else if (!cert->public_key().is_ec()) {
    parsed.error = "node certificate key is not an EC key";
  } else {
    parsed.ok = true;
    parsed.key = cert->public_key();
    parsed.node_id = cert->PublicKeyId();
    parsed.common_name = Printable(cert->CommonName());
    parsed.cert = std::move(*cert);
  }
  return certs_.emplace(pem, std::move(parsed)).first->second;
}

Check ReceiptVerifier::Endorsement(const Receipt& r, const ParsedCert& node) {
  if (!node.ok) return Fail("endorsement", "not checked: the node certificate is unusable");
  std::vector<std::span<const uint8_t>> parts{AsBytes(r.node_cert_pem)};
  for (const auto& e : r.service_endorsements) parts.push_back(AsBytes(e));
  std::string key;
  for (auto p : parts) key += CacheKey({p});
  if (auto it = endorsements_.find(key); it != endorsements_.end()) {
    ++stats_.endorsement_cache_hits;
    return it->second;
  }
  ++stats_.endorsements_verified;
  Check outcome = [&] {
    const Certificate* subject = &node.cert;
    std::string subject_name = "the node certificate";
    std::vector<Certificate> chain;
    for (size_t i = 0; i < r.service_endorsements.size(); ++i) {
      std::string name = "service_endorsements[" + std::to_string(i) + "]";
      auto e = Certificate::FromPem(r.service_endorsements[i], name);
      if (!e.ok()) return Fail("endorsement", e.status().message());
      chain.push_back(std::move(*e));
    }
    for (size_t i = 0; i < chain.size(); ++i) {
      std::string name = "service_endorsements[" + std::to_string(i) + "]";
      if (!subject->IsSignedBy(chain[i].public_key()))
        return Fail("endorsement", subject_name + " is not signed by " + name);
      subject = &chain[i];
      subject_name = name;
    }
    if (!subject->IsSignedBy(service_key_))
      return Fail("endorsement", subject_name + " is not signed by the service certificate (CN=" +
                                     service_name_ + ", id " + service_cert_.Id().substr(0, 16) +
                                     "...)");
    return Pass("endorsement",
                chain.empty() ? "the node certificate is signed by the service certificate (CN=" +
                                    service_name_ + ")"
                              : "the node certificate is endorsed by the service certificate through " +
                                    std::to_string(chain.size()) + " service endorsement(s)");
  }();
  endorsements_.emplace(std::move(key), outcome);
  return outcome;
}

ReceiptReport ReceiptVerifier::Verify(const Receipt& r, const std::optional<std::string>& expected_claim) {
  ++stats_.receipts;
  ReceiptReport rep;
  rep.format = "json";
  rep.txid = ReceiptTxId(r);

  const ParsedCert& node = NodeCert(r.node_cert_pem);
  if (node.ok) {
    rep.checks.push_back(Pass("node_certificate", "CN=" + node.common_name + ", node id " + node.node_id));
  } else {
    rep.checks.push_back(Fail("node_certificate", node.error));
  }

  if (!r.node_id.empty()) {
    if (!node.ok) {
      rep.checks.push_back(Fail("node_id", "not checked: the node certificate is unusable"));
    } else if (node.node_id == r.node_id) {
      rep.checks.push_back(Pass("node_id", "node_id is SHA-256 of the node certificate's public key"));
    } else {
      rep.checks.push_back(Fail("node_id", "node_id " + r.node_id + " is not the node certificate's (" +
                                               node.node_id + ")"));
    }
  }

  if (r.envelope_txid && r.leaf_components) {
    auto from_ce = CommitEvidenceTxId(r.leaf_components->commit_evidence);
    if (from_ce == r.envelope_txid) {
      rep.checks.push_back(Pass("transaction_id", "transactionId matches the commit evidence"));
    } else {
      rep.checks.push_back(Fail("transaction_id", "transactionId " + r.envelope_txid->ToString() +
                                                      " is not the commit evidence's " +
                                                      (from_ce ? from_ce->ToString() : "?")));
    }
  }

  Digest leaf{};
  if (r.leaf_components) {
    LeafOutcome lo = ComputeLeaf(*r.leaf_components);
    leaf = lo.leaf;
    rep.checks.push_back(lo.check);
    if (r.leaf_components->claim) rep.claim = r.leaf_components->claim;
    if (expected_claim) {
      Check c = ClaimCheck(*r.leaf_components, lo.claims, *expected_claim);
      if (c.passed) rep.claim = *expected_claim;
      rep.checks.push_back(std::move(c));
    }
  } else {
    leaf = *r.signed_leaf;
    rep.checks.push_back(Pass("leaf", "signature transaction: the receipt's leaf " + DigestHex(leaf) +
                                          " is the signed root"));
    if (expected_claim)
      rep.checks.push_back(Fail("claim", "a signature transaction carries no application claim"));
  }
  rep.leaf = leaf;
  Digest root = RootFromProof(leaf, r.proof);
  rep.root = root;

  if (!node.ok) {
    rep.checks.push_back(Fail("root_signature", "not checked: the node certificate is unusable"));
  } else {
    std::string key = CacheKey({AsBytes(r.node_cert_pem), root, r.signature});
    bool ok;
    if (auto it = signatures_.find(key); it != signatures_.end()) {
      ++stats_.signature_cache_hits;
      ok = it->second;
    } else {
      ++stats_.signatures_verified;
      ok = node.key.VerifyDigest(root, r.signature);
      signatures_.emplace(std::move(key), ok);
    }
    if (ok) {
      rep.checks.push_back(Pass("root_signature", "the node's signature over root " + DigestHex(root) +
                                                      " (from the leaf and " + std::to_string(r.proof.size()) +
                                                      " proof steps) verifies"));
    } else if (!IsDerSignature(node.key, r.signature)) {
      rep.checks.push_back(Fail("root_signature", "the signature is not a DER ECDSA signature"));
    } else {
      rep.checks.push_back(Fail("root_signature",
                                "the node's signature does not verify over root " + DigestHex(root) +
                                    " recomputed from the leaf and the proof: a leaf component, a proof step "
                                    "or the signature was altered, or this node did not sign it"));
    }
  }

  rep.checks.push_back(Endorsement(r, node));
  return rep;
}

ReceiptReport ReceiptVerifier::Verify(const CoseReceipt& r, const std::optional<std::string>& expected_claim) {
  ++stats_.receipts;
  ReceiptReport rep;
  rep.format = "cose";
  rep.txid = CommitEvidenceTxId(r.leaf.commit_evidence);
  rep.signed_txid = r.signed_txid;

  if (!r.kid.empty()) {
    bool matches = r.kid == service_kid_hex_ ||
                   std::equal(r.kid.begin(), r.kid.end(), service_kid_raw_.begin(), service_kid_raw_.end());
    rep.checks.push_back(matches ? Pass("kid", "kid names the service key")
                                 : Fail("kid", "kid does not name the service certificate's key: the receipt was "
                                               "signed for another service"));
  }

  LeafOutcome lo = ComputeLeaf(r.leaf);
  rep.leaf = lo.leaf;
  rep.checks.push_back(lo.check);
  if (expected_claim) {
    Check c = ClaimCheck(r.leaf, lo.claims, *expected_claim);
    if (c.passed) rep.claim = *expected_claim;
    rep.checks.push_back(std::move(c));
  }
  Digest root = RootFromProof(lo.leaf, r.proof);
  rep.root = root;

  if (service_alg_ != r.alg) {
    rep.checks.push_back(Fail("root_signature", "alg " + std::to_string(r.alg) +
                                                    " does not match the service key (" +
                                                    (service_alg_ ? std::to_string(*service_alg_) : "not EC") + ")"));
    return rep;
  }
  std::string key = CacheKey({r.protected_header, root, r.signature});
  bool ok;
  if (auto it = signatures_.find(key); it != signatures_.end()) {
    ++stats_.signature_cache_hits;
    ok = it->second;
  } else {
    ++stats_.signatures_verified;
    cose::Sign1 sign1;
    sign1.protected_bytes = r.protected_header;
    sign1.signature = r.signature;
    ok = cose::VerifySign1(sign1, r.alg, service_key_, root).ok();
    signatures_.emplace(std::move(key), ok);
  }
  if (ok) {
    rep.checks.push_back(Pass("root_signature", "the service's COSE signature over root " + DigestHex(root) +
                                                    " (from the leaf and " + std::to_string(r.proof.size()) +
                                                    " proof steps) verifies"));
  } else {
    rep.checks.push_back(Fail("root_signature",
                              "the service's COSE signature does not verify over root " + DigestHex(root) +
                                  " recomputed from the leaf and the proof: a leaf component, a proof step, the "
                                  "protected header or the signature was altered, or another service signed it"));
  }
  return rep;
}

Result<AnyReceipt> ParseAnyReceipt(std::span<const uint8_t> content) {
  auto first = std::find_if(content.begin(), content.end(), [](uint8_t c) { return !std::isspace(c); });
  if (first == content.end()) return Status::InputFile("receipt: empty");
  if (*first == '{') {
    BANK_ASSIGN_OR_RETURN(Receipt r, ParseReceipt(AsString(content)));
    return AnyReceipt(std::move(r));
  }
  BANK_ASSIGN_OR_RETURN(CoseReceipt r, ParseCoseReceipt(content));
  return AnyReceipt(std::move(r));
}

}  // namespace bank
