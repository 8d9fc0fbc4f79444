// Replay: rebuilds the in-memory ledger state from the chunk files on start.
//
// Every record is checked (framing, entry format, seqno continuity, views,
// each signature against the recomputed root; see bank/ledger_verifier.hpp)
// and applied to the store. A torn tail of the last file is cut off, with a
// warning on stderr naming file, offset and size; any other damage fails
// with a message naming the file and the offset of the record.
//
// Snapshots plug in here: a snapshot taken at a signature transaction would
// carry the store, the Merkle tree's stored levels and the per-transaction
// index up to its seqno; Replay would load it into `state` first and then
// read only the chunks after it (ChainVerifier already continues from a
// non-empty tree).
#pragma once

#include <string>

#include "bank/status.hpp"
#include "ledger/state.hpp"

namespace bankd::ledger {

// `state` must be empty.
bank::Status Replay(const std::string& directory, LedgerState* state);

}  // namespace bankd::ledger
