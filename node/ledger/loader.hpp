// Loading a ledger directory into memory, shared by Engine::Open and the
// engine's recovery after an I/O failure (ledger/rollback.hpp): the latest
// snapshot that verifies (when snapshots are on), the chunks after it
// replayed, and a ChunkWriter that continues the open chunk.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "bank/certificate.hpp"
#include "bank/status.hpp"
#include "ledger/chunk_files.hpp"
#include "ledger/serialiser.hpp"
#include "ledger/state.hpp"

namespace bankd::ledger {

struct LoadedLedger {
  LedgerState state;
  uint64_t last_snapshot_seqno = 0;  // 0: started without a snapshot
  uint64_t last_snapshot_bytes = 0;  // its file's size
  std::unique_ptr<ChunkWriter> writer;
};

// The ledger secret must open one of the ledger's first two entries (every
// entry's AES-GCM tag covers both domains): otherwise a wrong secret would
// read as damage of the first chunk. InputFile naming `secret_file` when
// neither opens; OK for an empty or unreadable ledger, or a damaged entry
// among readable ones (replay reports those, naming the chunk).
bank::Status CheckSecretOpens(const std::string& directory, const Serialiser& serialiser,
                              const std::string& secret_file);

// `snapshot_directory` empty: no snapshot is read. Errors are prefixed
// "cannot open ledger <directory>" and name the damaged file.
bank::Result<std::unique_ptr<LoadedLedger>> LoadLedger(const std::string& directory,
                                                       const std::string& snapshot_directory,
                                                       const bank::Certificate& service_cert,
                                                       const Serialiser& serialiser, size_t chunk_bytes);

}  // namespace bankd::ledger
