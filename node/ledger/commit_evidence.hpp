// Commit evidence: "ce:<view>.<seqno>:<64 hex>", whose nonce only this
// service can produce. The nonce is HMAC-SHA256(k, "<view>.<seqno>") with
// k = HMAC-SHA256(ledger secret, "bankd commit evidence"), so the AES key
// and the HMAC key differ. The ledger records only the evidence's SHA-256
// (as CCF); receipts recompute the text from the secret.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "bank/status.hpp"
#include "bank/txid.hpp"

typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace bankd::ledger {

class CommitEvidence {
 public:
  static bank::Result<CommitEvidence> FromSecret(const std::string& ledger_secret);
  // Thread-safe (each thread works on its own copy of the keyed context).
  std::string For(const bank::TxId& txid) const;

 private:
  explicit CommitEvidence(std::shared_ptr<EVP_MAC_CTX> keyed);
  std::shared_ptr<EVP_MAC_CTX> keyed_;
  uint64_t id_;  // unique per keyed context, for the per-thread copies
};

// The ledger secret at `path` (32 raw bytes, mode 0600), created on first
// start.
bank::Result<std::string> LoadOrCreateLedgerSecret(const std::string& path);

}  // namespace bankd::ledger
