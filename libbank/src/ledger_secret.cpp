#include "bank/ledger_secret.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "bank/encoding.hpp"
#include "bank/key.hpp"

namespace bank::ledger {
namespace {

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

Status CheckSizes(std::string_view secret, std::string_view iv) {
  if (secret.size() != kLedgerSecretSize) return Status::Usage("the ledger secret must be 32 bytes");
  if (iv.size() != kGcmIvSize) return Status::Internal("GCM IV must be 12 bytes");
  return Status::OK();
}

}  // namespace

Result<std::string> LoadLedgerSecret(const std::string& path) {
  BANK_ASSIGN_OR_RETURN(auto text, ReadFile(path));
  if (text.size() == kLedgerSecretSize) return text;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto decoded = Base64Decode(text);
  if (decoded.ok() && decoded->size() == kLedgerSecretSize) return AsString(*decoded);
  return Status::InputFile(path + ": not a ledger secret (32 raw bytes or their base64)");
}

Result<std::string> NewLedgerSecret() {
  std::string secret(kLedgerSecretSize, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), static_cast<int>(secret.size())) != 1)
    return Status::Internal("no randomness for a ledger secret: " + TakeOpensslError());
  return secret;
}

Result<Sealed> SealDomains(std::string_view secret, std::string_view iv, std::string_view public_domain,
                           std::string_view plaintext) {
  BANK_RETURN_IF_ERROR(CheckSizes(secret, iv));
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  Sealed out;
  out.ciphertext.resize(plaintext.size());
  out.tag.resize(kGcmTagSize);
  int len = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kGcmIvSize, nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, U(secret), U(iv)) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(public_domain),
                              static_cast<int>(public_domain.size())) == 1;
  if (ok && !plaintext.empty())
    ok = EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.ciphertext.data()), &len,
                           U(plaintext), static_cast<int>(plaintext.size())) == 1;
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), nullptr, &len) == 1 &&
       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagSize, out.tag.data()) == 1;
  if (!ok) return Status::Internal("AES-GCM encryption failed: " + TakeOpensslError());
  return out;
}

Result<std::string> OpenDomains(std::string_view secret, const EntryFrame& frame) {
  BANK_RETURN_IF_ERROR(CheckSizes(secret, frame.gcm_iv));
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string plain(frame.private_domain.size(), '\0');
  std::string tag(frame.gcm_tag);
  int len = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kGcmIvSize, nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, U(secret), U(frame.gcm_iv)) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(frame.public_domain),
                              static_cast<int>(frame.public_domain.size())) == 1;
  if (ok && !plain.empty())
    ok = EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                           U(frame.private_domain), static_cast<int>(frame.private_domain.size())) == 1;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag.data()) == 1;
  if (!ok) return Status::Internal("AES-GCM decryption failed: " + TakeOpensslError());
  if (EVP_DecryptFinal_ex(ctx.get(), nullptr, &len) != 1) {
    TakeOpensslError();
    return Status::VerifyFailed("AES-GCM tag does not match (wrong ledger secret, or the entry was changed)");
  }
  return plain;
}

}  // namespace bank::ledger
