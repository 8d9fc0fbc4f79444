// Governance COSE_Sign1 envelopes. Each envelope bankctl builds is taken
// apart by an independent decoder (a minimal CBOR reader written here, not
// the libbank CBOR layer that encoded it), header by header, and its
// signature is checked with plain OpenSSL (EVP, and the openssl command).
#include "bank/cose.hpp"

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "bank/encoding.hpp"
#include "bank/hash.hpp"
#include "bank/identity.hpp"
#include "support/temp_dir.hpp"

namespace cose = bank::cose;
using bank::Bytes;

namespace {

// ---- an independent, minimal CBOR reader --------------------------------------------

struct Reader {
  const Bytes& b;
  size_t pos = 0;

  uint8_t Byte() {
    if (pos >= b.size()) throw std::runtime_error("truncated");
    return b[pos++];
  }
  // Returns the major type; `arg` gets the argument (definite lengths only).
  int Head(uint64_t* arg) {
    uint8_t ib = Byte();
    int major = ib >> 5, info = ib & 0x1f;
    if (info < 24) {
      *arg = static_cast<uint64_t>(info);
    } else if (info <= 27) {
      int n = 1 << (info - 24);
      *arg = 0;
      for (int i = 0; i < n; ++i) *arg = (*arg << 8) | Byte();
    } else {
      throw std::runtime_error("unexpected additional info");
    }
    return major;
  }
  uint64_t Expect(int major) {
    uint64_t arg;
    int got = Head(&arg);
    if (got != major)
      throw std::runtime_error("major type " + std::to_string(got) + ", expected " + std::to_string(major));
    return arg;
  }
  std::string Str(int major) {
    uint64_t n = Expect(major);
    if (pos + n > b.size()) throw std::runtime_error("string runs past the end");
    std::string s(b.begin() + static_cast<long>(pos), b.begin() + static_cast<long>(pos + n));
    pos += n;
    return s;
  }
  std::string Text() { return Str(3); }
  Bytes Bstr() {
    std::string s = Str(2);
    return Bytes(s.begin(), s.end());
  }
};

struct Decoded {
  Bytes protected_bytes, payload, signature;
  // Protected header entries, in encoded order: label (int as decimal or
  // text) -> value rendered as text ("-35", "h:<hex>", "t:<text>", "u:<n>").
  std::vector<std::pair<std::string, std::string>> header;
  size_t unprotected_entries = 0;
};

Decoded DecodeIndependently(const Bytes& envelope) {
  Reader r{envelope};
  Decoded d;
  REQUIRE(r.Expect(6) == 18);  // tag 18: COSE_Sign1
  REQUIRE(r.Expect(4) == 4);   // [protected, unprotected, payload, signature]
  d.protected_bytes = r.Bstr();
  d.unprotected_entries = r.Expect(5);
  d.payload = r.Bstr();
  d.signature = r.Bstr();
  REQUIRE(r.pos == envelope.size());

  Reader h{d.protected_bytes};
  uint64_t entries = h.Expect(5);
  for (uint64_t i = 0; i < entries; ++i) {
    uint64_t arg;
    std::string label, value;
    if ((h.b.at(h.pos) >> 5) == 3) {
      label = h.Text();
    } else {
      int major = h.Head(&arg);
      REQUIRE((major == 0 || major == 1));
      label = major == 0 ? std::to_string(arg) : std::to_string(-1 - static_cast<int64_t>(arg));
    }
    int major = h.b.at(h.pos) >> 5;
    if (major == 2)
      value = "h:" + bank::AsString(h.Bstr());
    else if (major == 3)
      value = "t:" + h.Text();
    else {
      h.Head(&arg);
      REQUIRE((major == 0 || major == 1));
      value = major == 0 ? "u:" + std::to_string(arg) : std::to_string(-1 - static_cast<int64_t>(arg));
    }
    d.header.emplace_back(label, value);
  }
  REQUIRE(h.pos == d.protected_bytes.size());
  return d;
}

Bytes ManualSigStructure(const Bytes& phdr, const Bytes& payload) {
  auto bstr_head = [](size_t n) {
    Bytes head;
    if (n < 24)
      head = {static_cast<uint8_t>(0x40 | n)};
    else if (n < 256)
      head = {0x58, static_cast<uint8_t>(n)};
    else
      head = {0x59, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n & 0xff)};
    return head;
  };
  Bytes out = {0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'};
  Bytes h = bstr_head(phdr.size());
  out.insert(out.end(), h.begin(), h.end());
  out.insert(out.end(), phdr.begin(), phdr.end());
  out.push_back(0x40);
  Bytes p = bstr_head(payload.size());
  out.insert(out.end(), p.begin(), p.end());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// r||s -> DER with OpenSSL's own ECDSA_SIG, no libbank.
Bytes RawToDer(const Bytes& raw) {
  size_t n = raw.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw.data(), static_cast<int>(n), nullptr),
                 BN_bin2bn(raw.data() + n, static_cast<int>(n), nullptr));
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

bool OpensslVerify(const std::string& cert_pem, const EVP_MD* md, const Bytes& tbs, const Bytes& der) {
  BIO* bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  REQUIRE(x != nullptr);
  EVP_PKEY* key = X509_get_pubkey(x);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, der.data(), der.size(), tbs.data(), tbs.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  X509_free(x);
  return ok;
}

void WriteFile(const std::string& path, const Bytes& data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

bank::Identity MakeIdentity(const bank::test::TempDir& dir, const std::string& name, bank::Curve curve) {
  bank::KeygenOptions o;
  o.name = name;
  o.directory = dir.path();
  o.curve = curve;
  auto made = bank::GenerateIdentity(o);
  REQUIRE(made.ok());
  auto id = bank::LoadIdentity(made->cert_path, made->privk_path);
  REQUIRE(id.ok());
  return *id;
}

}  // namespace

TEST_CASE("cose: a proposal envelope, header by header, verified by plain OpenSSL") {
  bank::test::TempDir dir;
  auto member = MakeIdentity(dir, "member0", bank::Curve::kP384);
  const std::string payload = R"({"actions":[{"name":"set_user","args":{"cert":"x"}}]})";
  auto envelope = cose::SignGov(member, {cose::kProposal, std::nullopt, 1714567890}, bank::AsBytes(payload));
  REQUIRE(envelope.ok());

  Decoded d = DecodeIndependently(*envelope);
  // Deterministic order: 1, 4, then text labels by encoded bytes.
  std::vector<std::pair<std::string, std::string>> expected = {
      {"1", "-35"},
      {"4", "h:" + member.cert.Id()},
      {"ccf.gov.msg.type", "t:proposal"},
      {"ccf.gov.msg.created_at", "u:1714567890"},
  };
  CHECK(d.header == expected);
  CHECK(d.unprotected_entries == 0);
  CHECK(bank::AsString(d.payload) == payload);
  REQUIRE(d.signature.size() == 96);  // raw r||s for P-384

  // Shortest heads exactly as CCF's Python (cbor2) writes them.
  Bytes phdr_prefix = {0xa4, 0x01, 0x38, 0x22, 0x04, 0x58, 0x40};
  CHECK(Bytes(d.protected_bytes.begin(), d.protected_bytes.begin() + 7) == phdr_prefix);

  const Bytes tbs = ManualSigStructure(d.protected_bytes, d.payload);
  const Bytes der = RawToDer(d.signature);
  CHECK(OpensslVerify(member.cert.Pem(), EVP_sha384(), tbs, der));
  Bytes tampered = tbs;
  tampered.back() ^= 1;
  CHECK_FALSE(OpensslVerify(member.cert.Pem(), EVP_sha384(), tampered, der));

  // And with the openssl command line, as an auditor would.
  const std::string tmp = dir.path().string();
  WriteFile(tmp + "/tbs.bin", tbs);
  WriteFile(tmp + "/sig.der", der);
  const std::string cmd = "openssl x509 -in " + tmp + "/member0_cert.pem -noout -pubkey > " + tmp +
                          "/pub.pem && openssl dgst -sha384 -verify " + tmp + "/pub.pem -signature " + tmp +
                          "/sig.der " + tmp + "/tbs.bin > " + tmp + "/out.txt 2>&1";
  CHECK(std::system(cmd.c_str()) == 0);
  std::ifstream out(tmp + "/out.txt");
  std::string line;
  std::getline(out, line);
  CHECK(line == "Verified OK");
}

TEST_CASE("cose: ballots carry the proposal id, P-256 signers use ES256") {
  bank::test::TempDir dir;
  auto member = MakeIdentity(dir, "member1", bank::Curve::kP256);
  const std::string pid(64, 'a');
  auto envelope =
      cose::SignGov(member, {cose::kBallot, pid, 1700000000}, bank::AsBytes("{\"ballot\":\"x\"}"));
  REQUIRE(envelope.ok());
  Decoded d = DecodeIndependently(*envelope);
  std::vector<std::pair<std::string, std::string>> expected = {
      {"1", "-7"},
      {"4", "h:" + member.cert.Id()},
      {"ccf.gov.msg.type", "t:ballot"},
      {"ccf.gov.msg.created_at", "u:1700000000"},
      {"ccf.gov.msg.proposal_id", "t:" + pid},
  };
  CHECK(d.header == expected);
  REQUIRE(d.signature.size() == 64);
  CHECK(OpensslVerify(member.cert.Pem(), EVP_sha256(), ManualSigStructure(d.protected_bytes, d.payload),
                      RawToDer(d.signature)));
}

TEST_CASE("cose: header combinations are checked before signing") {
  bank::test::TempDir dir;
  auto member = MakeIdentity(dir, "member0", bank::Curve::kP384);
  auto sign = [&](cose::GovHeaders h) { return cose::SignGov(member, h, bank::AsBytes("{}")).status(); };
  CHECK(sign({"ballot", std::nullopt, 1}).code() == bank::Code::kUsage);
  CHECK(sign({"proposal", std::string(64, 'a'), 1}).code() == bank::Code::kUsage);
  CHECK(sign({"vote", std::nullopt, 1}).message().find("unknown governance message type") !=
        std::string::npos);
  CHECK(sign({"proposal", std::nullopt, -1}).code() == bank::Code::kUsage);
  CHECK(sign({"ack", std::nullopt, 5}).ok());
}

TEST_CASE("cose: prepare then finish equals a direct signature, and finish checks the signature") {
  bank::test::TempDir dir;
  auto member = MakeIdentity(dir, "member0", bank::Curve::kP384);
  const cose::GovHeaders h{cose::kWithdrawal, std::string(64, 'b'), 1714000000};
  const std::string payload;

  auto prepared = cose::PrepareGov(member.cert, h, bank::AsBytes(payload));
  REQUIRE(prepared.ok());
  CHECK(prepared->alg == -35);
  CHECK(prepared->digest.size() == 48);
  auto j = prepared->ToJson();
  CHECK(j["alg"] == -35);
  CHECK(bank::Base64Decode(j["value"].get<std::string>()).value() == prepared->digest);

  // The "HSM": signs the digest with the key, returns base64url raw r||s.
  auto der = member.key.SignDigest(prepared->digest);
  REQUIRE(der.ok());
  auto raw = bank::EcdsaDerToRaw(*der, 48);
  REQUIRE(raw.ok());
  const std::string sig_json = nlohmann::json{{"value", bank::Base64UrlEncode(*raw)}}.dump();
  auto parsed_sig = cose::ParseSignatureJson(sig_json, member.cert);
  REQUIRE(parsed_sig.ok());
  CHECK(*parsed_sig == *raw);
  // A DER signature (as some vaults return) is accepted too.
  CHECK(cose::ParseSignatureJson(nlohmann::json{{"value", bank::Base64Encode(*der)}}.dump(), member.cert)
            .value() == *raw);

  auto envelope = cose::FinishGov(member.cert, h, bank::AsBytes(payload), *parsed_sig);
  REQUIRE(envelope.ok());
  auto direct = cose::SignGov(member, h, bank::AsBytes(payload));
  REQUIRE(direct.ok());
  Decoded a = DecodeIndependently(*envelope), b = DecodeIndependently(*direct);
  CHECK(a.protected_bytes == b.protected_bytes);
  CHECK(a.payload == b.payload);
  CHECK(OpensslVerify(member.cert.Pem(), EVP_sha384(), ManualSigStructure(a.protected_bytes, a.payload),
                      RawToDer(a.signature)));

  // A signature over other headers does not finish.
  cose::GovHeaders other = h;
  other.created_at += 1;
  auto refused = cose::FinishGov(member.cert, other, bank::AsBytes(payload), *parsed_sig);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == bank::Code::kVerifyFailed);
  CHECK_FALSE(cose::ParseSignatureJson("{\"value\": 5}", member.cert).ok());
  CHECK_FALSE(cose::ParseSignatureJson("not json", member.cert).ok());
  CHECK_FALSE(cose::ParseSignatureJson("{\"value\": \"AAAA\"}", member.cert).ok());
}

TEST_CASE("cose: parse and verify, and what they refuse") {
  bank::test::TempDir dir;
  auto member = MakeIdentity(dir, "member0", bank::Curve::kP384);
  auto other = MakeIdentity(dir, "member1", bank::Curve::kP384);
  auto envelope = cose::SignGov(member, {cose::kProposal, std::nullopt, 42}, bank::AsBytes("{}"));
  REQUIRE(envelope.ok());

  auto sign1 = cose::ParseSign1(*envelope);
  REQUIRE(sign1.ok());
  auto phdr = cose::ParseGovProtectedHeader(sign1->protected_header);
  REQUIRE(phdr.ok());
  CHECK(phdr->alg == -35);
  CHECK(phdr->kid == member.cert.Id());
  CHECK(phdr->msg_type == "proposal");
  CHECK(phdr->created_at == 42);
  CHECK_FALSE(phdr->proposal_id.has_value());
  CHECK(cose::VerifySign1(*sign1, phdr->alg, member.cert.public_key()).ok());
  CHECK(cose::VerifySign1(*sign1, phdr->alg, other.cert.public_key()).code() == bank::Code::kVerifyFailed);
  CHECK(cose::VerifySign1(*sign1, 1, member.cert.public_key()).message().find("Unsupported algorithm") !=
        std::string::npos);

  // Not tagged / wrong shapes.
  using bank::cbor::Value;
  auto bad = [](const Value& v) { return cose::ParseSign1(bank::cbor::Encode(v)).status().message(); };
  const Value phdr_bytes = Value::Bytes(sign1->protected_bytes);
  CHECK(bad(Value::MakeArray({phdr_bytes, Value::MakeMap(), Value::Bytes({}), Value::Bytes({})}))
            .find("not tagged") != std::string::npos);
  CHECK(bad(Value::Tag(18, Value::MakeArray({phdr_bytes}))).find("array of 4") != std::string::npos);
  CHECK(bad(Value::Tag(
                18, Value::MakeArray({Value::Int(1), Value::MakeMap(), Value::Bytes({}), Value::Bytes({})})))
            .find("protected header must be a byte string") != std::string::npos);
  CHECK(cose::ParseSign1(bank::AsBytes("{\"actions\": []}")).status().code() == bank::Code::kRejected);

  // Header types as CCF requires: kid a byte string, created_at present.
  Value text_kid = Value::MakeMap();
  text_kid.Set(Value::Int(1), Value::Int(-35));
  text_kid.Set(Value::Int(4), Value::Text(member.cert.Id()));
  text_kid.Set(Value::Text(cose::kHeaderCreatedAt), Value::Int(1));
  CHECK(cose::ParseGovProtectedHeader(text_kid).status().message().find("kid (4) must be a byte string") !=
        std::string::npos);
  Value no_created = Value::MakeMap();
  no_created.Set(Value::Int(1), Value::Int(-35));
  no_created.Set(Value::Int(4), Value::Bytes(bank::AsBytes(member.cert.Id())));
  CHECK(cose::ParseGovProtectedHeader(no_created).status().message().find("Missing ccf.gov.msg.created_at") !=
        std::string::npos);
}

TEST_CASE("cose: --created-at accepts ISO 8601 and epoch seconds") {
  CHECK(cose::ParseCreatedAt("2024-05-01T12:00:00Z").value() == 1714564800);
  CHECK(cose::ParseCreatedAt("2024-05-01T14:00:00+02:00").value() == 1714564800);
  CHECK(cose::ParseCreatedAt("2024-05-01T12:00:00.123456Z").value() == 1714564800);
  CHECK(cose::ParseCreatedAt("2024-05-01T12:00:00").value() == 1714564800);
  CHECK(cose::ParseCreatedAt("2024-05-01T12:00Z").value() == 1714564800);
  CHECK(cose::ParseCreatedAt("2024-05-01").value() == 1714521600);
  CHECK(cose::ParseCreatedAt("1714564800").value() == 1714564800);
  for (const char* bad : {"", "yesterday", "2024-13-01", "2024-05-01T25:00:00Z", "2024-05-01T12:00:00+2",
                          "-5", "2024-05-01X12:00:00"})
    CHECK(cose::ParseCreatedAt(bad).status().code() == bank::Code::kUsage);
}
