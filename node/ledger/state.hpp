// Everything the engine knows about the ledger, in memory: the store, the
// Merkle tree, and per transaction only what must be at hand (where its
// record is, its timestamp); receipts reread the entry itself from disk.
// About 24 bytes per transaction beyond the tree's 64, so a million
// transactions cost under 100 MB.
//
// Not synchronised: the engine guards it (writer lock + shared lock).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bank/hash.hpp"
#include "bank/ledger_format.hpp"
#include "bank/merkle.hpp"
#include "bank/txid.hpp"
#include "kv/tx.hpp"

namespace bankd::ledger {

struct EntryLocation {
  uint32_t chunk = 0;
  uint32_t size = 0;  // header + payload bytes
  uint64_t offset = 0;
};

struct ChunkInfo {
  std::string path;
  uint64_t first_seqno = 0;
  uint64_t bytes = 0;  // including records still queued for writing
};

class LedgerState {
 public:
  kv::Store store;
  bank::MerkleTree tree;  // one leaf per transaction
  std::vector<ChunkInfo> chunks;

  uint64_t last_seqno() const { return entries_.size(); }
  // The view of transaction `seqno` (1 <= seqno <= last_seqno()).
  uint64_t ViewOf(uint64_t seqno) const;
  // The id of the last transaction; {fallback_view, 0} when there is none.
  bank::TxId LastTxId(uint64_t fallback_view) const;
  // True when `txid` names a transaction of this ledger (same view).
  bool Contains(const bank::TxId& txid) const;

  const EntryLocation& location(uint64_t seqno) const { return entries_[seqno - 1].location; }
  int64_t timestamp_ms(uint64_t seqno) const { return entries_[seqno - 1].timestamp_ms; }
  const std::vector<uint64_t>& signature_seqnos() const { return signature_seqnos_; }
  const std::optional<bank::Digest>& last_signed_root() const { return last_signed_root_; }

  // Records the next transaction (seqno last_seqno() + 1, leaf already in
  // `tree`) and applies its writes; `signed_root` for a signature.
  void Record(const bank::TxId& txid, int64_t timestamp_ms, bank::ledger::WriteSet&& writes,
              const EntryLocation& location, const std::optional<bank::Digest>& signed_root);

 private:
  struct EntryMeta {
    EntryLocation location;
    int64_t timestamp_ms;
  };
  std::vector<EntryMeta> entries_;  // index seqno - 1
  // (view, first seqno of that view), ascending.
  std::vector<std::pair<uint64_t, uint64_t>> views_;
  std::vector<uint64_t> signature_seqnos_;
  std::optional<bank::Digest> last_signed_root_;
};

}  // namespace bankd::ledger
