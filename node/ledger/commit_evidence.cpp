#include "ledger/commit_evidence.hpp"

#include <filesystem>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "bank/key.hpp"
#include "bank/ledger_format.hpp"
#include "ledger/file_io.hpp"

namespace bankd::ledger {

namespace {
constexpr size_t kSecretBytes = 32;
}

bank::Result<CommitEvidence> CommitEvidence::LoadOrCreate(const std::string& directory) {
  std::string path = directory + "/" + kLedgerSecretFile;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::string secret(kSecretBytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), kSecretBytes) != 1)
      return bank::Status::Internal("cannot generate the ledger secret: " + bank::TakeOpensslError());
    BANK_RETURN_IF_ERROR(CreateFileDurably(directory, kLedgerSecretFile, secret, 0600));
  }
  BANK_ASSIGN_OR_RETURN(std::string secret, bank::ReadFile(path));
  if (secret.size() != kSecretBytes)
    return bank::Status::InputFile(path + ": ledger secret must be " + std::to_string(kSecretBytes) + " bytes");

  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) return bank::Status::Internal("HMAC unavailable: " + bank::TakeOpensslError());
  std::shared_ptr<EVP_MAC_CTX> ctx(EVP_MAC_CTX_new(mac), EVP_MAC_CTX_free);
  EVP_MAC_free(mac);  // the context holds its own reference
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  if (!ctx || EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), params) != 1)
    return bank::Status::Internal("cannot key HMAC: " + bank::TakeOpensslError());
  return CommitEvidence(std::move(ctx));
}

std::string CommitEvidence::For(const bank::TxId& txid) const {
  std::string message = txid.ToString();
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_dup(keyed_.get()), EVP_MAC_CTX_free);
  bank::Digest nonce{};
  size_t len = 0;
  // HMAC on a keyed context fails only when memory runs out.
  if (!ctx || EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      EVP_MAC_final(ctx.get(), nonce.data(), &len, nonce.size()) != 1)
    Fatal("cannot compute commit evidence: " + bank::TakeOpensslError());
  return bank::ledger::FormatCommitEvidence(txid, nonce);
}

}  // namespace bankd::ledger
