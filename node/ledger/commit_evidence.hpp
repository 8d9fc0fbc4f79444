// Commit evidence: "ce:<view>.<seqno>:<64 hex>", whose nonce only this node
// can produce. The nonce is HMAC-SHA256(ledger secret, "<view>.<seqno>"); the
// 32-byte secret lives in the ledger directory (ledger.secret, mode 0600),
// created on first start. Entries store the evidence string itself, so old
// entries never need the secret again.
#pragma once

#include <memory>
#include <string>

#include "bank/status.hpp"
#include "bank/txid.hpp"

typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace bankd::ledger {

inline constexpr const char* kLedgerSecretFile = "ledger.secret";

class CommitEvidence {
 public:
  static bank::Result<CommitEvidence> LoadOrCreate(const std::string& directory);
  // Not thread-safe: the engine calls it under its writer lock.
  std::string For(const bank::TxId& txid) const;

 private:
  explicit CommitEvidence(std::shared_ptr<EVP_MAC_CTX> keyed) : keyed_(std::move(keyed)) {}
  // An HMAC context initialised with the secret; each use starts from a copy.
  std::shared_ptr<EVP_MAC_CTX> keyed_;
};

}  // namespace bankd::ledger
