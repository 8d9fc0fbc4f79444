#include "bank/certificate.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "bank/hash.hpp"

namespace bank {
namespace {

std::shared_ptr<X509> Wrap(X509* x) { return {x, X509_free}; }

std::time_t AsnTime(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return timegm(&tm);
}

bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// Signs with the hash that matches the issuer key's curve, as CCF does
// (SHA-384 for P-384); RSA issuers use SHA-256.
const EVP_MD* DigestFor(const PrivateKey& key) {
  auto c = key.curve();
  if (!c.ok()) return EVP_sha256();
  int bits = CurveHashBits(*c);
  return bits == 512 ? EVP_sha512() : bits == 384 ? EVP_sha384() : EVP_sha256();
}

Result<Certificate> Build(const PublicKey& subject, const CertificateSpec& spec, X509* issuer_cert,
                          const PrivateKey& issuer_key) {
  std::shared_ptr<X509> cert = Wrap(X509_new());
  X509* x = cert.get();
  X509_set_version(x, 2);
  // 159-bit positive random serial, like OpenSSL's `req -x509`.
  unsigned char serial[20];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);

  std::time_t start = spec.not_before != 0 ? spec.not_before : std::time(nullptr);
  ASN1_TIME_set(X509_getm_notBefore(x), start);
  ASN1_TIME_set(X509_getm_notAfter(x), start + static_cast<std::time_t>(spec.validity_days) * 86400);

  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, issuer_cert != nullptr ? X509_get_subject_name(issuer_cert) : name);
  X509_set_pubkey(x, subject.get());

  X509* issuer = issuer_cert != nullptr ? issuer_cert : x;
  std::string bc = spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
  if (spec.is_ca && spec.path_length >= 0) bc += ",pathlen:" + std::to_string(spec.path_length);
  bool ok = AddExtension(x, issuer, NID_subject_key_identifier, "hash") &&
            AddExtension(x, issuer, NID_authority_key_identifier, "keyid:always") &&
            AddExtension(x, issuer, NID_basic_constraints, bc);
  if (ok && !spec.subject_alt_names.empty()) {
    std::string sans;
    for (const auto& s : spec.subject_alt_names) sans += (sans.empty() ? "" : ",") + s;
    ok = AddExtension(x, issuer, NID_subject_alt_name, sans);
  }
  if (!ok) return Status::Internal("cannot build certificate extensions: " + TakeOpensslError());
  if (X509_sign(x, issuer_key.get(), DigestFor(issuer_key)) <= 0)
    return Status::Internal("cannot sign certificate: " + TakeOpensslError());
  unsigned char* der = nullptr;
  int len = i2d_X509(x, &der);
  if (len <= 0) return Status::Internal("cannot encode certificate");
  Bytes bytes(der, der + len);
  OPENSSL_free(der);
  return Certificate::FromDer(bytes);
}

}  // namespace

Result<Certificate> Certificate::FromPem(std::string_view pem, const std::string& source) {
  if (pem.find("-----BEGIN") == std::string_view::npos) return Status::InputFile(source + ": not a PEM file");
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos)
    return Status::InputFile(source + ": no certificate in file (is it a key?)");
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (x == nullptr)
    return Status::InputFile(source + ": cannot parse certificate (" + TakeOpensslError() + ")");
  return Certificate(Wrap(x));
}

Result<Certificate> Certificate::FromDer(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (x == nullptr) return Status::InputFile("cannot parse DER certificate (" + TakeOpensslError() + ")");
  return Certificate(Wrap(x));
}

Result<Certificate> Certificate::LoadFile(const std::string& path) {
  auto data = ReadFile(path);
  if (!data.ok()) return data.status();
  return FromPem(*data, path);
}

Result<std::vector<Certificate>> Certificate::BundleFromPem(std::string_view pem) {
  std::vector<Certificate> out;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) out.push_back(Certificate(Wrap(x)));
  BIO_free(bio);
  ERR_clear_error();  // the loop ends on "no start line"
  if (out.empty()) return Status::InputFile("no certificate in PEM bundle");
  return out;
}

Result<Certificate> Certificate::SelfSigned(const PrivateKey& key, const CertificateSpec& spec) {
  return Build(key.Public(), spec, nullptr, key);
}

Result<Certificate> Certificate::Issue(const PublicKey& subject, const CertificateSpec& spec,
                                       const Certificate& issuer, const PrivateKey& issuer_key) {
  return Build(subject, spec, issuer.get(), issuer_key);
}

std::string Certificate::Pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, x509_.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

Bytes Certificate::Der() const {
  unsigned char* der = nullptr;
  int len = i2d_X509(x509_.get(), &der);
  if (len <= 0) return {};
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

std::string Certificate::Id() const { return DigestHex(Sha256(Der())); }
std::string Certificate::PublicKeyId() const { return DigestHex(Sha256(public_key().SpkiDer())); }

PublicKey Certificate::public_key() const {
  EVP_PKEY* k = X509_get_pubkey(x509_.get());  // new reference
  return PublicKey(std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free));
}

std::string Certificate::CommonName() const {
  char buf[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(x509_.get()), NID_commonName, buf, sizeof(buf));
  return buf;
}

std::time_t Certificate::not_before() const { return AsnTime(X509_get0_notBefore(x509_.get())); }
std::time_t Certificate::not_after() const { return AsnTime(X509_get0_notAfter(x509_.get())); }

bool Certificate::IsSignedBy(const PublicKey& issuer_key) const {
  bool ok = issuer_key.valid() && X509_verify(x509_.get(), issuer_key.get()) == 1;
  ERR_clear_error();
  return ok;
}

std::string FormatTime(std::time_t t) {
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace bank
