// Starting from a snapshot: rebuilds the in-memory ledger state up to the
// latest usable CCF snapshot (bank/ledger_snapshot.hpp) without reading
// the transactions it covers; Replay() then reads only the ledger after it.
//
// Snapshots in `snapshot_directory` named `snapshot_<seqno>_<evidence>
// .committed` are tried newest (highest seqno) first. One is used when:
//  - it parses, and its appended receipt verifies against the service
//    certificate and claims SHA-256 of the snapshot entry;
//  - its private domain's AES-GCM tag verifies under the ledger secret;
//  - the ledger holds complete chunks from seqno 1 to exactly its seqno
//    (bankd ends a chunk at every snapshot, as CCF does), and the entry
//    at its seqno has the leaf the snapshot records (its hash at snapshot);
//  - the signature transactions before it form bankd's chain (each
//    one's `public:ccf.internal.tree` lists the leaves since the previous
//    signature), and the tree they give has, at every signature, the root
//    that signature signs and, at the snapshot, the snapshot's own root.
// A snapshot that fails any check is skipped with one line on stderr
// naming the file and why; the next older one is tried, and with none
// left the state is untouched (replay starts at seqno 1).
//
// What it costs: per complete chunk its 8-byte header and table of
// positions (the location of every transaction, for receipts), and the
// signature transactions (about one per 5000): no entry is decrypted or
// applied but the snapshot's. Per-seqno state for the transactions it
// covers (views from the snapshot's view history, Merkle leaves, entry
// locations, signature seqnos) is what a full replay would give, so
// receipts and Status() of older transactions work unchanged.
#pragma once

#include <string>

#include "bank/certificate.hpp"
#include "bank/status.hpp"
#include "ledger/serialiser.hpp"
#include "ledger/state.hpp"

namespace bankd::ledger {

struct RestoredSnapshot {
  uint64_t seqno = 0;  // 0: none was usable (or `snapshot_directory` holds none)
  uint64_t bytes = 0;  // the snapshot file's size
};

// `state` must be fresh. Fails only when the snapshot directory cannot be
// listed.
bank::Result<RestoredSnapshot> RestoreLatestSnapshot(const std::string& ledger_directory,
                                                     const std::string& snapshot_directory,
                                                     const bank::Certificate& service_cert,
                                                     const Serialiser& serialiser, LedgerState* state);

// The seqno of the newest committed snapshot there (0 when none): the one
// RestoreLatestSnapshot uses unless it fails a check.
uint64_t NewestSnapshotSeqno(const std::string& snapshot_directory);

}  // namespace bankd::ledger
