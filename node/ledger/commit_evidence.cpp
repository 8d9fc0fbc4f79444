#include "ledger/commit_evidence.hpp"

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <atomic>
#include <filesystem>

#include "bank/encoding.hpp"
#include "bank/hash.hpp"
#include "bank/key.hpp"
#include "bank/ledger_secret.hpp"
#include "ledger/file_io.hpp"

namespace bankd::ledger {
namespace {

using MacCtx = std::shared_ptr<EVP_MAC_CTX>;

bank::Result<MacCtx> Keyed(std::string_view key) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) return bank::Status::Internal("HMAC unavailable: " + bank::TakeOpensslError());
  MacCtx ctx(EVP_MAC_CTX_new(mac), EVP_MAC_CTX_free);
  EVP_MAC_free(mac);  // the context holds its own reference
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (!ctx ||
      EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) != 1)
    return bank::Status::Internal("cannot key HMAC: " + bank::TakeOpensslError());
  return ctx;
}

bank::Result<bank::Digest> Mac(const MacCtx& keyed, std::string_view message) {
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_dup(keyed.get()),
                                                                EVP_MAC_CTX_free);
  bank::Digest out{};
  size_t len = 0;
  if (!ctx ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(message.data()), message.size()) !=
          1 ||
      EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1)
    return bank::Status::Internal("HMAC failed: " + bank::TakeOpensslError());
  return out;
}

}  // namespace

bank::Result<CommitEvidence> CommitEvidence::FromSecret(const std::string& ledger_secret) {
  BANK_ASSIGN_OR_RETURN(auto master, Keyed(ledger_secret));
  BANK_ASSIGN_OR_RETURN(auto key, Mac(master, "bankd commit evidence"));
  BANK_ASSIGN_OR_RETURN(auto keyed, Keyed(bank::AsString(key)));
  return CommitEvidence(std::move(keyed));
}

CommitEvidence::CommitEvidence(std::shared_ptr<EVP_MAC_CTX> keyed) : keyed_(std::move(keyed)) {
  static std::atomic<uint64_t> next_id{1};
  id_ = next_id++;
}

std::string CommitEvidence::For(const bank::TxId& txid) const {
  // Each thread keeps a copy of the keyed context of the evidence it used
  // last and restarts it (a null key keeps the key) instead of copying it
  // for every transaction: the copy and its free were half of the cost.
  // Ids are never reused, so a thread never uses a copy made for another
  // evidence (a copy lives until its thread uses another one, or exits).
  struct Cached {
    uint64_t id = 0;
    std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx{nullptr, EVP_MAC_CTX_free};
  };
  thread_local Cached cached;
  bool ready = false;
  if (cached.id == id_) {
    ready = EVP_MAC_init(cached.ctx.get(), nullptr, 0, nullptr) == 1;
  } else {
    cached.ctx.reset(EVP_MAC_CTX_dup(keyed_.get()));
    cached.id = cached.ctx ? id_ : 0;
    ready = cached.ctx != nullptr;
  }
  const std::string id = txid.ToString();
  bank::Digest nonce{};
  size_t len = 0;
  ready =
      ready &&
      EVP_MAC_update(cached.ctx.get(), reinterpret_cast<const unsigned char*>(id.data()), id.size()) == 1 &&
      EVP_MAC_final(cached.ctx.get(), nonce.data(), &len, nonce.size()) == 1;
  // HMAC on a keyed context fails only when memory runs out.
  if (!ready) {
    cached.id = 0;
    Fatal("cannot compute commit evidence: " + bank::TakeOpensslError());
  }
  return fmt::format("ce:{}:{}", id, bank::DigestHex(nonce));
}

bank::Result<std::string> LoadOrCreateLedgerSecret(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    BANK_ASSIGN_OR_RETURN(auto secret, bank::ledger::NewLedgerSecret());
    std::filesystem::path p(path);
    std::string dir = p.parent_path().empty() ? "." : p.parent_path().string();
    BANK_RETURN_IF_ERROR(EnsureDirectory(dir));
    BANK_RETURN_IF_ERROR(CreateFileDurably(dir, p.filename().string(), secret, 0600));
  }
  BANK_ASSIGN_OR_RETURN(std::string secret, bank::ReadFile(path));
  if (secret.size() != bank::ledger::kLedgerSecretSize)
    return bank::Status::InputFile(path + ": the ledger secret must be 32 bytes");
  return secret;
}

}  // namespace bankd::ledger
