#include "bank/transparent_statement.hpp"

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>

#include "bank/cbor.hpp"
#include "bank/cose_receipt.hpp"

namespace bank {
namespace {

using cbor::Value;

// A statement is its issuer's certificates (a few KB) plus a few receipts.
constexpr cbor::DecodeLimits kStatementLimits{.max_depth = 16, .max_items = 1u << 16};
constexpr size_t kMaxReceipts = 64;

Status Bad(const std::string& what) { return Status::InputFile("transparent statement: " + what); }

// RSASSA-PSS (RFC 8230): salt as long as the hash, MGF1 with the same hash.
bool VerifyPss(const PublicKey& key, int bits, std::span<const uint8_t> message,
               std::span<const uint8_t> sig) {
  const EVP_MD* md = bits == 256 ? EVP_sha256() : bits == 384 ? EVP_sha384() : EVP_sha512();
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key.get()) != 1) return false;
  if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1)
    return false;
  bool ok = EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size()) == 1;
  (void)TakeOpensslError();
  return ok;
}

}  // namespace

bool LooksLikeTransparentStatement(std::span<const uint8_t> data) {
  auto sign1 = cose::ParseSign1(data, kStatementLimits);
  return sign1.ok() && sign1->unprotected.Find(kCoseLabelReceipts) != nullptr;
}

Result<TransparentStatement> ParseTransparentStatement(std::span<const uint8_t> data) {
  auto sign1 = cose::ParseSign1(data, kStatementLimits);
  if (!sign1.ok()) return Bad(sign1.status().message());
  TransparentStatement ts;
  const Value& phdr = sign1->protected_header;
  const Value* alg = phdr.Find(cose::kHeaderAlg);
  if (alg == nullptr || !alg->AsInt()) return Bad("protected header has no integer alg (1)");
  ts.alg = *alg->AsInt();
  if (const Value* cwt = phdr.Find(kCoseLabelCwtClaims)) {
    if (!cwt->is_map()) return Bad("CWT claims (15) must be a map");
    if (const Value* iss = cwt->Find(kCwtClaimIss); iss && iss->is_text())
      ts.issuer = std::string(iss->text());
    if (const Value* sub = cwt->Find(kCwtClaimSub); sub && sub->is_text())
      ts.subject = std::string(sub->text());
  }
  if (const Value* chain = phdr.Find(kCoseLabelX5Chain)) {
    // One certificate as a byte string, or several in an array (RFC 9360).
    std::vector<const Value*> ders;
    if (chain->is_bytes()) ders.push_back(chain);
    if (chain->is_array())
      for (const Value& v : chain->array()) ders.push_back(&v);
    if (ders.empty()) return Bad("x5chain (33) must be a byte string or an array of them");
    for (size_t i = 0; i < ders.size(); ++i) {
      if (!ders[i]->is_bytes())
        return Bad("x5chain (33) element " + std::to_string(i) + " is not a byte string");
      auto cert = Certificate::FromDer(ders[i]->bytes());
      if (!cert.ok())
        return Bad("x5chain (33) element " + std::to_string(i) + ": " + cert.status().message());
      ts.x5chain.push_back(std::move(*cert));
    }
  }

  const Value* receipts = sign1->unprotected.Find(kCoseLabelReceipts);
  if (receipts == nullptr) return Bad("no receipts (unprotected header 394)");
  if (!receipts->is_array() || receipts->array().empty() || receipts->array().size() > kMaxReceipts)
    return Bad("receipts (394) must be an array of 1 to " + std::to_string(kMaxReceipts) + " byte strings");
  for (size_t i = 0; i < receipts->array().size(); ++i) {
    const Value& r = receipts->array()[i];
    if (!r.is_bytes()) return Bad("receipts (394) element " + std::to_string(i) + " is not a byte string");
    ts.receipts.push_back(r.bytes());
  }

  // What the service registered: the statement before receipts were added.
  Value registered = Value::Tag(
      cose::kSign1Tag, Value::MakeArray({Value::Bytes(sign1->protected_bytes), Value::MakeMap(),
                                         sign1->payload ? Value::Bytes(*sign1->payload) : Value::Null(),
                                         Value::Bytes(sign1->signature)}));
  ts.registered_digest = Sha256(cbor::Encode(registered));
  ts.statement = std::move(*sign1);
  return ts;
}

Status VerifyIssuerSignature(const TransparentStatement& ts) {
  if (ts.x5chain.empty())
    return Status::InputFile("the statement carries no x5chain (33) to check its signature with");
  if (!ts.statement.payload) return Status::InputFile("the statement's payload is detached");
  const PublicKey key = ts.x5chain.front().public_key();
  const int64_t alg = ts.alg;
  if (alg == -37 || alg == -38 || alg == -39) {  // PS256 / PS384 / PS512
    int bits = alg == -37 ? 256 : alg == -38 ? 384 : 512;
    Bytes tbs = cose::SigStructure(ts.statement.protected_bytes, *ts.statement.payload);
    if (!VerifyPss(key, bits, tbs, ts.statement.signature))
      return Status::VerifyFailed("the issuer's PS" + std::to_string(bits) +
                                  " signature does not verify with its x5chain leaf certificate");
    return Status::OK();
  }
  if (cose::HashBitsFor(alg) == 0)
    return Status::InputFile("the statement's algorithm " + std::to_string(alg) +
                             " is not ES256/384/512 or PS256/384/512");
  return cose::VerifySign1(ts.statement, alg, key);
}

}  // namespace bank
