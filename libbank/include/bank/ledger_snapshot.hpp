// CCF snapshot files: `snapshot_<seqno>_<evidence seqno>.committed`.
//
// A snapshot is one serialised entry (bank/ledger_entry.hpp) with the
// snapshot bit in its IV and entry type Snapshot, whose public domain holds
// every public table as of <seqno> (the hash of the entry at that seqno
// and the view history in its header), followed by the receipt of the
// evidence transaction <evidence seqno>: JSON (CCF's JSON receipt) or a
// COSE receipt. The receipt's claims digest is SHA-256 of every byte of the
// file before it; it is signed by a node endorsed by the service whose
// certificate the snapshot's `public:ccf.gov.service.info` holds.
//
// The Merkle tree at the snapshot is the snapshot's
// `public:ccf.internal.tree` (the tree of seqnos 0..seqno-1: its leaves
// and the roots of its flushed subtrees, smallest first) with the hash of
// the entry at <seqno> appended.
#pragma once

#include <string>

#include "bank/certificate.hpp"
#include "bank/ledger_entry.hpp"
#include "bank/merkle.hpp"
#include "bank/status.hpp"

namespace bank::ledger {

struct SnapshotName {
  uint64_t seqno = 0;
  uint64_t evidence_seqno = 0;
  bool committed = false;
};
std::optional<SnapshotName> ParseSnapshotName(std::string_view name);
std::string SnapshotFileName(uint64_t seqno, uint64_t evidence_seqno);  // committed

struct Snapshot {
  TxId txid;
  PublicDomain domain;
  MerkleFrontier tree;       // the tree including leaf <seqno>
  TxId receipt_txid;         // the evidence transaction
  uint64_t entry_bytes = 0;  // before the receipt
};

// Parses the snapshot and verifies its receipt (kInputFile for a damaged
// file, kVerifyFailed for a receipt that does not verify); the receipt
// must claim SHA-256 of the bytes before it. The receipt is verified
// against `service` when given (a node that knows its service, as
// bankd's start), else against the certificate in the snapshot's own
// `public:ccf.gov.service.info`.
Result<Snapshot> ParseSnapshot(std::string_view bytes, const std::string& source,
                               const Certificate* service = nullptr);
Result<Snapshot> ReadSnapshot(const std::string& path, const Certificate* service = nullptr);

// The frontier of a serialised tree (bank/ledger_tables.hpp).
struct SerialisedTree;
Result<MerkleFrontier> FrontierOf(const SerialisedTree& tree);

}  // namespace bank::ledger
