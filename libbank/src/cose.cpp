#include "bank/cose.hpp"

#include <array>
#include <charconv>

#include "bank/encoding.hpp"
#include "bank/hash.hpp"

namespace bank::cose {

using cbor::Value;

namespace {

constexpr std::array<const char*, 7> kGovTypes = {
    kProposal, kBallot, kWithdrawal, kAck, kStateDigest, kRecoveryShare, kEncryptedRecoveryShare};

Value GovProtectedMap(int alg, const std::string& kid, const GovHeaders& headers) {
  Value map = Value::MakeMap();
  map.Set(Value::Int(kHeaderAlg), Value::Int(alg));
  map.Set(Value::Int(kHeaderKid), Value::Bytes(AsBytes(kid)));
  map.Set(Value::Text(kHeaderMsgType), Value::Text(headers.msg_type));
  if (headers.proposal_id) map.Set(Value::Text(kHeaderProposalId), Value::Text(*headers.proposal_id));
  map.Set(Value::Text(kHeaderCreatedAt), Value::Int(headers.created_at));
  return map;
}

Bytes HashFor(int64_t alg, std::span<const uint8_t> data) {
  int bits = HashBitsFor(alg);
  if (bits == 256) {
    Digest d = Sha256(data);
    return Bytes(d.begin(), d.end());
  }
  return Sha(bits, data);
}

// The protected header, algorithm and to-be-signed digest of an envelope.
struct ToBeSigned {
  int alg = 0;
  Bytes protected_header;
  Bytes digest;
};

Result<ToBeSigned> Prepare(const Certificate& signer_cert, const GovHeaders& headers,
                           std::span<const uint8_t> payload) {
  ToBeSigned out;
  BANK_ASSIGN_OR_RETURN(out.protected_header, EncodeGovProtectedHeader(signer_cert, headers));
  BANK_ASSIGN_OR_RETURN(out.alg, AlgorithmFor(signer_cert));
  // ccf_cose_sign1_prepare hashes with the certificate's signature hash; for
  // every keygenerator.sh certificate that is the alg's hash, which is also
  // what the service verifies with, so the alg's hash is used.
  out.digest = HashFor(out.alg, SigStructure(out.protected_header, payload));
  return out;
}

// Raw r || s of the size `key`'s curve needs, converted to DER for OpenSSL.
Result<Bytes> RawToDerFor(const PublicKey& key, std::span<const uint8_t> raw) {
  BANK_ASSIGN_OR_RETURN(Curve curve, key.curve());
  size_t expected = 2 * CurveCoordinateSize(curve);
  if (raw.size() != expected)
    return Status::VerifyFailed("signature is " + std::to_string(raw.size()) + " bytes, expected " +
                                std::to_string(expected) + " (raw r||s for " + CurveName(curve) + ")");
  return EcdsaRawToDer(raw);
}

}  // namespace

bool IsGovMessageType(std::string_view type) {
  for (const char* t : kGovTypes)
    if (type == t) return true;
  return false;
}

bool NeedsProposalId(std::string_view type) { return type == kBallot || type == kWithdrawal; }

Status CheckGovHeaders(const GovHeaders& h) {
  if (!IsGovMessageType(h.msg_type)) {
    std::string list;
    for (const char* t : kGovTypes) list += (list.empty() ? "" : ", ") + std::string(t);
    return Status::Usage("unknown governance message type '" + h.msg_type + "' (one of " + list + ")");
  }
  if (NeedsProposalId(h.msg_type) && !h.proposal_id)
    return Status::Usage("a " + h.msg_type + " needs a proposal id");
  if (!NeedsProposalId(h.msg_type) && h.proposal_id)
    return Status::Usage("a " + h.msg_type + " does not carry a proposal id");
  if (h.created_at < 0) return Status::Usage("created_at must not be before 1970");
  return Status::OK();
}

Result<int> AlgorithmFor(const Certificate& cert) {
  PublicKey key = cert.public_key();
  if (!key.is_ec())
    return Status::InputFile("governance signing needs an EC key (CCF accepts ES256/ES384/ES512)");
  BANK_ASSIGN_OR_RETURN(Curve curve, key.curve());
  return CoseAlgorithm(curve);
}

int HashBitsFor(int64_t alg) {
  switch (alg) {
    case -7:
      return 256;
    case -35:
      return 384;
    case -36:
      return 512;
    default:
      return 0;
  }
}

Result<Bytes> EncodeGovProtectedHeader(const Certificate& signer_cert, const GovHeaders& headers) {
  BANK_RETURN_IF_ERROR(CheckGovHeaders(headers));
  BANK_ASSIGN_OR_RETURN(int alg, AlgorithmFor(signer_cert));
  return cbor::Encode(GovProtectedMap(alg, signer_cert.Id(), headers));
}

Bytes SigStructure(std::span<const uint8_t> protected_header, std::span<const uint8_t> payload) {
  return cbor::Encode(Value::MakeArray(
      {Value::Text("Signature1"), Value::Bytes(protected_header), Value::Bytes({}), Value::Bytes(payload)}));
}

Bytes AssembleSign1(std::span<const uint8_t> protected_header, std::span<const uint8_t> payload,
                    std::span<const uint8_t> raw_signature) {
  return cbor::Encode(
      Value::Tag(kSign1Tag, Value::MakeArray({Value::Bytes(protected_header), Value::MakeMap(),
                                              Value::Bytes(payload), Value::Bytes(raw_signature)})));
}

Result<Bytes> SignGov(const Identity& signer, const GovHeaders& headers, std::span<const uint8_t> payload) {
  BANK_ASSIGN_OR_RETURN(ToBeSigned tbs, Prepare(signer.cert, headers, payload));
  BANK_ASSIGN_OR_RETURN(Bytes der, signer.key.SignDigest(tbs.digest));
  BANK_ASSIGN_OR_RETURN(Curve curve, signer.cert.public_key().curve());
  BANK_ASSIGN_OR_RETURN(Bytes raw, EcdsaDerToRaw(der, CurveCoordinateSize(curve)));
  return AssembleSign1(tbs.protected_header, payload, raw);
}

nlohmann::json Prepared::ToJson() const { return {{"alg", alg}, {"value", Base64Encode(digest)}}; }

Result<Prepared> PrepareGov(const Certificate& signer_cert, const GovHeaders& headers,
                            std::span<const uint8_t> payload) {
  BANK_ASSIGN_OR_RETURN(ToBeSigned tbs, Prepare(signer_cert, headers, payload));
  return Prepared{tbs.alg, std::move(tbs.digest)};
}

Result<Bytes> FinishGov(const Certificate& signer_cert, const GovHeaders& headers,
                        std::span<const uint8_t> payload, std::span<const uint8_t> raw_signature) {
  BANK_ASSIGN_OR_RETURN(ToBeSigned tbs, Prepare(signer_cert, headers, payload));
  Bytes envelope = AssembleSign1(tbs.protected_header, payload, raw_signature);
  BANK_ASSIGN_OR_RETURN(Sign1 parsed, ParseSign1(envelope));
  Status verified = VerifySign1(parsed, tbs.alg, signer_cert.public_key());
  if (!verified.ok())
    return Status::VerifyFailed("the signature does not verify under " + signer_cert.CommonName() +
                                "'s certificate for these headers and content (" + verified.message() + ")");
  return envelope;
}

Result<Bytes> ParseSignatureJson(std::string_view json_text, const Certificate& signer_cert) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return Status::InputFile("signature file is not a JSON object like {\"value\": \"<base64url r||s>\"}");
  auto it = j.find("value");
  if (it == j.end() || !it->is_string()) return Status::InputFile("signature file has no string \"value\"");
  auto sig = Base64UrlDecode(it->get<std::string>());
  if (!sig.ok()) return Status::InputFile("signature \"value\" is not base64url: " + sig.status().message());
  BANK_ASSIGN_OR_RETURN(Curve curve, signer_cert.public_key().curve());
  size_t n = CurveCoordinateSize(curve);
  if (sig->size() == 2 * n) return *sig;
  auto raw = EcdsaDerToRaw(*sig, n);
  if (!raw.ok())
    return Status::InputFile("signature is " + std::to_string(sig->size()) + " bytes: neither raw r||s (" +
                             std::to_string(2 * n) + " bytes for " + CurveName(curve) + ") nor DER");
  return raw;
}

Result<Sign1> ParseSign1(std::span<const uint8_t> envelope, const cbor::DecodeLimits& limits) {
  auto decoded = cbor::Decode(envelope, limits);
  if (!decoded.ok()) return decoded.status().WithContext("COSE_Sign1");
  const Value& top = *decoded;
  if (!top.is_tag() || top.tag() != kSign1Tag) return Status::Rejected("COSE_Sign1 is not tagged 18");
  const Value& arr = top.tagged();
  if (!arr.is_array() || arr.array().size() != 4)
    return Status::Rejected("COSE_Sign1 must be an array of 4 items");
  // The decoded tree is ours (`decoded` is not const): its parts are moved
  // out rather than copied.
  auto& items = const_cast<Value::Array&>(arr.array());
  if (!items[0].is_bytes()) return Status::Rejected("COSE_Sign1 protected header must be a byte string");
  if (!items[1].is_map()) return Status::Rejected("COSE_Sign1 unprotected header must be a map");
  if (!items[2].is_bytes() && !items[2].is_null())
    return Status::Rejected("COSE_Sign1 payload must be a byte string or nil");
  if (!items[3].is_bytes()) return Status::Rejected("COSE_Sign1 signature must be a byte string");

  Sign1 out;
  out.protected_bytes = std::move(const_cast<Bytes&>(items[0].bytes()));
  if (out.protected_bytes.empty()) {
    out.protected_header = Value::MakeMap();  // RFC 9052: zero-length means empty
  } else {
    auto phdr = cbor::Decode(out.protected_bytes, limits);
    if (!phdr.ok()) return phdr.status().WithContext("COSE_Sign1 protected header");
    if (!phdr->is_map()) return Status::Rejected("COSE_Sign1 protected header must encode a map");
    out.protected_header = std::move(*phdr);
  }
  out.unprotected = std::move(items[1]);
  if (items[2].is_bytes()) out.payload = std::move(const_cast<Bytes&>(items[2].bytes()));
  out.signature = std::move(const_cast<Bytes&>(items[3].bytes()));
  return out;
}

Result<GovProtectedHeader> ParseGovProtectedHeader(const Value& phdr) {
  GovProtectedHeader out;
  const Value* alg = phdr.Find(kHeaderAlg);
  if (alg == nullptr) return Status::Rejected("Missing algorithm (1) in protected header");
  if (!alg->AsInt()) return Status::Rejected("Protected header algorithm (1) must be an integer");
  out.alg = *alg->AsInt();

  const Value* kid = phdr.Find(kHeaderKid);
  if (kid == nullptr) return Status::Rejected("Missing kid (4) in protected header");
  if (!kid->is_bytes()) return Status::Rejected("Protected header kid (4) must be a byte string");
  out.kid = AsString(kid->bytes());

  const Value* created = phdr.Find(kHeaderCreatedAt);
  if (created == nullptr) return Status::Rejected("Missing ccf.gov.msg.created_at in protected header");
  if (!created->AsInt() || *created->AsInt() < 0)
    return Status::Rejected("Protected header ccf.gov.msg.created_at must be a non-negative integer");
  out.created_at = *created->AsInt();

  if (const Value* type = phdr.Find(kHeaderMsgType)) {
    if (!type->is_text()) return Status::Rejected("Protected header ccf.gov.msg.type must be a text string");
    out.msg_type = std::string(type->text());
  }
  if (const Value* id = phdr.Find(kHeaderProposalId)) {
    if (!id->is_text())
      return Status::Rejected("Protected header ccf.gov.msg.proposal_id must be a text string");
    out.proposal_id = std::string(id->text());
  }
  return out;
}

Status VerifySign1(const Sign1& sign1, int64_t alg, const PublicKey& key,
                   std::optional<std::span<const uint8_t>> detached_payload) {
  int bits = HashBitsFor(alg);
  if (bits == 0) return Status::VerifyFailed("Unsupported algorithm: " + std::to_string(alg));
  if (!key.is_ec()) return Status::VerifyFailed("the signer's key is not an EC key");
  std::span<const uint8_t> payload;
  if (sign1.payload)
    payload = *sign1.payload;
  else if (detached_payload)
    payload = *detached_payload;
  else
    return Status::VerifyFailed("COSE_Sign1 has a detached payload and none was given");
  BANK_ASSIGN_OR_RETURN(Bytes der, RawToDerFor(key, sign1.signature));
  if (!key.VerifyMessage(bits, SigStructure(sign1.protected_bytes, payload), der))
    return Status::VerifyFailed("COSE_Sign1 signature does not verify");
  return Status::OK();
}

// ---- --created-at --------------------------------------------------------------

namespace {

// Reads exactly `n` digits at `pos`.
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

Result<int64_t> ParseCreatedAt(std::string_view text) {
  const Status bad = Status::Usage("cannot read time '" + std::string(text) +
                                   "' (use ISO 8601 such as 2024-05-01T12:00:00Z, or epoch seconds)");
  if (text.empty()) return bad;
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size()) return bad;
    return v;
  }
  struct tm tm {};
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!Digits(text, 0, 4, &year) || text.size() < 10 || text[4] != '-' || !Digits(text, 5, 2, &month) ||
      text[7] != '-' || !Digits(text, 8, 2, &day))
    return bad;
  size_t pos = 10;
  int64_t offset = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return bad;
    if (!Digits(text, pos + 1, 2, &hour) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !Digits(text, pos + 4, 2, &minute))
      return bad;
    pos += 6;
    if (pos < text.size() && text[pos] == ':') {
      if (!Digits(text, pos + 1, 2, &second)) return bad;
      pos += 3;
      if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
        if (pos == start) return bad;
      }
    }
    if (pos < text.size()) {
      char z = text[pos];
      if ((z == 'Z' || z == 'z') && pos + 1 == text.size()) {
        pos = text.size();
      } else if (z == '+' || z == '-') {
        int oh = 0, om = 0;
        std::string_view rest = text.substr(pos + 1);
        if (rest.size() == 5 && rest[2] == ':' && Digits(rest, 0, 2, &oh) && Digits(rest, 3, 2, &om)) {
        } else if (rest.size() == 4 && Digits(rest, 0, 2, &oh) && Digits(rest, 2, 2, &om)) {
        } else if (rest.size() == 2 && Digits(rest, 0, 2, &oh)) {
          om = 0;
        } else {
          return bad;
        }
        if (oh > 23 || om > 59) return bad;
        offset = (z == '+' ? 1 : -1) * (oh * 3600 + om * 60);
        pos = text.size();
      } else {
        return bad;
      }
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return bad;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  int64_t t = static_cast<int64_t>(timegm(&tm)) - offset;
  if (t < 0) return Status::Usage("time '" + std::string(text) + "' is before 1970");
  return t;
}

}  // namespace bank::cose
