#include "bank/ledger_tables.hpp"

#include <fmt/format.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "bank/cose.hpp"
#include "bank/encoding.hpp"

namespace bank::ledger {
namespace {

using nlohmann::json;

Result<json> ParseObject(std::string_view text, const char* what) {
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object()) return Status::InputFile(std::string(what) + " is not a JSON object");
  return j;
}

Result<uint64_t> UInt(const json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_number_unsigned())
    return Status::InputFile(fmt::format("\"{}\" is missing or not an unsigned integer", field));
  return it->get<uint64_t>();
}

Result<std::string> Text(const json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_string())
    return Status::InputFile(fmt::format("\"{}\" is missing or not a string", field));
  return it->get<std::string>();
}

Result<Bytes> DecodeEnvelope(std::string_view b64) {
  auto bytes = Base64Decode(b64);
  if (!bytes.ok()) return Status::InputFile("COSE_Sign1 is not base64");
  return *bytes;
}

Result<cose::Sign1> ParseEnvelope(const Bytes& bytes, int64_t* alg) {
  auto sign1 = cose::ParseSign1(bytes);
  if (!sign1.ok()) return Status::InputFile(sign1.status().message());
  const cbor::Value* a = sign1->protected_header.Find(cose::kHeaderAlg);
  if (!a || !a->AsInt()) return Status::InputFile("COSE_Sign1 without an integer alg");
  *alg = *a->AsInt();
  return sign1;
}

uint64_t LoadBe(std::string_view b) {
  uint64_t v = 0;
  for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

void PutBe(uint64_t v, std::string* out) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

std::optional<std::string> JsonString(std::string_view json_value) {
  auto j = json::parse(json_value, nullptr, false);
  if (!j.is_string()) return std::nullopt;
  return j.get<std::string>();
}

std::string PrimarySignature::ToJson() const {
  json j;
  if (!cert_pem.empty()) j["cert"] = cert_pem;
  j["commit_seqno"] = commit.seqno;
  j["commit_view"] = commit.view;
  j["hashed_nonce"] = DigestHex(hashed_nonce);
  j["node"] = node_id;
  j["root"] = DigestHex(root);
  j["seqno"] = txid.seqno;
  j["sig"] = Base64Encode(signature);
  j["view"] = txid.view;
  return j.dump();
}

Result<PrimarySignature> ParsePrimarySignature(std::string_view json_value) {
  BANK_ASSIGN_OR_RETURN(auto j, ParseObject(json_value, "signature"));
  PrimarySignature s;
  BANK_ASSIGN_OR_RETURN(s.txid.seqno, UInt(j, "seqno"));
  BANK_ASSIGN_OR_RETURN(s.txid.view, UInt(j, "view"));
  BANK_ASSIGN_OR_RETURN(s.commit.seqno, UInt(j, "commit_seqno"));
  BANK_ASSIGN_OR_RETURN(s.commit.view, UInt(j, "commit_view"));
  BANK_ASSIGN_OR_RETURN(s.node_id, Text(j, "node"));
  BANK_ASSIGN_OR_RETURN(auto root, Text(j, "root"));
  auto r = DigestFromHex(root);
  if (!r.ok()) return Status::InputFile("\"root\" is not 64 hex characters");
  s.root = *r;
  if (j.contains("hashed_nonce")) {
    BANK_ASSIGN_OR_RETURN(auto nonce, Text(j, "hashed_nonce"));
    auto n = DigestFromHex(nonce);
    if (!n.ok()) return Status::InputFile("\"hashed_nonce\" is not 64 hex characters");
    s.hashed_nonce = *n;
  }
  BANK_ASSIGN_OR_RETURN(auto sig, Text(j, "sig"));
  auto der = Base64Decode(sig);
  if (!der.ok()) return Status::InputFile("\"sig\" is not base64");
  s.signature = *der;
  if (j.contains("cert")) {
    BANK_ASSIGN_OR_RETURN(s.cert_pem, Text(j, "cert"));
  }
  if (s.commit.seqno > s.txid.seqno) return Status::InputFile("\"commit_seqno\" is after the signature");
  return s;
}

Status VerifyPrimarySignature(const PrimarySignature& sig, const std::string& recorded_cert_pem) {
  auto recorded = Certificate::FromPem(recorded_cert_pem, "the recorded node certificate");
  if (!recorded.ok()) return Status::VerifyFailed(recorded.status().message());
  if (!sig.cert_pem.empty()) {
    auto embedded = Certificate::FromPem(sig.cert_pem, "the signature's certificate");
    if (!embedded.ok()) return Status::VerifyFailed(embedded.status().message());
    if (embedded->public_key().SpkiDer() != recorded->public_key().SpkiDer())
      return Status::VerifyFailed("the signature's certificate is not the one recorded for node " +
                                  sig.node_id);
  }
  if (recorded->PublicKeyId() != sig.node_id)
    return Status::VerifyFailed("node id " + sig.node_id + " is not the hash of the node's key");
  if (!recorded->public_key().VerifyDigest(sig.root, sig.signature))
    return Status::VerifyFailed("the node signature over root " + DigestHex(sig.root) + " does not verify");
  return Status::OK();
}

Status VerifyCoseRootSignature(std::string_view b64, const Certificate& service, const Digest& root,
                               const TxId& txid) {
  BANK_ASSIGN_OR_RETURN(auto bytes, DecodeEnvelope(b64));
  int64_t alg = 0;
  BANK_ASSIGN_OR_RETURN(auto sign1, ParseEnvelope(bytes, &alg));
  const cbor::Value* kid = sign1.protected_header.Find(cose::kHeaderKid);
  std::string expected_kid = DigestHex(Sha256(service.public_key().SpkiDer()));
  if (!kid || !kid->is_bytes() || AsString(kid->bytes()) != expected_kid)
    return Status::VerifyFailed("kid is not the service key's (" + expected_kid + ")");
  const cbor::Value* ccf = sign1.protected_header.Find(std::string_view("ccf.v1"));
  const cbor::Value* tx = ccf ? ccf->Find(std::string_view("txid")) : nullptr;
  if (!tx || !tx->is_text() || tx->text() != txid.ToString())
    return Status::VerifyFailed("\"ccf.v1\" does not name txid " + txid.ToString());
  if (sign1.payload) return Status::VerifyFailed("the payload is not detached");
  Status s = cose::VerifySign1(sign1, alg, service.public_key(), std::span<const uint8_t>(root));
  if (!s.ok()) return Status::VerifyFailed("over the recomputed root: " + s.message());
  return Status::OK();
}

Status VerifyGovernanceEnvelope(std::string_view b64, const std::string& member_cert_pem,
                                const std::string& member_id) {
  BANK_ASSIGN_OR_RETURN(auto bytes, DecodeEnvelope(b64));
  int64_t alg = 0;
  BANK_ASSIGN_OR_RETURN(auto sign1, ParseEnvelope(bytes, &alg));
  const cbor::Value* kid = sign1.protected_header.Find(cose::kHeaderKid);
  if (!kid || !kid->is_bytes() || AsString(kid->bytes()) != member_id)
    return Status::VerifyFailed("kid is not the member id");
  auto cert = Certificate::FromPem(member_cert_pem, "the member certificate");
  if (!cert.ok()) return Status::VerifyFailed(cert.status().message());
  return cose::VerifySign1(sign1, alg, cert->public_key());
}

Result<Certificate> ServiceCertificateOf(std::string_view json_value) {
  BANK_ASSIGN_OR_RETURN(auto j, ParseObject(json_value, "service info"));
  BANK_ASSIGN_OR_RETURN(auto pem, Text(j, "cert"));
  return Certificate::FromPem(pem, "the service certificate");
}

Result<SerialisedTree> ParseSerialisedTree(std::string_view b) {
  if (b.size() < 16 || (b.size() - 16) % 32 != 0)
    return Status::InputFile("the serialised tree is not 16 + 32n bytes");
  SerialisedTree t;
  uint64_t n = LoadBe(b.substr(0, 8));
  t.first_leaf = LoadBe(b.substr(8, 8));
  uint64_t hashes = (b.size() - 16) / 32;
  if (n > hashes)
    return Status::InputFile(fmt::format("the serialised tree lists {} leaves in {} hashes", n, hashes));
  for (uint64_t i = 0; i < hashes; ++i) {
    Digest d;
    std::memcpy(d.data(), b.data() + 16 + 32 * i, 32);
    (i < n ? t.leaves : t.flushed).push_back(d);
  }
  return t;
}

std::string SerialiseTree(const SerialisedTree& t) {
  std::string out;
  PutBe(t.leaves.size(), &out);
  PutBe(t.first_leaf, &out);
  for (const auto* list : {&t.leaves, &t.flushed})
    for (const auto& d : *list) out.append(reinterpret_cast<const char*>(d.data()), d.size());
  return out;
}

}  // namespace bank::ledger
