// The Code Transparency Service's transparent statement in
// ../shared/vectors/cose-receipts verifies with its service parameters file
// and with a JWKS of the same key; every single-field mutation of the
// statement or of its embedded receipt fails at the step that checks it; an
// embedded receipt of an unknown vds is skipped, never passed.
#include <catch2/catch.hpp>
#include <functional>

#include "bank/cbor.hpp"
#include "bank/receipt_verify.hpp"
#include "support/temp_dir.hpp"

using namespace bank;
using cbor::Value;

namespace {

constexpr const char* kStatement = "cose-receipts/scitt-ccf-ledger_uvm_0.2.10_transparent_statement.cose";
constexpr const char* kParams = "cose-receipts/scitt-ccf-ledger_esrp-cts-db_service_params.json";

Bytes StatementBytes() {
  auto text = ReadFile(test::VectorPath(kStatement));
  REQUIRE(text.ok());
  return Bytes(text->begin(), text->end());
}

TrustAnchors Params() {
  TrustAnchors a;
  REQUIRE(a.AddPath(test::VectorPath(kParams)).ok());
  return a;
}

ReceiptReport VerifyBytes(const Bytes& bytes, TrustAnchors anchors) {
  auto parsed = ParseAnyReceipt(bytes);
  REQUIRE(parsed.ok());
  return ReceiptVerifier(std::move(anchors)).Verify(*parsed);
}

std::string FirstFailure(const ReceiptReport& rep) {
  const Check* f = rep.FirstFailure();
  return f ? f->name : "";
}

// The statement with one part changed; `part` indexes the COSE_Sign1 array.
Bytes WithPart(const Bytes& statement, size_t part, const std::function<void(Value&)>& edit) {
  Value v = *cbor::Decode(statement);
  Value::Array items = v.tagged().array();
  edit(items[part]);
  return cbor::Encode(Value::Tag(18, Value::MakeArray(std::move(items))));
}

// The statement with its first embedded receipt changed.
Bytes WithReceipt(const Bytes& statement, const std::function<void(Value::Array&)>& edit) {
  return WithPart(statement, 1, [&](Value& unprotected) {
    Value::Array receipts = unprotected.Find(394)->array();
    Value::Array items = cbor::Decode(receipts[0].bytes())->tagged().array();
    edit(items);
    receipts[0] = Value::Bytes(cbor::Encode(Value::Tag(18, Value::MakeArray(std::move(items)))));
    unprotected.Set(Value::Int(394), Value::MakeArray(std::move(receipts)));
  });
}

// The first embedded receipt with its inclusion proof changed.
Bytes WithProof(const Bytes& statement, const std::function<void(Value&)>& edit) {
  return WithReceipt(statement, [&](Value::Array& items) {
    Value vdp = *items[1].Find(396);
    Value proofs = *vdp.Find(-1);
    Value proof = *cbor::Decode(proofs.array()[0].bytes());
    edit(proof);
    proofs.array()[0] = Value::Bytes(cbor::Encode(proof));
    vdp.Set(Value::Int(-1), proofs);
    items[1].Set(Value::Int(396), vdp);
  });
}

void FlipLast(Value& bytes_value) {
  Bytes b = bytes_value.bytes();
  b.back() ^= 0x01;
  bytes_value = Value::Bytes(b);
}

// Edits the proof map entry `label`, element `index`.
std::function<void(Value&)> ProofElement(int label, size_t index, std::function<void(Value&)> edit) {
  return [=](Value& proof) {
    Value entry = *proof.Find(label);
    edit(entry.array()[index]);
    proof.Set(Value::Int(label), entry);
  };
}

}  // namespace

TEST_CASE("The transparent statement verifies with the service parameters file",
          "[receipt][statement][vectors]") {
  auto rep = VerifyBytes(StatementBytes(), Params());
  REQUIRE(rep.form == "transparent-statement");
  REQUIRE(rep.verified());
  REQUIRE(rep.txid->ToString() == "458.12440");
  REQUIRE_THAT(rep.anchor, Catch::Contains("service_params.json["));
  REQUIRE(rep.receipts.size() == 1);
  REQUIRE(rep.receipts[0].verified());
  // The issuer's signature is reported, as information.
  REQUIRE(rep.checks[1].name == "issuer_signature");
  REQUIRE(rep.checks[1].outcome == Outcome::kInfo);
  REQUIRE_THAT(rep.checks[1].detail, Catch::Contains("verifies"));
  const auto j = rep.ToJson();
  REQUIRE(j["form"] == "transparent-statement");
  REQUIRE(j["anchored"] == true);
  REQUIRE(j["receipts"][0]["steps"].size() >= 5);
}

TEST_CASE("A JWKS of the service key anchors the transparent statement", "[receipt][statement][anchors]") {
  TrustAnchors params = Params();
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& a : params.all()) keys.push_back(*JwkFromPublicKey(a.key));
  TrustAnchors jwks;
  REQUIRE(jwks.AddJwks(nlohmann::json{{"keys", keys}}.dump(), "jwks.json").ok());
  auto rep = VerifyBytes(StatementBytes(), std::move(jwks));
  REQUIRE(rep.verified());
  REQUIRE_THAT(rep.anchor, Catch::Contains("jwks.json kid="));

  // A JWKS of another key: the kid names none of its keys.
  auto other = *PrivateKey::GenerateEc(Curve::kP384);
  TrustAnchors wrong;
  REQUIRE(
      wrong.AddJwks(nlohmann::json{{"keys", {*JwkFromPublicKey(other.Public())}}}.dump(), "other.json").ok());
  REQUIRE(FirstFailure(VerifyBytes(StatementBytes(), std::move(wrong))) == "kid");

  // Malformed JWKs are refused with the element named.
  auto jwk = *JwkFromPublicKey(other.Public());
  for (auto [field, value] : std::vector<std::pair<std::string, std::string>>{
           {"kty", "RSA"}, {"crv", "P-192"}, {"x", "AAAA"}, {"y", jwk["x"]}}) {
    auto bad = jwk;
    bad[field] = value;
    TrustAnchors t;
    Status s = t.AddJwks(nlohmann::json{{"keys", {bad}}}.dump(), "bad.json");
    INFO(field);
    REQUIRE(s.code() == Code::kInputFile);
    REQUIRE_THAT(s.message(), Catch::Contains("bad.json keys[0]"));
  }
}

TEST_CASE("Each single-field mutation of the transparent statement fails at its step",
          "[receipt][statement]") {
  const Bytes good = StatementBytes();
  struct Case {
    std::string what;
    Bytes bytes;
    std::string step;
  };
  const std::vector<Case> cases = {
      // The statement itself: what the ledger registered no longer matches.
      {"statement payload", WithPart(good, 2, FlipLast), "data_hash"},
      {"statement signature", WithPart(good, 3, FlipLast), "data_hash"},
      {"statement protected header",
       WithPart(good, 0,
                [](Value& p) {
                  Value h = *cbor::Decode(p.bytes());
                  h.Set(Value::Int(2), Value::Text("changed"));
                  p = Value::Bytes(cbor::Encode(h));
                }),
       "data_hash"},
      // The embedded receipt.
      {"receipt signature", WithReceipt(good, [](Value::Array& r) { FlipLast(r[3]); }), "root_signature"},
      {"receipt kid",
       WithReceipt(good,
                   [](Value::Array& r) {
                     Value h = *cbor::Decode(r[0].bytes());
                     h.Set(Value::Int(4), Value::Bytes(AsBytes(std::string(64, 'a'))));
                     r[0] = Value::Bytes(cbor::Encode(h));
                   }),
       "kid"},
      {"receipt txid",
       WithReceipt(
           good,
           [](Value::Array& r) {
             Value h = *cbor::Decode(r[0].bytes());
             h.Set(Value::Text("ccf.v1"), Value::MakeMap({{Value::Text("txid"), Value::Text("458.12442")}}));
             r[0] = Value::Bytes(cbor::Encode(h));
           }),
       "root_signature"},
      {"leaf write set digest", WithProof(good, ProofElement(1, 0, FlipLast)), "root_signature"},
      {"leaf commit evidence",
       WithProof(good, ProofElement(1, 1,
                                    [](Value& v) {
                                      std::string s(v.text());
                                      s.back() = s.back() == '0' ? '1' : '0';
                                      v = Value::Text(s);
                                    })),
       "root_signature"},
      {"leaf data hash", WithProof(good, ProofElement(1, 2, FlipLast)), "data_hash"},
      {"path hash", WithProof(good, ProofElement(2, 0, [](Value& step) { FlipLast(step.array()[1]); })),
       "root_signature"},
      {"path direction",
       WithProof(
           good,
           ProofElement(2, 0, [](Value& step) { step.array()[0] = Value::Bool(!step.array()[0].AsBool()); })),
       "root_signature"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    REQUIRE(c.bytes != good);
    auto rep = VerifyBytes(c.bytes, Params());
    REQUIRE_FALSE(rep.verified());
    REQUIRE(FirstFailure(rep) == c.step);
  }
}

TEST_CASE("Integrity only: the statement checks out but is not anchored", "[receipt][statement]") {
  auto rep = VerifyBytes(StatementBytes(), TrustAnchors());
  REQUIRE(rep.intact());
  REQUIRE_FALSE(rep.verified());
  REQUIRE(rep.ToJson()["anchored"] == false);
  REQUIRE(rep.ToJson()["receipts"][0]["anchored"] == false);
  for (const auto& c : rep.receipts[0].checks)
    if (c.name == "root_signature" || c.name == "anchor" || c.name == "kid")
      REQUIRE(c.outcome == Outcome::kSkipped);
  REQUIRE_FALSE(VerifyBytes(WithPart(StatementBytes(), 2, FlipLast), TrustAnchors()).intact());
}

TEST_CASE("An embedded receipt of an unknown vds is skipped, not passed", "[receipt][statement]") {
  const Bytes vds1 = WithReceipt(StatementBytes(), [](Value::Array& r) {
    Value h = *cbor::Decode(r[0].bytes());
    h.Set(Value::Int(395), Value::Int(1));
    r[0] = Value::Bytes(cbor::Encode(h));
  });
  auto rep = VerifyBytes(vds1, Params());
  REQUIRE(rep.receipts.size() == 1);
  REQUIRE(rep.receipts[0].skipped);
  REQUIRE(rep.receipts[0].checks[0].outcome == Outcome::kSkipped);
  REQUIRE_FALSE(rep.intact());  // nothing was verified
  REQUIRE_FALSE(rep.verified());

  // Next to a receipt that verifies, it is reported and the statement verifies.
  const Bytes both = WithPart(vds1, 1, [&](Value& unprotected) {
    Value::Array receipts = unprotected.Find(394)->array();
    Value original = cbor::Decode(StatementBytes())->tagged().array()[1].Find(394)->array()[0];
    receipts.push_back(original);
    unprotected.Set(Value::Int(394), Value::MakeArray(std::move(receipts)));
  });
  rep = VerifyBytes(both, Params());
  REQUIRE(rep.receipts.size() == 2);
  REQUIRE(rep.receipts[0].skipped);
  REQUIRE(rep.receipts[1].verified());
  REQUIRE(rep.verified());
}
