// Fuzz target: the PEM and DER readers of certificates and keys
// (bank/certificate.hpp, bank/key.hpp), as bankd reads member, user and
// service certificates and bankctl reads --signing-cert/--signing-key,
// --service-cert bundles and encryption public keys. Any input must load
// or give an error, never crash or prompt for a passphrase; whatever loads
// must write out and read back as the same certificate or key.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "bank/certificate.hpp"
#include "bank/key.hpp"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckCertificate(const bank::Certificate& cert) {
  Check(cert.valid() && cert.Id().size() == 64);
  auto again = bank::Certificate::FromPem(cert.Pem());
  Check(again.ok() && again->Id() == cert.Id());
  auto from_der = bank::Certificate::FromDer(cert.Der());
  Check(from_der.ok() && from_der->Id() == cert.Id());
  (void)cert.CommonName();
  (void)cert.PublicKeyId();
  (void)bank::FormatTime(cert.not_before());
  (void)bank::FormatTime(cert.not_after());
  // Its key, not its signature: verifying is cryptography, not parsing, and
  // would cost more than everything else here.
  if (const bank::PublicKey key = cert.public_key(); key.valid()) (void)key.curve();
}

void CheckPublicKey(const bank::PublicKey& key) {
  Check(key.valid());
  auto again = bank::PublicKey::FromPem(key.Pem());
  Check(again.ok() && again->SpkiDer() == key.SpkiDer());
  (void)key.curve();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::span<const uint8_t> bytes(data, size);

  if (auto cert = bank::Certificate::FromPem(text, "fuzz"); cert.ok()) CheckCertificate(*cert);
  if (auto bundle = bank::Certificate::BundleFromPem(text); bundle.ok())
    for (const auto& cert : *bundle) CheckCertificate(cert);
  if (auto cert = bank::Certificate::FromDer(bytes); cert.ok()) CheckCertificate(*cert);

  if (auto key = bank::PublicKey::FromPem(text); key.ok()) CheckPublicKey(*key);
  if (auto key = bank::PublicKey::FromDer(bytes); key.ok()) CheckPublicKey(*key);
  if (auto key = bank::PrivateKey::FromPem(text, "fuzz"); key.ok()) {
    Check(key->valid());
    CheckPublicKey(key->Public());
    auto again = bank::PrivateKey::FromPem(key->Pem());
    Check(again.ok() && again->Public().SpkiDer() == key->Public().SpkiDer());
  }

  // ECDSA signature conversions (COSE raw r||s <-> DER), as receipts use them.
  if (auto raw = bank::EcdsaDerToRaw(bytes, 48); raw.ok()) {
    Check(raw->size() == 96);
    Check(bank::EcdsaRawToDer(*raw).ok());
  }
  if (size % 2 == 0) {
    if (auto der = bank::EcdsaRawToDer(bytes); der.ok() && size > 0 && size <= 132) {
      auto raw = bank::EcdsaDerToRaw(*der, size / 2);
      Check(raw.ok() && raw->size() == size);
    }
  }
  return 0;
}
