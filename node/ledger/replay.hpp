// Replay: rebuilds the in-memory ledger state from the chunk files on start,
// with the one reader every ledger reader uses (bank/ledger_files.hpp). The
// reading, the leaves and the decryption run ahead on the decoder's thread
// (ledger/replay_decoder.hpp); parsing and applying run here, in order.
//
// Every entry is checked: the reader's framing, name and seqno checks, its
// AES-GCM tag under the ledger secret (which authenticates both domains),
// and at each signature transaction the signed root against the recomputed
// tree. Public and decrypted private writes are applied to the store. A
// torn tail of the open chunk is cut off, with a warning on stderr naming
// file, offset and size; any other damage fails naming file, offset and
// transaction. A chunk left complete under its open name (the writer died
// before renaming it) gets its committed name.
#pragma once

#include <string>

#include "bank/status.hpp"
#include "ledger/replay_decoder.hpp"
#include "ledger/serialiser.hpp"
#include "ledger/state.hpp"

namespace bankd::ledger {

// `state` must be fresh, or rebuilt up to a snapshot (ledger/
// snapshot_restore.hpp), and `decoder` must decode `directory` from the
// seqno after its last. On return its last chunk, if not completed, is the
// open chunk to continue.
bank::Status Replay(const std::string& directory, ReplayDecoder& decoder, const Serialiser& serialiser,
                    LedgerState* state);

}  // namespace bankd::ledger
