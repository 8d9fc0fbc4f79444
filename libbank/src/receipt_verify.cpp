#include "bank/receipt_verify.hpp"

#include <algorithm>
#include <cctype>

#include "bank/application_claims.hpp"
#include "bank/cose.hpp"

namespace bank {
namespace {

constexpr Digest kNoClaims{};  // CCF's claims digest when the app set none
constexpr const char* kNoAnchor = "not checked: no trust anchor (--check-integrity-only)";

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// Certificate names are attacker-controlled bytes: keep reports printable
// ASCII (and therefore valid UTF-8 for JSON output).
std::string Printable(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return out;
}

std::string AnchorName(const TrustAnchor& a) {
  return a.name.empty() ? a.origin : a.origin + " (CN=" + a.name + ")";
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
    out.check =
        Fail("leaf", "claims_digest " + DigestHex(*lc.claims_digest) + " is not SHA-256 of the claim text " +
                         Quote(*lc.claim) + " (" + DigestHex(Sha256(*lc.claim)) + ")");
  } else if (out.claims) {
    out.check = Pass("leaf", "SHA-256(write_set_digest || SHA-256(commit_evidence) || claims digest) = " +
                                 DigestHex(out.leaf) + ", claims digest from " + how);
  } else {
    out.check =
        Pass("leaf", "SHA-256(write_set_digest || SHA-256(commit_evidence)) = " + DigestHex(out.leaf) +
                         " (no claims digest: two-component leaf)");
  }
  return out;
}

// Whether the receipt proves exactly the claim text `expected`.
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
  return Fail("claim", "claims digest " + DigestHex(*claims) + " is not SHA-256 of " + Quote(expected) +
                           " (" + DigestHex(Sha256(expected)) + ")");
}

// Whether the leaf's claims digest is `want` (given, or recomputed).
Check ClaimsDigestCheck(const std::string& step, const std::string& source,
                        const std::optional<Digest>& claims, const Digest& want) {
  if (!claims) return Fail(step, "the receipt has no claims digest; " + source + " gives " + DigestHex(want));
  if (*claims == want) return Pass(step, "the leaf's claims digest " + DigestHex(want) + " is " + source);
  return Fail(step,
              "the leaf's claims digest " + DigestHex(*claims) + " is not " + source + " " + DigestHex(want));
}

// The steps about claims, in order: claim text, then claims digest.
void ClaimSteps(const ReceiptLeaf& lc, const std::optional<Digest>& claims, const Expected& expected,
                ReceiptReport& rep) {
  if (expected.claim) {
    Check c = ClaimCheck(lc, claims, *expected.claim);
    if (c.passed()) rep.claim = *expected.claim;
    rep.checks.push_back(std::move(c));
  }
  if (expected.claims_digest)
    rep.checks.push_back(
        ClaimsDigestCheck(expected.claims_step, expected.claims_source, claims, *expected.claims_digest));
}

// Appends a length-prefixed part to a cache key, so that no two different
// sequences of parts make the same key.
void AppendKeyPart(std::string& key, std::span<const uint8_t> part) {
  key += std::to_string(part.size());
  key += ':';
  key.append(reinterpret_cast<const char*>(part.data()), part.size());
}

// The key in `buffer` (reused across receipts: the shared-root case then
// allocates nothing for its cache lookups).
const std::string& CacheKey(std::string& buffer, std::initializer_list<std::span<const uint8_t>> parts) {
  buffer.clear();
  for (auto p : parts) AppendKeyPart(buffer, p);
  return buffer;
}

// A node certificate in a key: its serial in certs_, which holds each
// distinct PEM once, stands for those exact PEM bytes.
std::span<const uint8_t> SerialBytes(const size_t& serial) {
  return {reinterpret_cast<const uint8_t*>(&serial), sizeof serial};
}

bool IsDerSignature(const PublicKey& key, std::span<const uint8_t> der) {
  auto curve = key.curve();
  return curve.ok() && EcdsaDerToRaw(der, CurveCoordinateSize(*curve)).ok();
}

}  // namespace

ReceiptVerifier::ReceiptVerifier(TrustAnchors anchors) : anchors_(std::move(anchors)) {}

ReceiptVerifier::ReceiptVerifier(const Certificate& service_cert) {
  (void)anchors_.AddCertificate(service_cert, "the service certificate");
}

const ReceiptVerifier::ParsedCert& ReceiptVerifier::NodeCert(const std::string& pem) {
  auto it = certs_.find(pem);
  if (it != certs_.end()) return it->second;
  ParsedCert parsed;
  parsed.serial = certs_.size();
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

const ReceiptVerifier::Chain& ReceiptVerifier::Endorsements(const Receipt& r, const ParsedCert& node) {
  std::string& key = key_buffer_;
  CacheKey(key, {SerialBytes(node.serial)});
  for (const auto& e : r.service_endorsements) AppendKeyPart(key, AsBytes(e));
  if (auto it = chains_.find(key); it != chains_.end()) {
    ++stats_.endorsement_cache_hits;
    return it->second;
  }
  ++stats_.endorsements_verified;
  Chain chain;
  [&] {
    if (!node.ok) {
      chain.steps.push_back(Fail("anchor", "not checked: the node certificate is unusable"));
      return;
    }
    const Certificate* subject = &node.cert;
    std::string subject_name = "the node certificate (CN=" + node.common_name + ")";
    std::vector<Certificate> links;
    for (size_t i = 0; i < r.service_endorsements.size(); ++i) {
      std::string name = "service_endorsements[" + std::to_string(i) + "]";
      auto e = Certificate::FromPem(r.service_endorsements[i], name);
      if (!e.ok()) {
        chain.steps.push_back(Fail("endorsement", e.status().message()));
        return;
      }
      links.push_back(std::move(*e));
    }
    for (size_t i = 0; i < links.size(); ++i) {
      std::string name = "service_endorsements[" + std::to_string(i) +
                         "] (CN=" + Printable(links[i].CommonName()) + ", id " + links[i].Id().substr(0, 16) +
                         "...)";
      if (!subject->IsSignedBy(links[i].public_key())) {
        chain.steps.push_back(Fail("endorsement", subject_name + " is not signed by " + name));
        return;
      }
      chain.steps.push_back(Pass("endorsement", subject_name + " is signed by " + name));
      subject = &links[i];
      subject_name = name;
    }
    if (anchors_.empty()) {
      chain.steps.push_back(Skip("anchor", std::string(kNoAnchor) + ": who signed " + subject_name));
      return;
    }
    for (const auto& a : anchors_.all()) {
      if (subject->IsSignedBy(a.key)) {
        chain.anchor = AnchorName(a);
        chain.steps.push_back(
            Pass("anchor", subject_name + " is signed by the trust anchor " + chain.anchor));
        return;
      }
    }
    chain.steps.push_back(Fail("anchor", subject_name + " is not signed by any of the " +
                                             std::to_string(anchors_.all().size()) +
                                             " trust anchor(s): the receipt is from another service, or an "
                                             "endorsement of a previous service identity is missing"));
  }();
  return chains_.emplace(key, std::move(chain)).first->second;
}

ReceiptReport ReceiptVerifier::Verify(const Receipt& r, const Expected& expected_in) {
  ++stats_.receipts;
  ReceiptReport rep;
  rep.form = ReceiptFormName(r);
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
      rep.checks.push_back(
          Fail("node_id", "node_id " + r.node_id + " is not the node certificate's (" + node.node_id + ")"));
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

  // The envelope's applicationClaims are checked unless told otherwise.
  Expected expected = expected_in;
  if (!expected.claims_digest && r.application_claims) {
    expected.claims_step = "application_claims";
    auto d = ApplicationClaimsDigest(*r.application_claims);
    if (d.ok()) {
      expected.claims_digest = *d;
      expected.claims_source = "the digest of the envelope's applicationClaims";
    } else {
      rep.checks.push_back(Fail("application_claims", d.status().message()));
    }
  }

  Digest leaf{};
  if (r.leaf_components) {
    LeafOutcome lo = ComputeLeaf(*r.leaf_components);
    leaf = lo.leaf;
    rep.checks.push_back(lo.check);
    if (r.leaf_components->claim) rep.claim = r.leaf_components->claim;
    ClaimSteps(*r.leaf_components, lo.claims, expected, rep);
  } else {
    leaf = *r.signed_leaf;
    rep.checks.push_back(
        Pass("leaf", "signature transaction: the receipt's leaf " + DigestHex(leaf) + " is the signed root"));
    if (expected.claim)
      rep.checks.push_back(Fail("claim", "a signature transaction carries no application claim"));
    if (expected.claims_digest)
      rep.checks.push_back(Fail(expected.claims_step, "a signature transaction carries no claims digest"));
  }
  rep.leaf = leaf;
  Digest root = RootFromProof(leaf, r.proof);
  rep.root = root;

  if (!node.ok) {
    rep.checks.push_back(Fail("root_signature", "not checked: the node certificate is unusable"));
  } else {
    const std::string& key = CacheKey(key_buffer_, {SerialBytes(node.serial), root, r.signature});
    bool ok;
    if (auto it = signatures_.find(key); it != signatures_.end()) {
      ++stats_.signature_cache_hits;
      ok = it->second;
    } else {
      ++stats_.signatures_verified;
      ok = node.key.VerifyDigest(root, r.signature);
      signatures_.emplace(key, ok);
    }
    if (ok) {
      rep.checks.push_back(Pass("root_signature",
                                "the node's signature over root " + DigestHex(root) + " (from the leaf and " +
                                    std::to_string(r.proof.size()) + " proof steps) verifies"));
    } else if (!IsDerSignature(node.key, r.signature)) {
      rep.checks.push_back(Fail("root_signature", "the signature is not a DER ECDSA signature"));
    } else {
      rep.checks.push_back(Fail("root_signature",
                                "the node's signature does not verify over root " + DigestHex(root) +
                                    " recomputed from the leaf and the proof: a leaf component, a proof step "
                                    "or the signature was altered, or this node did not sign it"));
    }
  }

  const Chain& chain = Endorsements(r, node);
  rep.checks.insert(rep.checks.end(), chain.steps.begin(), chain.steps.end());
  rep.anchor = chain.anchor;
  rep.anchored = !chain.anchor.empty();
  return rep;
}

ReceiptReport ReceiptVerifier::Verify(const CoseReceipt& r, const Expected& expected) {
  ++stats_.receipts;
  ReceiptReport rep;
  rep.form = "cose-receipt";
  rep.signed_txid = r.signed_txid;
  if (r.vds != kVdsCcfLedgerSha256) {
    rep.skipped = true;
    rep.checks.push_back(Skip("vds", "verifiable data structure (395) is " + std::to_string(r.vds) +
                                         ", not CCF_LEDGER_SHA256 (2): this verifier cannot check it"));
    return rep;
  }
  rep.checks.push_back(Pass("vds", "verifiable data structure (395) is CCF_LEDGER_SHA256 (2)"));
  rep.txid = CommitEvidenceTxId(r.leaf.commit_evidence);

  // The anchors that may have signed it: those the kid names, else all.
  std::vector<const TrustAnchor*> candidates;
  if (!r.kid.empty()) {
    const std::string shown = Printable(AsString(r.kid).size() == 32 ? ToHex(r.kid) : AsString(r.kid));
    if (anchors_.empty()) {
      rep.checks.push_back(Skip("kid", std::string(kNoAnchor) + ": kid " + shown));
    } else {
      candidates = anchors_.ByKid(r.kid);
      rep.checks.push_back(
          candidates.empty()
              ? Fail("kid", "kid " + shown + " names none of the " + std::to_string(anchors_.all().size()) +
                                " trust anchor(s): the receipt was signed by another service key")
              : Pass("kid", "kid " + shown + " names the trust anchor " + AnchorName(*candidates[0])));
    }
  } else {
    for (const auto& a : anchors_.all()) candidates.push_back(&a);
  }

  LeafOutcome lo = ComputeLeaf(r.leaf);
  rep.leaf = lo.leaf;
  rep.checks.push_back(lo.check);
  ClaimSteps(r.leaf, lo.claims, expected, rep);
  Digest root = RootFromProof(lo.leaf, r.proof);
  rep.root = root;

  if (anchors_.empty()) {
    rep.checks.push_back(Skip("root_signature", std::string(kNoAnchor) + ": the service key signs the root " +
                                                    DigestHex(root) + " and is not in the receipt"));
    rep.checks.push_back(Skip("anchor", kNoAnchor));
    return rep;
  }
  const std::string& key = CacheKey(key_buffer_, {r.protected_header, root, r.signature});
  int found = -1;
  if (auto it = cose_signatures_.find(key); it != cose_signatures_.end()) {
    ++stats_.signature_cache_hits;
    found = it->second;
  } else {
    cose::Sign1 sign1;
    sign1.protected_bytes = r.protected_header;
    sign1.signature = r.signature;
    for (const TrustAnchor* a : candidates) {
      if (a->cose_alg != r.alg) continue;
      ++stats_.signatures_verified;
      if (cose::VerifySign1(sign1, r.alg, a->key, root).ok()) {
        found = static_cast<int>(a - anchors_.all().data());
        break;
      }
    }
    cose_signatures_.emplace(key, found);
  }
  if (found >= 0) {
    const TrustAnchor& a = anchors_.all()[found];
    rep.anchored = true;
    rep.anchor = AnchorName(a);
    rep.checks.push_back(Pass("root_signature", "the service's COSE signature over root " + DigestHex(root) +
                                                    " (from the leaf and " + std::to_string(r.proof.size()) +
                                                    " proof steps) verifies"));
    rep.checks.push_back(Pass("anchor", "signed by the trust anchor " + rep.anchor));
  } else {
    bool any_alg = std::any_of(candidates.begin(), candidates.end(),
                               [&](const TrustAnchor* a) { return a->cose_alg == r.alg; });
    rep.checks.push_back(Fail(
        "root_signature",
        !any_alg
            ? "alg " + std::to_string(r.alg) + " matches the key of none of the candidate trust anchor(s)"
            : "the service's COSE signature does not verify over root " + DigestHex(root) +
                  " recomputed from the leaf and the proof: a leaf component, a proof step, the protected "
                  "header or the signature was altered, or another service signed it"));
  }
  return rep;
}

ReceiptReport ReceiptVerifier::Verify(const TransparentStatement& ts, const Expected& expected) {
  ReceiptReport rep;
  rep.form = "transparent-statement";
  std::string who = ts.issuer.empty() ? "an issuer" : "issuer " + Quote(Printable(ts.issuer));
  rep.checks.push_back(Pass("statement", "COSE_Sign1 by " + who + " (alg " + std::to_string(ts.alg) + "), " +
                                             std::to_string(ts.receipts.size()) +
                                             " receipt(s) in header 394; registered digest " +
                                             DigestHex(ts.registered_digest)));
  Status issuer = VerifyIssuerSignature(ts);
  rep.checks.push_back(
      Info("issuer_signature", (issuer.ok() ? "the issuer's signature verifies with its x5chain "
                                              "leaf (the issuer's, not the ledger's)"
                                            : issuer.message() + " (the issuer's, not the ledger's)")));

  Expected embedded = expected;
  embedded.claims_digest = ts.registered_digest;
  embedded.claims_step = "data_hash";
  embedded.claims_source = "SHA-256 of the statement with an empty unprotected header";
  std::vector<std::string> anchors;
  bool all_anchored = true;
  for (size_t i = 0; i < ts.receipts.size(); ++i) {
    ReceiptReport sub;
    auto parsed = ParseCoseReceipt(ts.receipts[i]);
    if (parsed.ok()) {
      sub = Verify(*parsed, embedded);
    } else {
      sub.form = "cose-receipt";
      sub.checks.push_back(Fail("receipt", parsed.status().message()));
    }
    sub.source = "receipt[" + std::to_string(i) + "]";
    if (!sub.skipped) {
      all_anchored = all_anchored && sub.anchored;
      if (!sub.anchor.empty() && std::find(anchors.begin(), anchors.end(), sub.anchor) == anchors.end())
        anchors.push_back(sub.anchor);
      if (!rep.txid) rep.txid = sub.txid;
    }
    rep.receipts.push_back(std::move(sub));
  }
  rep.anchored = all_anchored && !anchors.empty();
  for (const auto& a : anchors) rep.anchor += (rep.anchor.empty() ? "" : "; ") + a;
  return rep;
}

ReceiptReport ReceiptVerifier::Verify(const AnyReceipt& r, const Expected& expected) {
  return std::visit([&](const auto& x) { return Verify(x, expected); }, r);
}

Result<AnyReceipt> ParseAnyReceipt(std::span<const uint8_t> content) {
  auto first = std::find_if(content.begin(), content.end(), [](uint8_t c) { return !std::isspace(c); });
  if (first == content.end()) return Status::InputFile("receipt: empty");
  if (*first == '{') {
    BANK_ASSIGN_OR_RETURN(Receipt r, ParseReceipt(AsString(content)));
    return AnyReceipt(std::move(r));
  }
  // A receipt first (the common case, decoded once); a statement, which
  // has a payload and header 394, is not a receipt.
  auto receipt = ParseCoseReceipt(content);
  if (receipt.ok()) return AnyReceipt(std::move(*receipt));
  if (!LooksLikeTransparentStatement(content)) return receipt.status();
  BANK_ASSIGN_OR_RETURN(TransparentStatement s, ParseTransparentStatement(content));
  return AnyReceipt(std::move(s));
}

}  // namespace bank
