// Turns a write set into a CCF ledger transaction (bank/ledger_entry.hpp):
// public tables in the public domain, every other table in the private
// domain, AES-256-GCM under the ledger secret with the public domain as
// additional data; tables in name order, as CCF's store iterates them.
// Also the reverse for replay and receipts: an entry's tables, decrypted.
// Snapshots (bank/ledger_snapshot.hpp) the same way: one entry of type
// Snapshot, the IV's snapshot bit set, every table in snapshot form (each
// row with its version), public tables in clear, the others encrypted.
#pragma once

#include <string>
#include <string_view>

#include "bank/hash.hpp"
#include "bank/ledger_entry.hpp"
#include "bank/status.hpp"
#include "bank/txid.hpp"
#include "bank/write_set.hpp"
#include "kv/tx.hpp"

namespace bankd::ledger {

struct SerialisedTx {
  std::string bytes;  // the whole entry, header included
  bank::Digest leaf;
  bank::Digest write_set_digest;
};

// A snapshot entry in a buffer that starts it at a page boundary (`at`
// bytes in), so that it can be written with O_DIRECT: a snapshot is the
// whole store, and copying it into the page cache was a sixth of bankd's
// CPU under load (bench/RESULTS-write-path-rounds-4-5.md).
struct SnapshotBuffer {
  std::string bytes;
  size_t at = 0;
  std::string_view entry() const { return std::string_view(bytes).substr(at); }
};

class Serialiser {
 public:
  explicit Serialiser(std::string secret) : secret_(std::move(secret)) {}

  // `commit_evidence` is the "ce:V.S:<hex>" text; its SHA-256 is recorded.
  // The entry is built in `buffer`'s storage (the previous entry's, handed
  // back by a writer that serialises one transaction after another: a
  // fresh allocation per entry was a tenth of a transfer's CPU, in malloc
  // and page faults, bench/RESULTS-write-path-rounds-4-5.md).
  bank::Result<SerialisedTx> Serialise(const bank::TxId& txid, const bank::ledger::WriteSet& writes,
                                       const bank::Digest& claims_digest, std::string_view commit_evidence,
                                       uint8_t flags, std::string buffer = {}) const;

  // The writes of a parsed entry (public and decrypted private tables),
  // kVerifyFailed when its GCM tag does not verify under the secret.
  bank::Result<bank::ledger::WriteSet> Writes(const bank::ledger::EntryFrame& frame,
                                              const bank::ledger::PublicDomain& domain) const;
  // Writes() in two steps, which may run on two threads: the entry's
  // private domain decrypted (appended to `plaintext`), then the writes of
  // its public domain and that plaintext.
  bank::Status Open(const bank::ledger::EntryFrame& frame, std::string* plaintext) const;
  bank::Result<bank::ledger::WriteSet> WritesOf(const bank::ledger::PublicDomain& domain,
                                                std::string_view plaintext) const;

  // The snapshot entry of the store at `txid`, into `out` (its capacity
  // kept, so that a snapshotter reusing one buffer pays no page faults),
  // with room reserved for the receipt. `image` as kv::Store::Capture gives
  // it (taken by value: let go once encoded, and with it the rows the store
  // retired meanwhile),
  // `leaf` the Merkle leaf of `txid`, `view_history` CCF's (element i:
  // first seqno of view i + 1).
  bank::Status SerialiseSnapshot(const bank::TxId& txid, const bank::Digest& leaf,
                                 const std::vector<uint64_t>& view_history, kv::StoreImage image,
                                 SnapshotBuffer* out) const;
  // Every table of a snapshot entry (public, then decrypted private),
  // kVerifyFailed when its GCM tag does not verify.
  bank::Result<std::vector<bank::ledger::Table>> SnapshotTables(const bank::ledger::EntryFrame& frame,
                                                                bank::ledger::PublicDomain&& domain) const;

  const std::string& secret() const { return secret_; }

 private:
  std::string secret_;
};

}  // namespace bankd::ledger
