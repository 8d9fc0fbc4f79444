// Asymmetric keys: generation, PEM import/export, ECDSA signing and checking.
//
// Loading accepts what CCF's keygenerator.sh writes (an "EC PARAMETERS" block
// before a SEC1 "EC PRIVATE KEY"), PKCS#8, and RSA keys. Errors name the
// source and are one line (the OpenSSL error queue is drained).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "bank/encoding.hpp"
#include "bank/status.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace bank {

enum class Curve { kP256, kP384, kP521 };

// "secp384r1" / "secp256r1" (also "P-384", "P-256", "secp521r1").
Result<Curve> ParseCurve(std::string_view name);
const char* CurveName(Curve c);
// COSE algorithm for ECDSA on that curve: ES256 -7, ES384 -35, ES512 -36.
int CoseAlgorithm(Curve c);
// Hash size in bits matching the curve (256, 384, 512).
int CurveHashBits(Curve c);
// Size in bytes of one coordinate (32, 48, 66): raw r||s is twice that.
size_t CurveCoordinateSize(Curve c);

class PublicKey {
 public:
  PublicKey() = default;
  explicit PublicKey(std::shared_ptr<EVP_PKEY> pkey) : pkey_(std::move(pkey)) {}
  static Result<PublicKey> FromPem(std::string_view pem);
  static Result<PublicKey> FromDer(std::span<const uint8_t> spki_der);

  bool valid() const { return pkey_ != nullptr; }
  bool is_ec() const;
  Result<Curve> curve() const;
  Bytes SpkiDer() const;
  std::string Pem() const;

  // ECDSA over an already-computed digest; `der_signature` is DER (ASN.1).
  bool VerifyDigest(std::span<const uint8_t> digest, std::span<const uint8_t> der_signature) const;
  // Hashes `message` with SHA-`hash_bits` and verifies a DER signature.
  bool VerifyMessage(int hash_bits, std::span<const uint8_t> message,
                     std::span<const uint8_t> der_signature) const;

  EVP_PKEY* get() const { return pkey_.get(); }

 private:
  std::shared_ptr<EVP_PKEY> pkey_;
};

class PrivateKey {
 public:
  PrivateKey() = default;
  static Result<PrivateKey> GenerateEc(Curve curve);
  static Result<PrivateKey> GenerateRsa(int bits);
  // `source` names the input in error messages (usually the file path).
  static Result<PrivateKey> FromPem(std::string_view pem, const std::string& source = "key");
  static Result<PrivateKey> LoadFile(const std::string& path);

  bool valid() const { return pkey_ != nullptr; }
  bool is_ec() const;
  Result<Curve> curve() const;
  PublicKey Public() const;

  // As `openssl ecparam -genkey` writes it: EC PARAMETERS then EC PRIVATE KEY.
  // RSA keys are written as PKCS#8 ("PRIVATE KEY"), as `openssl genrsa` does.
  std::string Pem() const;

  // ECDSA over an already-computed digest, DER-encoded signature.
  Result<Bytes> SignDigest(std::span<const uint8_t> digest) const;
  // Hashes `message` with SHA-`hash_bits` then signs; DER-encoded signature.
  Result<Bytes> SignMessage(int hash_bits, std::span<const uint8_t> message) const;

  EVP_PKEY* get() const { return pkey_.get(); }

 private:
  explicit PrivateKey(std::shared_ptr<EVP_PKEY> pkey) : pkey_(std::move(pkey)) {}
  std::shared_ptr<EVP_PKEY> pkey_;
};

// ECDSA signature conversions between DER (OpenSSL, CCF JSON receipts) and
// raw fixed-size r||s (COSE).
Result<Bytes> EcdsaDerToRaw(std::span<const uint8_t> der, size_t coordinate_size);
Result<Bytes> EcdsaRawToDer(std::span<const uint8_t> raw);

// Reads the whole file; errors name the file (missing, unreadable, empty).
Result<std::string> ReadFile(const std::string& path);
// Drains OpenSSL's error queue and returns its most specific reason, one line.
std::string TakeOpensslError();

}  // namespace bank
