#include "bank/key.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>

namespace bank {
namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;

std::shared_ptr<EVP_PKEY> Wrap(EVP_PKEY* p) { return {p, EVP_PKEY_free}; }

BioPtr MemBio(std::string_view s) {
  return {BIO_new_mem_buf(s.data(), static_cast<int>(s.size())), BIO_free};
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

// A passphrase callback that refuses: we never prompt.
int NoPassphrase(char*, int, int, void*) { return -1; }

Result<Curve> CurveOf(EVP_PKEY* pkey) {
  if (pkey == nullptr || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC) return Status::InputFile("not an EC key");
  char name[64] = {0};
  size_t len = 0;
  if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &len))
    return Status::InputFile("EC key without a named curve");
  return ParseCurve(name);
}

std::string Encode(EVP_PKEY* pkey, int selection, const char* structure) {
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(pkey, selection, "PEM", structure, nullptr);
  std::string out;
  unsigned char* data = nullptr;
  size_t len = 0;
  if (ctx != nullptr && OSSL_ENCODER_to_data(ctx, &data, &len)) {
    out.assign(reinterpret_cast<char*>(data), len);
    OPENSSL_free(data);
  }
  OSSL_ENCODER_CTX_free(ctx);
  return out;
}

}  // namespace

std::string TakeOpensslError() {
  unsigned long last = 0, e;
  while ((e = ERR_get_error()) != 0) last = e;
  if (last == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? reason : "OpenSSL error";
}

Result<Curve> ParseCurve(std::string_view n) {
  if (n == "secp384r1" || n == "P-384" || n == "p384") return Curve::kP384;
  if (n == "secp256r1" || n == "prime256v1" || n == "P-256" || n == "p256") return Curve::kP256;
  if (n == "secp521r1" || n == "P-521" || n == "p521") return Curve::kP521;
  return Status::Usage("unsupported curve '" + std::string(n) + "' (use secp384r1 or secp256r1)");
}

const char* CurveName(Curve c) {
  switch (c) {
    case Curve::kP256:
      return "secp256r1";
    case Curve::kP384:
      return "secp384r1";
    case Curve::kP521:
      return "secp521r1";
  }
  return "?";
}

int CoseAlgorithm(Curve c) { return c == Curve::kP256 ? -7 : c == Curve::kP384 ? -35 : -36; }
int CurveHashBits(Curve c) { return c == Curve::kP256 ? 256 : c == Curve::kP384 ? 384 : 512; }
size_t CurveCoordinateSize(Curve c) { return c == Curve::kP256 ? 32 : c == Curve::kP384 ? 48 : 66; }

Result<std::string> ReadFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::InputFile(path + ": no such file");
  if (S_ISDIR(st.st_mode)) return Status::InputFile(path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InputFile(path + ": cannot read (" + std::strerror(errno) + ")");
  // Sized by stat, read in one call (snapshots run to gigabytes: a stream
  // copy through an ostringstream cost a third of bankd's restart); what a
  // pipe or a growing file holds beyond that is read after it.
  std::string data(static_cast<size_t>(st.st_size), '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  char buffer[65536];
  while (in) {
    in.read(buffer, sizeof buffer);
    data.append(buffer, static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return Status::InputFile(path + ": cannot read (" + std::strerror(errno) + ")");
  if (data.empty()) return Status::InputFile(path + ": file is empty");
  return data;
}

// ---- PublicKey -------------------------------------------------------------

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  auto bio = MemBio(pem);
  EVP_PKEY* p = PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr);
  if (p == nullptr) return Status::InputFile("not a PEM public key: " + TakeOpensslError());
  return PublicKey(Wrap(p));
}

Result<PublicKey> PublicKey::FromDer(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  if (k == nullptr) return Status::InputFile("not a DER public key: " + TakeOpensslError());
  return PublicKey(Wrap(k));
}

bool PublicKey::is_ec() const { return pkey_ && EVP_PKEY_get_base_id(pkey_.get()) == EVP_PKEY_EC; }
Result<Curve> PublicKey::curve() const { return CurveOf(pkey_.get()); }

Bytes PublicKey::SpkiDer() const {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey_.get(), &der);
  if (len <= 0) return {};
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

std::string PublicKey::Pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), pkey_.get());
  return BioToString(bio.get());
}

bool PublicKey::VerifyDigest(std::span<const uint8_t> digest, std::span<const uint8_t> sig) const {
  if (!pkey_) return false;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(pkey_.get(), nullptr), EVP_PKEY_CTX_free);
  bool ok = ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
            EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), digest.data(), digest.size()) == 1;
  ERR_clear_error();
  return ok;
}

bool PublicKey::VerifyMessage(int hash_bits, std::span<const uint8_t> message,
                              std::span<const uint8_t> sig) const {
  if (!pkey_) return false;
  const EVP_MD* md = hash_bits == 512 ? EVP_sha512() : hash_bits == 384 ? EVP_sha384() : EVP_sha256();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, pkey_.get()) == 1 &&
            EVP_DigestVerify(ctx, sig.data(), sig.size(), message.data(), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

// ---- PrivateKey ------------------------------------------------------------

Result<PrivateKey> PrivateKey::GenerateEc(Curve curve) {
  EVP_PKEY* p = EVP_EC_gen(curve == Curve::kP256 ? "P-256" : curve == Curve::kP384 ? "P-384" : "P-521");
  if (p == nullptr) return Status::Internal("EC key generation failed: " + TakeOpensslError());
  return PrivateKey(Wrap(p));
}

Result<PrivateKey> PrivateKey::GenerateRsa(int bits) {
  EVP_PKEY* p = EVP_RSA_gen(static_cast<unsigned int>(bits));
  if (p == nullptr) return Status::Internal("RSA key generation failed: " + TakeOpensslError());
  return PrivateKey(Wrap(p));
}

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem, const std::string& source) {
  if (pem.find("ENCRYPTED") != std::string_view::npos ||
      pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos)
    return Status::InputFile(source + ": private key is passphrase-protected (not supported)");
  if (pem.find("-----BEGIN") == std::string_view::npos) return Status::InputFile(source + ": not a PEM file");
  if (pem.find("PRIVATE KEY-----") == std::string_view::npos)
    return Status::InputFile(source + ": no private key in file (is it a certificate or public key?)");
  // PEM_read_bio_PrivateKey skips blocks of other types, such as the
  // "EC PARAMETERS" block keygenerator.sh writes first.
  auto bio = MemBio(pem);
  EVP_PKEY* p = PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr);
  if (p == nullptr)
    return Status::InputFile(source + ": cannot parse private key (" + TakeOpensslError() + ")");
  return PrivateKey(Wrap(p));
}

Result<PrivateKey> PrivateKey::LoadFile(const std::string& path) {
  auto data = ReadFile(path);
  if (!data.ok()) return data.status();
  return FromPem(*data, path);
}

bool PrivateKey::is_ec() const { return pkey_ && EVP_PKEY_get_base_id(pkey_.get()) == EVP_PKEY_EC; }
Result<Curve> PrivateKey::curve() const { return CurveOf(pkey_.get()); }

PublicKey PrivateKey::Public() const {
  // An EVP_PKEY holding a private key serves as a public key too.
  return PublicKey(pkey_);
}

std::string PrivateKey::Pem() const {
  if (is_ec()) {
    return Encode(pkey_.get(), EVP_PKEY_KEY_PARAMETERS, "type-specific") +
           Encode(pkey_.get(), EVP_PKEY_KEYPAIR, "type-specific");
  }
  return Encode(pkey_.get(), EVP_PKEY_KEYPAIR, "PrivateKeyInfo");
}

Result<Bytes> PrivateKey::SignDigest(std::span<const uint8_t> digest) const {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(pkey_.get(), nullptr), EVP_PKEY_CTX_free);
  size_t len = 0;
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) != 1)
    return Status::Internal("signing failed: " + TakeOpensslError());
  Bytes sig(len);
  if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest.data(), digest.size()) != 1)
    return Status::Internal("signing failed: " + TakeOpensslError());
  sig.resize(len);
  return sig;
}

Result<Bytes> PrivateKey::SignMessage(int hash_bits, std::span<const uint8_t> message) const {
  const EVP_MD* md = hash_bits == 512 ? EVP_sha512() : hash_bits == 384 ? EVP_sha384() : EVP_sha256();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  Bytes sig;
  bool ok = EVP_DigestSignInit(ctx, nullptr, md, nullptr, pkey_.get()) == 1 &&
            EVP_DigestSign(ctx, nullptr, &len, message.data(), message.size()) == 1;
  if (ok) {
    sig.resize(len);
    ok = EVP_DigestSign(ctx, sig.data(), &len, message.data(), message.size()) == 1;
    sig.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) return Status::Internal("signing failed: " + TakeOpensslError());
  return sig;
}

// ---- signature encodings ---------------------------------------------------

Result<Bytes> EcdsaDerToRaw(std::span<const uint8_t> der, size_t n) {
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr || p != der.data() + der.size()) {
    ECDSA_SIG_free(sig);
    ERR_clear_error();
    return Status::Rejected("malformed DER ECDSA signature");
  }
  Bytes raw(2 * n);
  const BIGNUM *r = nullptr, *s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  bool ok = BN_bn2binpad(r, raw.data(), static_cast<int>(n)) == static_cast<int>(n) &&
            BN_bn2binpad(s, raw.data() + n, static_cast<int>(n)) == static_cast<int>(n);
  ECDSA_SIG_free(sig);
  if (!ok) return Status::Rejected("ECDSA signature too large for the curve");
  return raw;
}

Result<Bytes> EcdsaRawToDer(std::span<const uint8_t> raw) {
  if (raw.empty() || raw.size() % 2 != 0) return Status::Rejected("raw ECDSA signature has odd length");
  size_t n = raw.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(n), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + n, static_cast<int>(n), nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return Status::Internal("cannot encode ECDSA signature");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

}  // namespace bank
