// Every receipt form in ../shared/vectors verifies with its trust anchor,
// and every single-field mutation fails at the step that checks that field:
// CCF's JSON receipts, Azure Confidential Ledger's camelCase receipt and its
// application claims, envelopes, and the Code Transparency Service's
// transparent statement (anchored by its service parameters file or a JWKS).
#include <catch2/catch.hpp>
#include <functional>

#include "bank/application_claims.hpp"
#include "bank/cbor.hpp"
#include "bank/identity.hpp"
#include "bank/receipt_verify.hpp"
#include "support/temp_dir.hpp"

using namespace bank;
using nlohmann::json;

namespace {

std::string Vector(const std::string& name) {
  auto text = ReadFile(test::VectorPath(name));
  REQUIRE(text.ok());
  return *text;
}

TrustAnchors AnchorsFrom(const std::string& vector_path) {
  TrustAnchors a;
  REQUIRE(a.AddPath(test::VectorPath(vector_path)).ok());
  return a;
}

// The step a report fails at first ("" when none fails).
std::string FirstFailure(const ReceiptReport& rep) {
  const Check* f = rep.FirstFailure();
  return f ? f->name : "";
}

ReceiptReport VerifyJsonText(const std::string& text, TrustAnchors anchors, const Expected& expected = {}) {
  auto r = ParseReceipt(text);
  REQUIRE(r.ok());
  return ReceiptVerifier(std::move(anchors)).Verify(*r, expected);
}

// Flips one hex digit (keeps it hex).
std::string FlipHex(std::string s, size_t i) {
  s[i] = s[i] == '0' ? '1' : '0';
  return s;
}

struct JsonVector {
  std::string receipt, cert;
};

const std::vector<JsonVector> kJsonVectors = {
    {"receipts/acl-staging-2.35.receipt.json", "receipts/acl-staging-2.35.service_cert.pem"},
    {"receipts/ccf_testdata_snapshot_eol_service__snapshot_493_494.receipt.json",
     "receipts/ccf_testdata_snapshot_eol_service__snapshot_493_494.service_cert.pem"},
    {"receipts/ccf_testdata_snapshot_expired_service__snapshot_61_62.receipt.json",
     "receipts/ccf_testdata_snapshot_expired_service__snapshot_61_62.service_cert.pem"},
    {"receipts/ccf_testdata_snapshot_sgx_service__snapshot_138_139.receipt.json",
     "receipts/ccf_testdata_snapshot_sgx_service__snapshot_138_139.service_cert.pem"},
    {"receipts/ccf_testdata_snapshot_sgx_service__snapshot_99_100.receipt.json",
     "receipts/ccf_testdata_snapshot_sgx_service__snapshot_99_100.service_cert.pem"},
    {"receipts/azsdkpy_application_claims_2.13_camelCase.json",
     "receipts/azsdkpy_application_claims_2.13_service_cert.pem"},
};

// Every string leaf of a JSON receipt, by JSON pointer.
void StringLeaves(const json& j, const std::string& at, std::vector<std::string>& out) {
  if (j.is_string()) out.push_back(at);
  if (j.is_object())
    for (const auto& [k, v] : j.items()) StringLeaves(v, at + "/" + k, out);
  if (j.is_array())
    for (size_t i = 0; i < j.size(); ++i) StringLeaves(j[i], at + "/" + std::to_string(i), out);
}

// The step that must catch a change of the field at `pointer`.
std::string StepFor(const std::string& pointer, bool has_node_id) {
  if (pointer == "/cert") return has_node_id ? "node_id" : "root_signature";
  if (pointer == "/node_id" || pointer == "/nodeId") return "node_id";
  return "root_signature";  // leaf components, proof, signature
}

// One changed field, still well-formed (so the verifier, not the parser, decides).
std::string Mutated(const std::string& pointer, const std::string& value, const std::string& other_cert) {
  if (pointer == "/cert") return other_cert;
  if (pointer == "/signature") {
    auto der = *Base64Decode(value);
    der[der.size() - 3] ^= 0x01;  // inside s: still DER
    return Base64Encode(der);
  }
  return FlipHex(value, value.size() - 5);  // a hex digest, or the commit evidence's hex tail
}

}  // namespace

TEST_CASE("Every JSON receipt vector verifies with its service certificate", "[receipt][vectors]") {
  for (const auto& v : kJsonVectors) {
    INFO(v.receipt);
    auto rep = VerifyJsonText(Vector(v.receipt), AnchorsFrom(v.cert));
    REQUIRE(rep.verified());
    REQUIRE(rep.anchored);
    REQUIRE_THAT(rep.anchor, Catch::Contains(v.cert));
    REQUIRE(rep.txid.has_value());
  }
}

TEST_CASE("Every single-field mutation of every JSON vector fails at its step", "[receipt][vectors]") {
  // A node certificate of another service, to swap in (and another for its own receipt).
  const std::string other_cert = json::parse(Vector(kJsonVectors[0].receipt))["cert"];
  const std::string alt_cert = json::parse(Vector(kJsonVectors[1].receipt))["cert"];
  for (const auto& v : kJsonVectors) {
    const json original = json::parse(Vector(v.receipt));
    const bool has_node_id = original.contains("node_id") || original.contains("nodeId");
    std::vector<std::string> pointers;
    StringLeaves(original, "", pointers);
    REQUIRE(pointers.size() >= 6);
    for (const auto& p : pointers) {
      INFO(v.receipt << " " << p);
      json m = original;
      const json::json_pointer ptr(p);
      const std::string value = m[ptr];
      const std::string replacement = Mutated(p, value, value == other_cert ? alt_cert : other_cert);
      REQUIRE(replacement != value);
      m[ptr] = replacement;
      auto rep = VerifyJsonText(m.dump(), AnchorsFrom(v.cert));
      REQUIRE_FALSE(rep.verified());
      REQUIRE(FirstFailure(rep) == StepFor(p, has_node_id));
    }
  }
}

TEST_CASE("Azure Confidential Ledger's camelCase receipt and its application claims",
          "[receipt][vectors][acl]") {
  const std::string text = Vector("receipts/azsdkpy_application_claims_2.13_camelCase.json");
  auto anchors = [] { return AnchorsFrom("receipts/azsdkpy_application_claims_2.13_service_cert.pem"); };
  auto parsed = ParseReceipt(text);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->spelling == ReceiptSpelling::kCamelCase);
  REQUIRE(ReceiptFormName(*parsed) == "acl-camelCase");

  const Digest want = *DigestFromHex("d08d8764437d09b2d4d07d52293cddaf40f44a3ea2176a0528819a80002df9f6");
  for (const char* claims : {"receipts/azsdkpy_application_claims_2.13.claims_ledger_entry.json",
                             "receipts/azsdkpy_application_claims_2.13.claims_digest_form.json"}) {
    INFO(claims);
    auto d = ApplicationClaimsDigestFromText(Vector(claims));
    REQUIRE(d.ok());
    REQUIRE(*d == want);
    Expected e;
    e.claims_digest = *d;
    e.claims_step = "application_claims";
    e.claims_source = "the claims";
    auto rep = VerifyJsonText(text, anchors(), e);
    REQUIRE(rep.verified());
  }

  SECTION("a changed application claim fails application_claims") {
    json claims = json::parse(Vector("receipts/azsdkpy_application_claims_2.13.claims_ledger_entry.json"));
    for (const char* field : {"contents", "collectionId", "secretKey"}) {
      json m = claims;
      std::string& s = m[0]["ledgerEntry"][field].get_ref<std::string&>();
      s = field == std::string("secretKey") ? Base64Encode(Sha256("other key")) : s + "!";
      Expected e;
      e.claims_digest = *ApplicationClaimsDigest(m);
      e.claims_step = "application_claims";
      auto rep = VerifyJsonText(text, anchors(), e);
      INFO(field);
      REQUIRE(FirstFailure(rep) == "application_claims");
    }
    json d = json::parse(Vector("receipts/azsdkpy_application_claims_2.13.claims_digest_form.json"));
    d[0]["digest"]["value"] = FlipHex(d[0]["digest"]["value"], 3);
    Expected e;
    e.claims_digest = *ApplicationClaimsDigest(d);
    e.claims_step = "application_claims";
    REQUIRE(FirstFailure(VerifyJsonText(text, anchors(), e)) == "application_claims");
  }

  SECTION("--claims-digest checks the leaf's claims digest") {
    Expected e;
    e.claims_digest = want;
    REQUIRE(VerifyJsonText(text, anchors(), e).verified());
    e.claims_digest = Sha256("something else");
    REQUIRE(FirstFailure(VerifyJsonText(text, anchors(), e)) == "claims_digest");
  }

  SECTION("ACL's get_receipt envelope, with its applicationClaims checked") {
    json env = {{"receipt", json::parse(text)},
                {"state", "Ready"},
                {"transactionId", "2.13"},
                {"applicationClaims",
                 json::parse(Vector("receipts/azsdkpy_application_claims_2.13.claims_ledger_entry.json"))}};
    auto rep = VerifyJsonText(env.dump(), anchors());
    REQUIRE(rep.verified());
    REQUIRE(rep.form == "acl-camelCase-envelope");
    json bad = env;
    bad["applicationClaims"][0]["ledgerEntry"]["contents"] = "Hello world?";
    REQUIRE(FirstFailure(VerifyJsonText(bad.dump(), anchors())) == "application_claims");
    bad = env;
    bad["transactionId"] = "2.14";
    REQUIRE(FirstFailure(VerifyJsonText(bad.dump(), anchors())) == "transaction_id");
    bad = env;
    bad["state"] = "Loading";
    REQUIRE_THAT(ParseReceipt(bad.dump()).status().message(), Catch::Contains("Loading"));
  }

  SECTION("a field under both spellings is refused") {
    json m = json::parse(text);
    m["leafComponents"]["commit_evidence"] = m["leafComponents"]["commitEvidence"];
    REQUIRE_THAT(ParseReceipt(m.dump()).status().message(), Catch::Contains("both"));
  }

  SECTION("integrity only: everything but the anchor, and says so") {
    auto rep = VerifyJsonText(text, TrustAnchors());
    REQUIRE(rep.intact());
    REQUIRE_FALSE(rep.verified());
    REQUIRE_FALSE(rep.anchored);
    REQUIRE(rep.checks.back().name == "anchor");
    REQUIRE(rep.checks.back().outcome == Outcome::kSkipped);
    REQUIRE(rep.ToJson()["anchored"] == false);
    json m = json::parse(text);
    m["leafComponents"]["writeSetDigest"] = FlipHex(m["leafComponents"]["writeSetDigest"], 0);
    REQUIRE_FALSE(VerifyJsonText(m.dump(), TrustAnchors()).intact());
  }
}

TEST_CASE("Trust anchors load from bundles, directories and any order", "[receipt][anchors]") {
  test::TempDir dir;
  const std::string right = Vector("receipts/acl-staging-2.35.service_cert.pem");
  const std::string wrong = Vector("receipts/azsdkpy_application_claims_2.13_service_cert.pem");
  REQUIRE(WriteFileAtomic(dir / "bundle.pem", wrong + right).ok());
  std::filesystem::create_directory(dir.path() / "certs");
  REQUIRE(WriteFileAtomic(dir / "certs/a.pem", wrong).ok());
  REQUIRE(WriteFileAtomic(dir / "certs/b.crt", right).ok());
  const std::string receipt = Vector("receipts/acl-staging-2.35.receipt.json");
  for (const std::string& path : {dir / "bundle.pem", dir / "certs"}) {
    TrustAnchors a;
    REQUIRE(a.AddPath(path).ok());
    REQUIRE(a.all().size() == 2);
    auto rep = VerifyJsonText(receipt, a);
    REQUIRE(rep.verified());
    REQUIRE_THAT(rep.anchor, Catch::Contains(path == dir / "bundle.pem" ? "bundle.pem[1]" : "b.crt"));
  }
  TrustAnchors only_wrong;
  REQUIRE(only_wrong.AddPath(dir / "certs/a.pem").ok());
  REQUIRE(FirstFailure(VerifyJsonText(receipt, only_wrong)) == "anchor");

  TrustAnchors bad;
  REQUIRE(WriteFileAtomic(dir / "empty", "not a certificate").ok());
  REQUIRE(bad.AddPath(dir / "empty").code() == Code::kInputFile);
  json params = json::parse(Vector("cose-receipts/scitt-ccf-ledger_esrp-cts-db_service_params.json"));
  params["parameters"][0]["serviceId"] = std::string(64, 'a');
  REQUIRE_THAT(bad.AddServiceParameters(params.dump(), "p").message(), Catch::Contains("serviceId"));
}
