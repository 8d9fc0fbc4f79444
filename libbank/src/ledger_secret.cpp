#include "bank/ledger_secret.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>

#include "bank/encoding.hpp"
#include "bank/key.hpp"

namespace bank::ledger {
namespace {

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// Fetched once: OpenSSL 3 otherwise fetches the cipher by name at every
// EVP_EncryptInit_ex, i.e. for every ledger entry.
const EVP_CIPHER* Aes256Gcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

// Additional data (`out` null) or data, in pieces: EVP counts in int, and a
// snapshot of a large store passes 2 GiB.
bool CipherUpdate(EVP_CIPHER_CTX* ctx, unsigned char* out, std::string_view in) {
  constexpr size_t kPiece = size_t{1} << 30;
  for (size_t at = 0; at < in.size(); at += kPiece) {
    const size_t n = std::min(kPiece, in.size() - at);
    int len = 0;
    if (EVP_CipherUpdate(ctx, out == nullptr ? nullptr : out + at, &len, U(in.substr(at, n)),
                         static_cast<int>(n)) != 1)
      return false;
  }
  return true;
}

// One AES-256-GCM context per thread and direction, keyed once: setting
// the key expands it (and builds GCM's tables), which for a small ledger
// entry costs about as much as sealing it. Entries under the same secret
// then only set their IV; another secret re-keys the context.
class KeyedCipher {
 public:
  explicit KeyedCipher(int encrypt) : encrypt_(encrypt) {}
  ~KeyedCipher() { OPENSSL_cleanse(key_, sizeof key_); }
  KeyedCipher(const KeyedCipher&) = delete;
  KeyedCipher& operator=(const KeyedCipher&) = delete;

  // The context, ready for additional data under `secret` and `iv`; null
  // on failure (the next use keys it again).
  EVP_CIPHER_CTX* Start(std::string_view secret, const unsigned char* iv) {
    if (!ctx_) {
      ctx_.reset(EVP_CIPHER_CTX_new());
      if (!ctx_ || EVP_CipherInit_ex(ctx_.get(), Aes256Gcm(), nullptr, nullptr, nullptr, encrypt_) != 1 ||
          EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_IVLEN, kGcmIvSize, nullptr) != 1) {
        ctx_.reset();
        return nullptr;
      }
    }
    const bool same_key = keyed_ && std::equal(secret.begin(), secret.end(), key_);
    keyed_ = false;
    if (EVP_CipherInit_ex(ctx_.get(), nullptr, nullptr, same_key ? nullptr : U(secret), iv, encrypt_) != 1)
      return nullptr;
    std::copy(secret.begin(), secret.end(), key_);
    keyed_ = true;
    return ctx_.get();
  }

 private:
  const int encrypt_;
  CipherCtx ctx_{nullptr, EVP_CIPHER_CTX_free};
  char key_[kLedgerSecretSize] = {};
  bool keyed_ = false;
};

EVP_CIPHER_CTX* StartSeal(std::string_view secret, const unsigned char* iv) {
  thread_local KeyedCipher cipher(1);
  return cipher.Start(secret, iv);
}
EVP_CIPHER_CTX* StartOpen(std::string_view secret, const unsigned char* iv) {
  thread_local KeyedCipher cipher(0);
  return cipher.Start(secret, iv);
}

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

Status SealEntry(std::string_view secret, size_t private_at, std::string* entry, size_t entry_at) {
  constexpr size_t kTagAt = kEntryHeaderSize, kIvAt = kTagAt + kGcmTagSize;
  constexpr size_t kPublicAt = kIvAt + kGcmIvSize + 8;  // after the public domain's size
  if (entry_at > private_at || private_at - entry_at < kPublicAt || private_at > entry->size())
    return Status::Internal("SealEntry: not an entry begun by StartEntry");
  const std::string_view bytes = std::string_view(*entry).substr(entry_at);
  private_at -= entry_at;
  BANK_RETURN_IF_ERROR(CheckSizes(secret, bytes.substr(kIvAt, kGcmIvSize)));
  auto* data = reinterpret_cast<unsigned char*>(entry->data() + entry_at);
  const uint64_t size = bytes.size() - kEntryHeaderSize;  // what follows the header
  for (size_t i = 0; i < 6; ++i) data[2 + i] = static_cast<unsigned char>((size >> (8 * i)) & 0xff);

  EVP_CIPHER_CTX* ctx = StartSeal(secret, data + kIvAt);
  int len = 0;
  bool ok = ctx != nullptr && CipherUpdate(ctx, nullptr, bytes.substr(kPublicAt, private_at - kPublicAt)) &&
            CipherUpdate(ctx, data + private_at, bytes.substr(private_at));  // in place: GCM allows it
  ok = ok && EVP_EncryptFinal_ex(ctx, nullptr, &len) == 1 &&
       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kGcmTagSize, data + kTagAt) == 1;
  if (!ok) return Status::Internal("AES-GCM encryption failed: " + TakeOpensslError());
  return Status::OK();
}

Status OpenDomainsInto(std::string_view secret, const EntryFrame& frame, std::string* out) {
  BANK_RETURN_IF_ERROR(CheckSizes(secret, frame.gcm_iv));
  EVP_CIPHER_CTX* ctx = StartOpen(secret, U(frame.gcm_iv));
  const size_t at = out->size();
  out->resize(at + frame.private_domain.size());
  std::string tag(frame.gcm_tag);
  int len = 0;
  bool ok = ctx != nullptr && CipherUpdate(ctx, nullptr, frame.public_domain) &&
            CipherUpdate(ctx, reinterpret_cast<unsigned char*>(out->data() + at), frame.private_domain);
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag.data()) == 1;
  if (!ok) {
    out->resize(at);
    return Status::Internal("AES-GCM decryption failed: " + TakeOpensslError());
  }
  if (EVP_DecryptFinal_ex(ctx, nullptr, &len) != 1) {
    out->resize(at);
    TakeOpensslError();
    return Status::VerifyFailed("AES-GCM tag does not match (wrong ledger secret, or the entry was changed)");
  }
  return Status::OK();
}

Result<std::string> OpenDomains(std::string_view secret, const EntryFrame& frame) {
  std::string plain;
  BANK_RETURN_IF_ERROR(OpenDomainsInto(secret, frame, &plain));
  return plain;
}

}  // namespace bank::ledger
