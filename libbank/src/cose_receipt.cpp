#include "bank/cose_receipt.hpp"

#include <cbor.h>

#include <algorithm>
#include <optional>

#include "bank/cbor.hpp"
#include "bank/cose.hpp"

namespace bank {
namespace {

using cbor::Value;

constexpr size_t kMaxEvidenceBytes = 1024;  // the profile's bound on internal-evidence
// A receipt is a few hundred bytes plus one hash per tree level.
constexpr cbor::DecodeLimits kReceiptLimits{.max_depth = 8, .max_items = 4096};

Status Bad(const std::string& what) { return Status::InputFile("COSE receipt: " + what); }

Result<Digest> Digest32(const Value* v, const std::string& what) {
  if (v == nullptr) return Bad(what + " is missing");
  if (!v->is_bytes() || v->bytes().size() != 32) return Bad(what + " must be a 32-byte byte string");
  Digest d;
  std::copy(v->bytes().begin(), v->bytes().end(), d.begin());
  return d;
}

Result<ReceiptLeaf> ParseLeaf(const Value* v) {
  if (v == nullptr) return Bad("inclusion proof has no leaf (label 1)");
  if (!v->is_array() || v->array().size() != 3)
    return Bad("leaf must be [write set digest, commit evidence, claims digest]");
  const auto& a = v->array();
  ReceiptLeaf leaf;
  BANK_ASSIGN_OR_RETURN(leaf.write_set_digest, Digest32(&a[0], "leaf write set digest"));
  if (!a[1].is_text() || a[1].text().empty() || a[1].text().size() > kMaxEvidenceBytes)
    return Bad("leaf commit evidence must be a text string of 1 to 1024 bytes");
  leaf.commit_evidence = std::string(a[1].text());
  BANK_ASSIGN_OR_RETURN(leaf.claims_digest, Digest32(&a[2], "leaf claims digest"));
  return leaf;
}

Result<std::vector<ProofStep>> ParsePath(const Value* v) {
  if (v == nullptr) return Bad("inclusion proof has no path (label 2)");
  if (!v->is_array()) return Bad("path must be an array");
  std::vector<ProofStep> steps;
  for (size_t i = 0; i < v->array().size(); ++i) {
    const Value& e = v->array()[i];
    std::string where = "path[" + std::to_string(i) + "]";
    if (!e.is_array() || e.array().size() != 2 || !e.array()[0].is_bool())
      return Bad(where + " must be [left bool, hash]");
    ProofStep step{};
    step.side = e.array()[0].AsBool() ? Side::kLeft : Side::kRight;
    BANK_ASSIGN_OR_RETURN(step.hash, Digest32(&e.array()[1], where + " hash"));
    steps.push_back(step);
  }
  return steps;
}

Status ParseProtected(const Value& h, CoseReceipt& r) {
  const Value* alg = h.Find(kCoseLabelAlg);
  if (alg == nullptr || !alg->AsInt()) return Bad("protected header has no integer alg (1)");
  r.alg = *alg->AsInt();

  if (const Value* kid = h.Find(kCoseLabelKid)) {
    if (!kid->is_bytes()) return Bad("kid (4) must be a byte string");
    r.kid = kid->bytes();
  }

  const Value* vds = h.Find(kCoseLabelVds);
  if (vds == nullptr) return Bad("protected header has no verifiable data structure (395)");
  if (!vds->AsInt()) return Bad("verifiable data structure (395) must be an integer");
  r.vds = *vds->AsInt();

  if (const Value* cwt = h.Find(kCoseLabelCwtClaims)) {
    if (!cwt->is_map()) return Bad("CWT claims (15) must be a map");
    if (const Value* iat = cwt->Find(kCwtClaimIat)) {
      if (!iat->AsInt()) return Bad("CWT iat (6) must be an integer");
      r.issued_at = *iat->AsInt();
    }
    if (const Value* iss = cwt->Find(kCwtClaimIss)) {
      if (!iss->is_text()) return Bad("CWT iss (1) must be a text string");
      r.issuer = std::string(iss->text());
    }
    if (const Value* sub = cwt->Find(kCwtClaimSub)) {
      if (!sub->is_text()) return Bad("CWT sub (2) must be a text string");
      r.subject = std::string(sub->text());
    }
  }

  if (const Value* ccf = h.Find(kCcfHeaderMap)) {
    if (!ccf->is_map()) return Bad("\"ccf.v1\" must be a map");
    if (const Value* txid = ccf->Find(kCcfHeaderTxId)) {
      auto parsed = txid->is_text() ? TxId::Parse(txid->text()) : std::nullopt;
      if (!parsed) return Bad("\"ccf.v1\" txid must be a \"<view>.<seqno>\" text string");
      r.signed_txid = *parsed;
    }
  }
  return Status::OK();
}

Status ParseInclusionProof(const Value& unprotected, CoseReceipt& r) {
  if (!unprotected.is_map()) return Bad("unprotected header must be a map");
  const Value* vdp = unprotected.Find(kCoseLabelVdp);
  if (vdp == nullptr) return Bad("unprotected header has no verifiable data proofs (396)");
  if (!vdp->is_map()) return Bad("verifiable data proofs (396) must be a map");
  const Value* proofs = vdp->Find(kVdpInclusionProofs);
  if (proofs == nullptr) return Bad("no inclusion proofs (396 / -1)");
  if (!proofs->is_array() || proofs->array().size() != 1)
    return Bad("inclusion proofs (396 / -1) must be an array holding one proof");
  const Value& encoded = proofs->array()[0];
  if (!encoded.is_bytes()) return Bad("inclusion proof must be a byte string holding CBOR");

  auto decoded = cbor::Decode(encoded.bytes(), kReceiptLimits);
  if (!decoded.ok()) return Bad("inclusion proof: " + decoded.status().message());
  if (!decoded->is_map()) return Bad("inclusion proof must be a map");
  BANK_ASSIGN_OR_RETURN(r.leaf, ParseLeaf(decoded->Find(1)));
  BANK_ASSIGN_OR_RETURN(r.proof, ParsePath(decoded->Find(2)));
  return Status::OK();
}

// ---- The fast path: CCF's one shape, read head by head -----------------------
//
// CCF writes every receipt the same way, with definite lengths:
//   18([bstr(protected), {396: {-1: [bstr(proof)]}}, nil, bstr(signature)])
//   proof = {1: [bstr32, tstr, bstr32], 2: [[bool, bstr32], ...]}
// Reading exactly that with libcbor's streaming decoder, without building a
// cbor::Value tree, costs a fraction of the generic decode. Anything else
// (other key order, extra keys, indefinite lengths, an error) makes the fast
// path give up and the generic path below decide: the fast path accepts
// only receipts the generic path accepts, with the same result.

// One data item head, as libcbor's streaming decoder reports it.
struct Head {
  enum Kind { kNone, kUint, kNegint, kBytes, kText, kArray, kMap, kBool, kNull } kind = kNone;
  uint64_t value = 0;  // integer, negative integer's magnitude, count, bool
  const uint8_t* data = nullptr;
  size_t size = 0;  // definite string length
};

Head& H(void* ctx) { return *static_cast<Head*>(ctx); }

const cbor_callbacks& HeadCallbacks() {
  static const cbor_callbacks cb = [] {
    cbor_callbacks c = cbor_empty_callbacks;  // the others leave kNone: not this shape
    c.uint8 = [](void* x, uint8_t v) { H(x) = {Head::kUint, v}; };
    c.uint16 = [](void* x, uint16_t v) { H(x) = {Head::kUint, v}; };
    c.uint32 = [](void* x, uint32_t v) { H(x) = {Head::kUint, v}; };
    c.uint64 = [](void* x, uint64_t v) { H(x) = {Head::kUint, v}; };
    c.negint8 = [](void* x, uint8_t v) { H(x) = {Head::kNegint, v}; };
    // libcbor 0.8 names these crosswise: `byte_string` is the definite one.
    c.byte_string = [](void* x, cbor_data d, size_t n) { H(x) = {Head::kBytes, 0, d, n}; };
    c.string = [](void* x, cbor_data d, size_t n) { H(x) = {Head::kText, 0, d, n}; };
    c.array_start = [](void* x, size_t n) { H(x) = {Head::kArray, n}; };
    c.map_start = [](void* x, size_t n) { H(x) = {Head::kMap, n}; };
    c.boolean = [](void* x, bool b) { H(x) = {Head::kBool, b ? 1u : 0u}; };
    c.null = [](void* x) { H(x) = {Head::kNull}; };
    return c;
  }();
  return cb;
}

class HeadReader {
 public:
  explicit HeadReader(std::span<const uint8_t> data) : data_(data) {}

  // The next complete head (kNone when it is anything else).
  Head Next() {
    Head h;
    if (pos_ >= data_.size()) return h;
    auto r = cbor_stream_decode(data_.data() + pos_, data_.size() - pos_, &HeadCallbacks(), &h);
    if (r.status != CBOR_DECODER_FINISHED || r.read == 0) return Head{};
    pos_ += r.read;
    return h;
  }
  // A head libcbor 0.8 cannot read (tags 6..20 in the initial byte).
  bool RawByte(uint8_t b) {
    if (pos_ >= data_.size() || data_[pos_] != b) return false;
    ++pos_;
    return true;
  }
  bool Is(Head::Kind kind, uint64_t value) {
    Head h = Next();
    return h.kind == kind && h.value == value;
  }
  std::optional<std::span<const uint8_t>> String(Head::Kind kind) {
    Head h = Next();
    if (h.kind != kind) return std::nullopt;
    return std::span<const uint8_t>(h.data, h.size);
  }
  std::optional<Digest> Digest32() {
    auto s = String(Head::kBytes);
    if (!s || s->size() != 32) return std::nullopt;
    Digest d;
    std::copy(s->begin(), s->end(), d.begin());
    return d;
  }
  bool done() const { return pos_ == data_.size(); }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

// Far below kReceiptLimits' item bound, which the generic path enforces.
constexpr uint64_t kMaxFastSteps = 256;

bool FastInclusionProof(std::span<const uint8_t> proof, CoseReceipt& r) {
  HeadReader in(proof);
  if (!in.Is(Head::kMap, 2) || !in.Is(Head::kUint, 1) || !in.Is(Head::kArray, 3)) return false;
  auto wsd = in.Digest32();
  auto ce = in.String(Head::kText);
  if (!wsd || !ce || ce->empty() || ce->size() > kMaxEvidenceBytes) return false;
  auto claims = in.Digest32();
  if (!claims || !in.Is(Head::kUint, 2)) return false;
  Head path = in.Next();
  if (path.kind != Head::kArray || path.value > kMaxFastSteps) return false;
  r.leaf.write_set_digest = *wsd;
  r.leaf.commit_evidence.assign(reinterpret_cast<const char*>(ce->data()), ce->size());
  r.leaf.claims_digest = *claims;
  r.proof.reserve(path.value);
  for (uint64_t i = 0; i < path.value; ++i) {
    if (!in.Is(Head::kArray, 2)) return false;
    Head left = in.Next();
    auto hash = in.Digest32();
    if (left.kind != Head::kBool || !hash) return false;
    r.proof.push_back({left.value != 0 ? Side::kLeft : Side::kRight, *hash});
  }
  return in.done();
}

// The protected header's fields. Receipts under one signed root share the
// header byte for byte, so the last one decoded on this thread is kept and
// reused only for identical bytes (decoding is a pure function of them).
bool FastProtected(std::span<const uint8_t> bytes, CoseReceipt& r) {
  struct Memo {
    Bytes bytes;
    CoseReceipt fields;
  };
  thread_local std::optional<Memo> memo;
  if (!memo || !std::equal(bytes.begin(), bytes.end(), memo->bytes.begin(), memo->bytes.end())) {
    memo.reset();
    auto header = cbor::Decode(bytes, kReceiptLimits);
    if (!header.ok() || !header->is_map()) return false;
    CoseReceipt fields;
    if (!ParseProtected(*header, fields).ok()) return false;
    memo = Memo{Bytes(bytes.begin(), bytes.end()), std::move(fields)};
  }
  const CoseReceipt& f = memo->fields;
  r.alg = f.alg;
  r.vds = f.vds;
  r.kid = f.kid;
  r.issued_at = f.issued_at;
  r.issuer = f.issuer;
  r.subject = f.subject;
  r.signed_txid = f.signed_txid;
  return true;
}

std::optional<CoseReceipt> FastParse(std::span<const uint8_t> data) {
  HeadReader in(data);
  if (!in.RawByte(0xd2) || !in.Is(Head::kArray, 4)) return std::nullopt;  // 18([...4 items])
  auto protected_bytes = in.String(Head::kBytes);
  if (!protected_bytes || protected_bytes->empty()) return std::nullopt;
  if (!in.Is(Head::kMap, 1) || !in.Is(Head::kUint, static_cast<uint64_t>(kCoseLabelVdp)) ||
      !in.Is(Head::kMap, 1) || !in.Is(Head::kNegint, static_cast<uint64_t>(-1 - kVdpInclusionProofs)) ||
      !in.Is(Head::kArray, 1))
    return std::nullopt;
  auto proof = in.String(Head::kBytes);
  if (!proof || in.Next().kind != Head::kNull) return std::nullopt;
  auto signature = in.String(Head::kBytes);
  if (!signature || signature->empty() || !in.done()) return std::nullopt;

  CoseReceipt r;
  if (!FastProtected(*protected_bytes, r) || r.vds != kVdsCcfLedgerSha256) return std::nullopt;
  if (!FastInclusionProof(*proof, r)) return std::nullopt;
  r.protected_header.assign(protected_bytes->begin(), protected_bytes->end());
  r.signature.assign(signature->begin(), signature->end());
  return r;
}

}  // namespace

Result<CoseReceipt> ParseCoseReceipt(std::span<const uint8_t> data) {
  if (auto fast = FastParse(data)) return std::move(*fast);
  auto sign1 = cose::ParseSign1(data, kReceiptLimits);
  if (!sign1.ok()) return Bad(sign1.status().message());
  if (sign1->payload) return Bad("payload must be detached (nil): the root is recomputed from the proof");
  if (sign1->signature.empty()) return Bad("signature is empty");

  CoseReceipt r;
  r.protected_header = std::move(sign1->protected_bytes);
  BANK_RETURN_IF_ERROR(ParseProtected(sign1->protected_header, r));
  if (r.vds == kVdsCcfLedgerSha256) BANK_RETURN_IF_ERROR(ParseInclusionProof(sign1->unprotected, r));
  r.signature = std::move(sign1->signature);
  return r;
}

Bytes CoseKid(const PublicKey& key) {
  std::string hex = DigestHex(Sha256(key.SpkiDer()));
  return Bytes(hex.begin(), hex.end());
}

Result<CoseSignedRoot> SignRootCose(const PrivateKey& service_key, const CoseRootClaims& claims) {
  BANK_ASSIGN_OR_RETURN(Curve curve, service_key.curve());
  Value header = Value::MakeMap({
      {Value::Int(kCoseLabelAlg), Value::Int(CoseAlgorithm(curve))},
      {Value::Int(kCoseLabelKid), Value::Bytes(CoseKid(service_key.Public()))},
      {Value::Int(kCoseLabelCwtClaims),
       Value::MakeMap({{Value::Int(kCwtClaimIat), Value::Int(claims.issued_at)}})},
      {Value::Int(kCoseLabelVds), Value::Int(kVdsCcfLedgerSha256)},
      {Value::Text(kCcfHeaderMap),
       Value::MakeMap({{Value::Text(kCcfHeaderTxId), Value::Text(claims.signed_txid.ToString())}})},
  });
  CoseSignedRoot out;
  out.protected_header = cbor::Encode(header);
  Bytes to_sign = cose::SigStructure(out.protected_header, claims.root);
  BANK_ASSIGN_OR_RETURN(Bytes der, service_key.SignMessage(CurveHashBits(curve), to_sign));
  BANK_ASSIGN_OR_RETURN(out.signature, EcdsaDerToRaw(der, CurveCoordinateSize(curve)));
  return out;
}

Bytes EncodeCoseReceipt(const CoseSignedRoot& signed_root, const ReceiptLeaf& leaf,
                        const std::vector<ProofStep>& proof) {
  Value::Array path;
  path.reserve(proof.size());
  for (const auto& step : proof)
    path.push_back(Value::MakeArray({Value::Bool(step.side == Side::kLeft), Value::Bytes(step.hash)}));
  Digest claims = leaf.claims_digest.value_or(Digest{});
  Value inclusion = Value::MakeMap({
      {Value::Int(1), Value::MakeArray({Value::Bytes(leaf.write_set_digest),
                                        Value::Text(leaf.commit_evidence), Value::Bytes(claims)})},
      {Value::Int(2), Value::MakeArray(std::move(path))},
  });
  Value unprotected = Value::MakeMap({
      {Value::Int(kCoseLabelVdp),
       Value::MakeMap(
           {{Value::Int(kVdpInclusionProofs), Value::MakeArray({Value::Bytes(cbor::Encode(inclusion))})}})},
  });
  return cbor::Encode(Value::Tag(
      cose::kSign1Tag, Value::MakeArray({Value::Bytes(signed_root.protected_header), std::move(unprotected),
                                         Value::Null(), Value::Bytes(signed_root.signature)})));
}

}  // namespace bank
