// Everything the engine knows about the ledger, in memory: the store, the
// Merkle tree (CCF's: leaf 0 is 32 zero bytes, so leaf i is seqno i) and,
// per transaction, only where its entry is; receipts reread the entry from
// disk. About 16 bytes per transaction beyond the tree's 64.
//
// Not synchronised: the engine guards it (writer lock + shared lock).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bank/hash.hpp"
#include "bank/merkle.hpp"
#include "bank/txid.hpp"
#include "bank/write_set.hpp"
#include "kv/tx.hpp"

namespace bankd::ledger {

struct EntryLocation {
  uint32_t chunk = 0;  // index into LedgerState::chunks
  uint32_t size = 0;   // bytes of the serialised entry
  uint64_t offset = 0;
};

struct ChunkInfo {
  uint64_t first_seqno = 0;
  std::optional<uint64_t> last_seqno;  // set when the chunk is completed
  uint64_t bytes = 0;                  // including entries still queued
  std::vector<uint32_t> positions;     // of its entries (until completed)
};

class LedgerState {
 public:
  LedgerState() { tree.Append(bank::Digest{}); }

  kv::Store store;
  bank::MerkleTree tree;
  std::vector<ChunkInfo> chunks;

  uint64_t last_seqno() const { return entries_.size(); }
  // The view of transaction `seqno` (1 <= seqno <= last_seqno()).
  uint64_t ViewOf(uint64_t seqno) const;
  // The id of the last transaction; {fallback_view, 0} when there is none.
  bank::TxId LastTxId(uint64_t fallback_view) const;
  // True when `txid` names a transaction of this ledger (same view).
  bool Contains(const bank::TxId& txid) const;
  // CCF's view history at `seqno` (a snapshot records it): element i is
  // the first seqno of view i + 1 (of the next view that has transactions
  // when view i + 1 has none), up to the view of `seqno`.
  std::vector<uint64_t> ViewHistory(uint64_t seqno) const;

  const EntryLocation& location(uint64_t seqno) const { return entries_[seqno - 1]; }
  const std::vector<uint64_t>& signature_seqnos() const { return signature_seqnos_; }
  const std::optional<bank::Digest>& last_signed_root() const { return last_signed_root_; }

  // Records the next transaction (seqno last_seqno() + 1, its leaf already
  // appended to `tree`) and applies its writes; `signed_root` for a
  // signature transaction.
  void Record(const bank::TxId& txid, bank::ledger::WriteSet&& writes, const EntryLocation& location,
              const std::optional<bank::Digest>& signed_root);

 private:
  std::vector<EntryLocation> entries_;  // index seqno - 1
  // (view, first seqno of that view), ascending.
  std::vector<std::pair<uint64_t, uint64_t>> views_;
  std::vector<uint64_t> signature_seqnos_;
  std::optional<bank::Digest> last_signed_root_;
};

}  // namespace bankd::ledger
