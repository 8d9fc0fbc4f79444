// X.509 certificates: loading, CCF ids, creation (self-signed identities,
// the service certificate and node certificates it endorses), endorsement
// checks.
#pragma once

#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bank/key.hpp"

typedef struct x509_st X509;

namespace bank {

struct CertificateSpec {
  std::string common_name;
  int validity_days = 365;
  std::time_t not_before = 0;  // 0: now
  bool is_ca = false;
  int path_length = -1;  // with is_ca: -1 means unlimited
  // Subject alternative names, "IP:127.0.0.1" / "DNS:localhost".
  std::vector<std::string> subject_alt_names;
};

class Certificate {
 public:
  Certificate() = default;
  static Result<Certificate> FromPem(std::string_view pem, const std::string& source = "certificate");
  static Result<Certificate> FromDer(std::span<const uint8_t> der);
  static Result<Certificate> LoadFile(const std::string& path);
  // Every certificate of a PEM bundle, in order.
  static Result<std::vector<Certificate>> BundleFromPem(std::string_view pem);

  // Self-signed, as `openssl req -new -x509 -nodes -days N -subj /CN=NAME
  // -sha384` does: SKI, AKI, basicConstraints CA:TRUE (critical).
  static Result<Certificate> SelfSigned(const PrivateKey& key, const CertificateSpec& spec);
  // `subject` signed by `issuer_key` whose certificate is `issuer`.
  static Result<Certificate> Issue(const PublicKey& subject, const CertificateSpec& spec,
                                   const Certificate& issuer, const PrivateKey& issuer_key);

  bool valid() const { return x509_ != nullptr; }
  std::string Pem() const;
  Bytes Der() const;
  // CCF's member/user id: lowercase hex SHA-256 of the DER certificate.
  std::string Id() const;
  // CCF's node id: lowercase hex SHA-256 of the DER SubjectPublicKeyInfo.
  std::string PublicKeyId() const;
  PublicKey public_key() const;
  std::string CommonName() const;
  std::time_t not_before() const;
  std::time_t not_after() const;
  bool IsValidAt(std::time_t t) const { return t >= not_before() && t <= not_after(); }
  // True when this certificate's signature verifies under `issuer_key`.
  bool IsSignedBy(const PublicKey& issuer_key) const;

  X509* get() const { return x509_.get(); }

 private:
  explicit Certificate(std::shared_ptr<X509> x) : x509_(std::move(x)) {}
  std::shared_ptr<X509> x509_;
};

// ISO-8601 UTC ("2026-11-21T17:56:52Z").
std::string FormatTime(std::time_t t);

}  // namespace bank
