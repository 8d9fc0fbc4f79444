// The ledger secret and CCF's AES-256-GCM over a ledger entry's domains.
//
// CCF encrypts each transaction's private domain with AES-256-GCM under the
// ledger secret (a raw 32-byte key), the IV being the entry's 12-byte GCM
// IV (seqno, view and snapshot bit, bank/ledger_entry.hpp) and the public
// domain the additional authenticated data: the 16-byte tag therefore
// protects both domains, even when the private one is empty.
#pragma once

#include <string>
#include <string_view>

#include "bank/ledger_entry.hpp"
#include "bank/status.hpp"

namespace bank::ledger {

inline constexpr size_t kLedgerSecretSize = 32;

// A file holding the secret: 32 raw bytes, or their base64 (one line).
Result<std::string> LoadLedgerSecret(const std::string& path);
// A new random secret.
Result<std::string> NewLedgerSecret();

// The whole transaction (AppendEntryHead's bytes, then the private domain) with `private_plaintext`
// encrypted straight into its place and the tag filled in: no ciphertext
// copy, which matters for snapshots (the whole store). `spare` bytes of
// capacity are reserved after it (a snapshot's receipt goes there).
Result<std::string> SealEntry(std::string_view secret, uint8_t flags, const TxId& txid, bool snapshot,
                              std::string_view public_domain, std::string_view private_plaintext,
                              size_t spare = 0);
// Checks the entry's tag and returns the decrypted private domain
// (kVerifyFailed when the tag does not match).
Result<std::string> OpenDomains(std::string_view secret, const EntryFrame& frame);

}  // namespace bank::ledger
