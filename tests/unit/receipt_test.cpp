// Receipts: the real CCF receipt in vectors/receipts verifies against its
// service certificate and every single-field mutation fails the right check;
// claims, endorsement chains, the batch cache, the parser's errors, and COSE
// receipts issued and verified end to end.
#include "bank/receipt.hpp"

#include <catch2/catch.hpp>

#include "bank/cbor.hpp"
#include "bank/cose_receipt.hpp"
#include "bank/receipt_verify.hpp"
#include "support/temp_dir.hpp"

using namespace bank;
using nlohmann::json;

namespace {

json VectorReceipt() {
  auto text = ReadFile(test::VectorPath("receipts/acl-staging-2.35.receipt.json"));
  REQUIRE(text.ok());
  return json::parse(*text);
}

Certificate VectorServiceCert() {
  auto cert = Certificate::LoadFile(test::VectorPath("receipts/acl-staging-2.35.service_cert.pem"));
  REQUIRE(cert.ok());
  return *cert;
}

ReceiptReport VerifyJson(const json& j, const Certificate& service,
                         const std::optional<std::string>& claim = std::nullopt) {
  auto r = ReceiptFromJson(j);
  REQUIRE(r.ok());
  ReceiptVerifier v(service);
  return v.Verify(*r, claim);
}

const Check& CheckNamed(const ReceiptReport& rep, const std::string& name) {
  for (const auto& c : rep.checks)
    if (c.name == name) return c;
  FAIL("no check named " << name);
  return rep.checks.front();
}

std::vector<std::string> FailedChecks(const ReceiptReport& rep) {
  std::vector<std::string> out;
  for (const auto& c : rep.checks)
    if (c.failed()) out.push_back(c.name);
  return out;
}

// Flips one hex digit of a 64-hex string (keeps it valid hex).
std::string FlipHex(std::string s, size_t i = 10) {
  REQUIRE(i < s.size());
  s.replace(i, 1, s.at(i) == '0' ? "1" : "0");
  return s;
}

CertificateSpec Spec(const std::string& common_name, bool is_ca = false) {
  CertificateSpec spec;
  spec.common_name = common_name;
  spec.is_ca = is_ca;
  return spec;
}

// A small service that issues receipts the way bankd does: a Merkle tree of
// leaves, the root signed by the node key, the node certificate issued by
// the service certificate.
struct TestService {
  PrivateKey service_key = *PrivateKey::GenerateEc(Curve::kP384);
  Certificate service_cert = *Certificate::SelfSigned(service_key, Spec("CCF Service", true));
  PrivateKey node_key = *PrivateKey::GenerateEc(Curve::kP384);
  Certificate node_cert = *Certificate::Issue(node_key.Public(), Spec("CCF Node"), service_cert, service_key);
  MerkleTree tree;
  std::vector<ReceiptLeaf> leaves;

  void Add(const std::optional<std::string>& claim, uint64_t seqno) {
    ReceiptLeaf leaf;
    leaf.write_set_digest = Sha256("write set " + std::to_string(seqno));
    leaf.commit_evidence =
        "ce:2." + std::to_string(seqno) + ":" + DigestHex(Sha256("nonce" + std::to_string(seqno)));
    leaf.claims_digest = claim ? Sha256(*claim) : Digest{};
    leaf.claim = claim;
    tree.Append(LeafHash(leaf.write_set_digest, leaf.commit_evidence, leaf.claims_digest));
    leaves.push_back(leaf);
  }

  Receipt Issue(size_t index) const {
    Receipt r;
    r.node_cert_pem = node_cert.Pem();
    r.node_id = node_cert.PublicKeyId();
    r.leaf_components = leaves[index];
    r.proof = tree.Proof(index, tree.size());
    Digest root = tree.Root();
    r.signature = *node_key.SignDigest(root);
    return r;
  }

  Bytes IssueCose(size_t index) const {
    auto signed_root = SignRootCose(service_key, {tree.Root(), TxId{2, tree.size() + 1}, 1700000000});
    REQUIRE(signed_root.ok());
    return EncodeCoseReceipt(*signed_root, leaves[index], tree.Proof(index, tree.size()));
  }
};

}  // namespace

TEST_CASE("The real CCF receipt verifies against its service certificate", "[receipt]") {
  auto rep = VerifyJson(VectorReceipt(), VectorServiceCert());
  INFO(rep.ToJson().dump(2));
  REQUIRE(rep.verified());
  REQUIRE(rep.txid == TxId{2, 35});
  // node_id is SHA-256 of the node certificate's SPKI, as the vector shows.
  REQUIRE(CheckNamed(rep, "node_id").passed());
  REQUIRE(CheckNamed(rep, "anchor").passed());
  REQUIRE(DigestHex(*rep.root) == "283afa446263bcc3be31a980957fe3d0196494bf100df6774249f09d10755101");
}

TEST_CASE("Each single-field mutation of the real receipt fails the right check", "[receipt]") {
  const json original = VectorReceipt();
  const Certificate service = VectorServiceCert();
  using Mutation = std::function<void(json&)>;
  const std::vector<std::tuple<std::string, Mutation, std::vector<std::string>>> cases = {
      {"write_set_digest",
       [](json& j) {
         j["leaf_components"]["write_set_digest"] = FlipHex(j["leaf_components"]["write_set_digest"]);
       },
       {"root_signature"}},
      {"claims_digest",
       [](json& j) {
         j["leaf_components"]["claims_digest"] = FlipHex(j["leaf_components"]["claims_digest"]);
       },
       {"root_signature"}},
      {"commit_evidence nonce",
       [](json& j) {
         j["leaf_components"]["commit_evidence"] = FlipHex(j["leaf_components"]["commit_evidence"], 20);
       },
       {"root_signature"}},
      {"commit_evidence txid",
       [](json& j) {
         std::string ce = j["leaf_components"]["commit_evidence"];
         j["leaf_components"]["commit_evidence"] = "ce:2.36" + ce.substr(7);
       },
       {"root_signature"}},
      {"proof step hash",
       [](json& j) { j["proof"][1]["left"] = FlipHex(j["proof"][1]["left"]); },
       {"root_signature"}},
      {"proof step side",
       [](json& j) {
         j["proof"][2] = json{{"right", j["proof"][2]["left"]}};
       },
       {"root_signature"}},
      {"dropped proof step", [](json& j) { j["proof"].erase(1); }, {"root_signature"}},
      {"extra proof step",
       [](json& j) {
         j["proof"].push_back(json{{"right", std::string(64, 'a')}});
       },
       {"root_signature"}},
      {"node_id", [](json& j) { j["node_id"] = FlipHex(j["node_id"]); }, {"node_id"}},
  };
  for (const auto& [name, mutate, expected_failures] : cases) {
    SECTION(name) {
      json j = original;
      mutate(j);
      auto rep = VerifyJson(j, service);
      INFO(rep.ToJson().dump(2));
      REQUIRE_FALSE(rep.verified());
      REQUIRE(FailedChecks(rep) == expected_failures);
    }
  }
}

TEST_CASE("A tampered signature fails root_signature", "[receipt]") {
  json j = VectorReceipt();
  auto sig = *Base64Decode(j["signature"].get<std::string>());
  SECTION("a bit of s flipped (still DER)") {
    sig[sig.size() - 3] ^= 0x01;
    j["signature"] = Base64Encode(sig);
    auto rep = VerifyJson(j, VectorServiceCert());
    REQUIRE(FailedChecks(rep) == std::vector<std::string>{"root_signature"});
    REQUIRE_THAT(CheckNamed(rep, "root_signature").detail, Catch::Contains("does not verify over root"));
  }
  SECTION("truncated (not DER)") {
    sig.resize(sig.size() - 4);
    j["signature"] = Base64Encode(sig);
    auto rep = VerifyJson(j, VectorServiceCert());
    REQUIRE(FailedChecks(rep) == std::vector<std::string>{"root_signature"});
    REQUIRE_THAT(CheckNamed(rep, "root_signature").detail, Catch::Contains("not a DER"));
  }
}

TEST_CASE("A changed node certificate fails", "[receipt]") {
  json j = VectorReceipt();
  auto node = *Certificate::FromPem(j["cert"].get<std::string>());
  SECTION("another key's certificate: node_id, signature and endorsement fail") {
    auto key = *PrivateKey::GenerateEc(Curve::kP256);
    j["cert"] = Certificate::SelfSigned(key, Spec("CCF Node"))->Pem();
    auto rep = VerifyJson(j, VectorServiceCert());
    REQUIRE(FailedChecks(rep) == std::vector<std::string>{"node_id", "root_signature", "anchor"});
  }
  SECTION("same key, its certificate signature altered: endorsement fails") {
    Bytes der = node.Der();
    der[der.size() - 2] ^= 0x01;  // inside s of the issuer's signature
    auto altered = Certificate::FromDer(der);
    REQUIRE(altered.ok());
    j["cert"] = altered->Pem();
    auto rep = VerifyJson(j, VectorServiceCert());
    REQUIRE(FailedChecks(rep) == std::vector<std::string>{"anchor"});
  }
  SECTION("not a certificate: node_certificate fails, nothing else can be checked") {
    j["cert"] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    auto rep = VerifyJson(j, VectorServiceCert());
    REQUIRE(FailedChecks(rep) ==
            std::vector<std::string>{"node_certificate", "node_id", "root_signature", "anchor"});
  }
}

TEST_CASE("Another service certificate fails the endorsement", "[receipt]") {
  auto key = *PrivateKey::GenerateEc(Curve::kP256);
  auto other = *Certificate::SelfSigned(key, Spec("CCF Network", true));
  auto rep = VerifyJson(VectorReceipt(), other);
  REQUIRE(FailedChecks(rep) == std::vector<std::string>{"anchor"});
  REQUIRE_THAT(CheckNamed(rep, "anchor").detail, Catch::Contains("not signed by any of the 1 trust anchor"));
}

TEST_CASE("The managed-service envelope is accepted and its transactionId checked", "[receipt]") {
  json env = {{"receipt", VectorReceipt()}, {"transactionId", "2.35"}};
  auto rep = VerifyJson(env, VectorServiceCert());
  REQUIRE(rep.verified());
  REQUIRE(CheckNamed(rep, "transaction_id").passed());
  env["transactionId"] = "2.36";
  rep = VerifyJson(env, VectorServiceCert());
  REQUIRE(FailedChecks(rep) == std::vector<std::string>{"transaction_id"});
}

TEST_CASE("A receipt without application claims proves no claim", "[receipt]") {
  auto rep = VerifyJson(VectorReceipt(), VectorServiceCert(), std::string("a sent 1 to b"));
  REQUIRE(FailedChecks(rep) == std::vector<std::string>{"claim"});
  REQUIRE_THAT(CheckNamed(rep, "claim").detail, Catch::Contains("no application claim"));
}

TEST_CASE("A transfer's receipt proves exactly its claim", "[receipt]") {
  TestService svc;
  const std::string claim = std::string(64, 'a') + " sent 40 to " + std::string(64, 'b');
  svc.Add(std::nullopt, 1);
  svc.Add(claim, 2);
  svc.Add(std::nullopt, 3);
  Receipt r = svc.Issue(1);
  ReceiptVerifier v(svc.service_cert);

  auto rep = v.Verify(r, claim);
  INFO(rep.ToJson().dump(2));
  REQUIRE(rep.verified());
  REQUIRE(rep.claim == claim);

  for (std::string other : {claim + " ", std::string(64, 'a') + " sent 41 to " + std::string(64, 'b'),
                            std::string(64, 'b') + " sent 40 to " + std::string(64, 'a'), std::string()}) {
    auto bad = v.Verify(r, other);
    REQUIRE(FailedChecks(bad) == std::vector<std::string>{"claim"});
  }

  SECTION("with the claim text only, the claims digest is derived from it") {
    r.leaf_components->claims_digest.reset();
    REQUIRE(v.Verify(r, claim).verified());
  }
  SECTION("with the claims digest only, the claim is compared by digest") {
    r.leaf_components->claim.reset();
    REQUIRE(v.Verify(r, claim).verified());
    REQUIRE(FailedChecks(v.Verify(r, claim + "!")) == std::vector<std::string>{"claim"});
  }
  SECTION("a claim text that disagrees with claims_digest fails the leaf") {
    r.leaf_components->claim = std::string(64, 'a') + " sent 4000 to " + std::string(64, 'b');
    auto bad = v.Verify(r);
    REQUIRE(FailedChecks(bad) == std::vector<std::string>{"leaf"});
  }
  SECTION("the JSON form round-trips") {
    auto again = ReceiptFromJson(ReceiptToJson(r));
    REQUIRE(again.ok());
    REQUIRE(v.Verify(*again, claim).verified());
    REQUIRE(ReceiptToJson(*again) == ReceiptToJson(r));
  }
}

TEST_CASE("Service endorsements chain the node certificate to the service", "[receipt]") {
  TestService svc;  // its service plays the previous identity
  svc.Add(std::string("x"), 1);
  auto current_key = *PrivateKey::GenerateEc(Curve::kP384);
  auto current = *Certificate::SelfSigned(current_key, Spec("CCF Service", true));
  auto endorsement =
      *Certificate::Issue(svc.service_key.Public(), Spec("CCF Service", true), current, current_key);

  Receipt r = svc.Issue(0);
  ReceiptVerifier v(current);
  REQUIRE(FailedChecks(v.Verify(r)) == std::vector<std::string>{"anchor"});
  r.service_endorsements = {endorsement.Pem()};
  auto rep = v.Verify(r);
  REQUIRE(rep.verified());
  REQUIRE_THAT(CheckNamed(rep, "endorsement").detail,
               Catch::Contains("is signed by service_endorsements[0]"));
  REQUIRE_THAT(CheckNamed(rep, "anchor").detail, Catch::Contains("service_endorsements[0]"));
  // The chain must end at the trust anchor: the previous identity is not it.
  REQUIRE(FailedChecks(ReceiptVerifier(svc.service_cert).Verify(r)) == std::vector<std::string>{"anchor"});
}

TEST_CASE("The batch verifier checks each signed root and endorsement once", "[receipt]") {
  TestService svc;
  for (uint64_t s = 1; s <= 20; ++s) svc.Add("claim " + std::to_string(s), s);
  ReceiptVerifier v(svc.service_cert);
  for (size_t i = 0; i < 20; ++i) REQUIRE(v.Verify(svc.Issue(i)).verified());
  // Each Issue() signs afresh (ECDSA is randomised): 20 distinct signatures.
  REQUIRE(v.stats().signatures_verified == 20);
  REQUIRE(v.stats().endorsements_verified == 1);
  REQUIRE(v.stats().endorsement_cache_hits == 19);

  ReceiptVerifier shared(svc.service_cert);
  Receipt first = svc.Issue(0);
  for (size_t i = 0; i < 20; ++i) {
    Receipt r = svc.Issue(i);
    r.signature = first.signature;  // one signature over the shared root
    REQUIRE(shared.Verify(r).verified());
  }
  REQUIRE(shared.stats().signatures_verified == 1);
  REQUIRE(shared.stats().signature_cache_hits == 19);
  // A cached root does not make a tampered receipt pass.
  Receipt bad = svc.Issue(3);
  bad.signature = first.signature;
  bad.leaf_components->write_set_digest[0] ^= 1;
  REQUIRE(FailedChecks(shared.Verify(bad)) == std::vector<std::string>{"root_signature"});
}

TEST_CASE("Malformed JSON receipts are refused with the field named", "[receipt]") {
  const json good = VectorReceipt();
  using Mutation = std::function<void(json&)>;
  const std::vector<std::tuple<Mutation, std::string>> cases = {
      {[](json& j) { j.erase("cert"); }, "\"cert\""},
      {[](json& j) { j["cert"] = "not a pem"; }, "\"cert\""},
      {[](json& j) { j["node_id"] = "XYZ"; }, "\"node_id\""},
      {[](json& j) { j.erase("leaf_components"); }, "\"leaf_components\""},
      {[](json& j) { j["leaf_components"]["write_set_digest"] = "abc"; }, "write_set_digest"},
      {[](json& j) { j["leaf_components"]["claims_digest"] = 5; }, "claims_digest"},
      {[](json& j) { j["leaf_components"]["commit_evidence"] = "ce:2.35"; }, "commit_evidence"},
      {[](json& j) { j["leaf_components"]["extra"] = 1; }, "unknown field \"extra\" in \"leaf_components\""},
      {[](json& j) { j["leaf_components"]["a\nb"] = 1; }, "unknown field \"a\\nb\""},
      {[](json& j) { j["proof"] = json::object(); }, "\"proof\""},
      {[](json& j) { j["proof"][0]["right"] = std::string(64, '0'); }, "proof[0]"},
      {[](json& j) {
         j["proof"][1] = json{{"up", std::string(64, '0')}};
       },
       "proof[1]"},
      {[](json& j) {
         j["proof"][2] = json{{"left", "zz"}};
       },
       "proof[2].left"},
      {[](json& j) { j.erase("signature"); }, "\"signature\""},
      {[](json& j) { j["signature"] = "!!!"; }, "\"signature\""},
      {[](json& j) { j["service_endorsements"] = json::array({1}); }, "service_endorsements[0]"},
      {[](json& j) { j["is_signature_transaction"] = "no"; }, "is_signature_transaction"},
      {[](json& j) {
         j = json{{"receipt", j}, {"transactionId", "2"}};
       },
       "transactionId"},
      {[](json& j) { j = json::array({j}); }, "JSON object"},
  };
  for (const auto& [mutate, field] : cases) {
    json j = good;
    mutate(j);
    auto r = ReceiptFromJson(j);
    INFO(j.dump());
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.status().code() == Code::kInputFile);
    REQUIRE_THAT(r.status().message(), Catch::Contains(field));
  }
  REQUIRE(ParseReceipt("{\"cert\":").status().code() == Code::kInputFile);
  REQUIRE_THAT(ParseReceipt("{\"cert\":").status().message(), Catch::Contains("not valid JSON"));
}

TEST_CASE("Old signature-transaction receipts carry the signed root as leaf", "[receipt]") {
  TestService svc;
  svc.Add(std::nullopt, 1);
  json j = ReceiptToJson(svc.Issue(0));
  j.erase("leaf_components");
  j["leaf"] = DigestHex(svc.tree.Root());
  j["proof"] = json::array();
  auto r = ReceiptFromJson(j);
  REQUIRE(r.ok());
  ReceiptVerifier v(svc.service_cert);
  REQUIRE(v.Verify(*r).verified());
  REQUIRE(FailedChecks(v.Verify(*r, std::string("x"))) == std::vector<std::string>{"claim"});
}

TEST_CASE("COSE receipts verify against the service key and fail when altered", "[receipt][cose]") {
  TestService svc;
  const std::string claim = "alice sent 40 to bob";
  for (uint64_t s = 1; s <= 5; ++s) svc.Add(s == 3 ? std::optional<std::string>(claim) : std::nullopt, s);
  Bytes encoded = svc.IssueCose(2);

  auto parsed = ParseCoseReceipt(encoded);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->alg == -35);
  REQUIRE(parsed->signed_txid == TxId{2, 6});
  REQUIRE(parsed->issued_at == 1700000000);
  REQUIRE(AsString(parsed->kid) == DigestHex(Sha256(svc.service_key.Public().SpkiDer())));
  REQUIRE(parsed->leaf.commit_evidence == svc.leaves[2].commit_evidence);

  ReceiptVerifier v(svc.service_cert);
  auto rep = v.Verify(*parsed, claim);
  INFO(rep.ToJson().dump(2));
  REQUIRE(rep.verified());
  REQUIRE(rep.txid == TxId{2, 3});
  REQUIRE(FailedChecks(v.Verify(*parsed, std::string("alice sent 41 to bob"))) ==
          std::vector<std::string>{"claim"});

  SECTION("a proof hash altered") {
    auto r = *parsed;
    r.proof[0].hash[5] ^= 1;
    REQUIRE(FailedChecks(v.Verify(r)) == std::vector<std::string>{"root_signature"});
  }
  SECTION("a proof side flipped") {
    auto r = *parsed;
    r.proof[1].side = r.proof[1].side == Side::kLeft ? Side::kRight : Side::kLeft;
    REQUIRE(FailedChecks(v.Verify(r)) == std::vector<std::string>{"root_signature"});
  }
  SECTION("the protected header altered") {
    auto r = *parsed;
    r.protected_header.back() ^= 1;
    REQUIRE(FailedChecks(v.Verify(r)) == std::vector<std::string>{"root_signature"});
  }
  SECTION("the signature altered") {
    auto r = *parsed;
    r.signature[7] ^= 1;
    REQUIRE(FailedChecks(v.Verify(r)) == std::vector<std::string>{"root_signature"});
  }
  SECTION("another service") {
    TestService other;
    REQUIRE(FailedChecks(ReceiptVerifier(other.service_cert).Verify(*parsed)) ==
            std::vector<std::string>{"kid", "root_signature"});
  }
  SECTION("ParseAnyReceipt tells the forms apart") {
    auto any = ParseAnyReceipt(encoded);
    REQUIRE(any.ok());
    REQUIRE(std::holds_alternative<CoseReceipt>(*any));
    std::string text = "\n " + ReceiptToJson(svc.Issue(2)).dump();
    any = ParseAnyReceipt(AsBytes(text));
    REQUIRE(any.ok());
    REQUIRE(std::holds_alternative<Receipt>(*any));
  }
}

TEST_CASE("Malformed COSE receipts are refused with the element named", "[receipt][cose]") {
  TestService svc;
  svc.Add(std::string("c"), 1);
  svc.Add(std::string("d"), 2);
  const Bytes good = svc.IssueCose(0);
  const cbor::Value msg = *cbor::Decode(good);
  const cbor::Value protected_map = *cbor::Decode(msg.tagged().array()[0].bytes());

  auto with_protected = [&](const std::function<void(cbor::Value&)>& edit) {
    cbor::Value h = protected_map;
    edit(h);
    cbor::Value::Array parts = msg.tagged().array();
    parts[0] = cbor::Value::Bytes(cbor::Encode(h));
    return cbor::Encode(cbor::Value::Tag(18, cbor::Value::MakeArray(parts)));
  };
  auto with_part = [&](size_t i, cbor::Value v) {
    cbor::Value::Array parts = msg.tagged().array();
    parts[i] = std::move(v);
    return cbor::Encode(cbor::Value::Tag(18, cbor::Value::MakeArray(parts)));
  };
  auto with_proof = [&](cbor::Value proof) {
    cbor::Value vdp = cbor::Value::MakeMap(
        {{cbor::Value::Int(-1), cbor::Value::MakeArray({cbor::Value::Bytes(cbor::Encode(proof))})}});
    return with_part(1, cbor::Value::MakeMap({{cbor::Value::Int(396), vdp}}));
  };
  const std::vector<std::pair<Bytes, std::string>> cases = {
      {with_protected([](cbor::Value& h) { h.Set(cbor::Value::Int(395), cbor::Value::Text("2")); }), "395"},
      {with_protected([](cbor::Value& h) { h.Set(cbor::Value::Int(4), cbor::Value::Text("kid")); }), "kid"},
      {with_protected([](cbor::Value& h) { h.Set(cbor::Value::Int(1), cbor::Value::Text("ES384")); }), "alg"},
      {with_protected([](cbor::Value& h) {
         h.Set(cbor::Value::Text("ccf.v1"),
               cbor::Value::MakeMap({{cbor::Value::Text("txid"), cbor::Value::Text("x")}}));
       }),
       "txid"},
      {with_part(2, cbor::Value::Bytes(Bytes(32, 1))), "detached"},
      {with_part(3, cbor::Value::Text("sig")), "signature"},
      {with_part(1, cbor::Value::MakeMap()), "396"},
      {with_proof(cbor::Value::MakeMap({{cbor::Value::Int(2), cbor::Value::MakeArray()}})), "leaf"},
      {with_proof(cbor::Value::MakeMap(
           {{cbor::Value::Int(1),
             cbor::Value::MakeArray(
                 {cbor::Value::Bytes(Bytes(31)), cbor::Value::Text("ce"), cbor::Value::Bytes(Bytes(32))})},
            {cbor::Value::Int(2), cbor::Value::MakeArray()}})),
       "write set digest"},
      {with_proof(cbor::Value::MakeMap(
           {{cbor::Value::Int(1),
             cbor::Value::MakeArray(
                 {cbor::Value::Bytes(Bytes(32)), cbor::Value::Text("ce"), cbor::Value::Bytes(Bytes(32))})},
            {cbor::Value::Int(2), cbor::Value::MakeArray({cbor::Value::MakeArray({cbor::Value::Int(1)})})}})),
       "path[0]"},
      {cbor::Encode(cbor::Value::Tag(17, msg.tagged())), "tagged 18"},
      {Bytes{0xd2, 0x84}, "COSE receipt"},
  };
  for (const auto& [bytes, what] : cases) {
    auto r = ParseCoseReceipt(bytes);
    INFO(what);
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.status().code() == Code::kInputFile);
    REQUIRE_THAT(r.status().message(), Catch::Contains(what));
  }
}

// ParseCoseReceipt reads CCF's canonical shape on a fast path and anything
// else with the generic decoder: both must find the same receipt, and no
// change of a byte may yield a receipt that still verifies.
TEST_CASE("COSE receipts parse alike on the fast and the generic path", "[receipt][cose]") {
  TestService svc;
  for (uint64_t s = 1; s <= 9; ++s) svc.Add(std::nullopt, s);
  const Bytes good = svc.IssueCose(4);
  const auto fast = ParseCoseReceipt(good);
  REQUIRE(fast.ok());

  // The same receipt, its unprotected header with one more entry: valid, but
  // not the canonical shape, so the generic decoder reads it.
  cbor::Value msg = *cbor::Decode(good);
  cbor::Value::Array parts = msg.tagged().array();
  parts[1].Set(cbor::Value::Int(7), cbor::Value::Text("extra"));
  const Bytes other = cbor::Encode(cbor::Value::Tag(18, cbor::Value::MakeArray(parts)));
  const auto generic = ParseCoseReceipt(other);
  REQUIRE(generic.ok());
  REQUIRE(generic->protected_header == fast->protected_header);
  REQUIRE(generic->alg == fast->alg);
  REQUIRE(generic->vds == fast->vds);
  REQUIRE(generic->kid == fast->kid);
  REQUIRE(generic->issued_at == fast->issued_at);
  REQUIRE(generic->signed_txid == fast->signed_txid);
  REQUIRE(generic->leaf.write_set_digest == fast->leaf.write_set_digest);
  REQUIRE(generic->leaf.commit_evidence == fast->leaf.commit_evidence);
  REQUIRE(generic->leaf.claims_digest == fast->leaf.claims_digest);
  REQUIRE(generic->signature == fast->signature);
  REQUIRE(generic->proof.size() == fast->proof.size());
  for (size_t i = 0; i < fast->proof.size(); ++i) {
    REQUIRE(generic->proof[i].side == fast->proof[i].side);
    REQUIRE(generic->proof[i].hash == fast->proof[i].hash);
  }

  ReceiptVerifier v(svc.service_cert);
  REQUIRE(v.Verify(*fast).verified());
  REQUIRE(v.Verify(*generic).verified());
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t flip : {0x01, 0x20, 0x80}) {
      Bytes bad = good;
      bad[i] ^= flip;
      auto r = ParseCoseReceipt(bad);
      INFO("byte " << i << " ^ " << int{flip});
      if (r.ok()) REQUIRE_FALSE(v.Verify(*r).verified());
    }
    REQUIRE_FALSE(ParseCoseReceipt(std::span<const uint8_t>(good).first(i)).ok());  // truncated
  }
  REQUIRE(v.Verify(*ParseCoseReceipt(good)).verified());
}
