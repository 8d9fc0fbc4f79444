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

// Seals the entry that StartEntry (bank/ledger_entry.hpp) began at
// `entry_at` of `entry` (the entry runs to the end), with its private
// domain's plaintext from `private_at` (what StartEntry returned) to the
// end: encrypts that in place under the entry's IV, with its public domain
// as additional data, and fills in the entry's size and tag.
Status SealEntry(std::string_view secret, size_t private_at, std::string* entry, size_t entry_at = 0);
// Checks the entry's tag and returns the decrypted private domain
// (kVerifyFailed when the tag does not match).
Result<std::string> OpenDomains(std::string_view secret, const EntryFrame& frame);
// The same, appended to `out` (one buffer for many entries); on failure
// `out` is as it was.
Status OpenDomainsInto(std::string_view secret, const EntryFrame& frame, std::string* out);

}  // namespace bank::ledger
