#include "ledger/loader.hpp"

#include <malloc.h>

#include "bank/ledger_files.hpp"
#include "ledger/file_io.hpp"
#include "ledger/replay.hpp"
#include "ledger/snapshot_restore.hpp"

namespace bankd::ledger {

namespace bl = bank::ledger;

bank::Status CheckSecretOpens(const std::string& directory, const Serialiser& serialiser,
                              const std::string& secret_file) {
  bl::ListOptions list;
  list.uncommitted = true;
  auto files = bl::ListLedgerFiles({directory}, list);
  if (!files.ok() || files->empty()) return bank::Status::OK();
  const uint64_t first = files->front().first;
  bl::LedgerReader reader(std::move(*files), first);
  // A wrong secret fails every entry, damage one: blame the secret only
  // when none of the first two opens.
  bl::ReadEntry e;
  std::string file, problem;
  for (int i = 0; i < 2 && reader.Next(&e); ++i) {
    auto writes = serialiser.Writes(e.frame, e.domain);
    if (writes.ok()) return bank::Status::OK();
    if (problem.empty()) {
      file = reader.files()[e.file_index].path;
      problem = writes.status().message();
    }
  }
  if (problem.empty()) return bank::Status::OK();
  return bank::Status::InputFile(secret_file + ": this ledger secret cannot decrypt " + file + " (" +
                                 problem + "); restore the ledger's own secret");
}

bank::Result<std::unique_ptr<LoadedLedger>> LoadLedger(const std::string& dir, const std::string& snapshots,
                                                       const bank::Certificate& service_cert,
                                                       const Serialiser& serialiser, size_t chunk_bytes) {
  auto loaded = std::make_unique<LoadedLedger>();
  LedgerState& state = loaded->state;
  bl::ListOptions list;
  list.uncommitted = true;
  auto files = bl::ListLedgerFiles({dir}, list);
  if (!files.ok()) return files.status().WithContext("cannot open ledger " + dir);
  // The replay's reading and decryption start now, after the newest
  // snapshot, and run while it is restored (ledger/replay_decoder.hpp).
  const uint64_t newest = snapshots.empty() ? 0 : NewestSnapshotSeqno(snapshots);
  auto decoder = std::make_unique<ReplayDecoder>(*files, newest + 1, serialiser);
  if (!snapshots.empty()) {
    BANK_RETURN_IF_ERROR(EnsureDirectory(snapshots));
    auto restored = RestoreLatestSnapshot(dir, snapshots, service_cert, serialiser, &state);
    if (!restored.ok()) return restored.status().WithContext("cannot open ledger " + dir);
    loaded->last_snapshot_seqno = restored->seqno;
    loaded->last_snapshot_bytes = restored->bytes;
  }
  // An older snapshot was used (the newest failed a check), or none.
  if (state.last_seqno() + 1 != decoder->first_seqno()) {
    decoder.reset();  // its thread stops before another starts
    decoder = std::make_unique<ReplayDecoder>(std::move(*files), state.last_seqno() + 1, serialiser);
  }
  bank::Status replayed = Replay(dir, *decoder, serialiser, &state);
  decoder.reset();
  if (!replayed.ok()) return replayed.WithContext("cannot open ledger " + dir);
  // What the restore and the replay freed (the snapshot's parsed tables,
  // the decoder's batches: hundreds of megabytes on a large store) is
  // mostly inside malloc's heaps, not at their ends, where free() alone
  // would give it back: without this bankd would keep that memory.
  ::malloc_trim(0);

  loaded->writer = std::make_unique<ChunkWriter>(dir);
  if (!state.chunks.empty() && !state.chunks.back().last_seqno) {
    ChunkInfo& open = state.chunks.back();
    bank::Status reopened = loaded->writer->Reopen(open.first_seqno);
    // A chunk whose last entry was to end it, cut short before its table.
    if (reopened.ok() && !open.positions.empty() && !state.signature_seqnos().empty() &&
        state.signature_seqnos().back() == state.last_seqno() && open.bytes >= chunk_bytes) {
      reopened = loaded->writer->Close(state.last_seqno(), open.positions);
      open.last_seqno = state.last_seqno();
      open.positions.clear();
    }
    if (!reopened.ok()) return reopened.WithContext("cannot open ledger " + dir);
  }
  return loaded;
}

}  // namespace bankd::ledger
