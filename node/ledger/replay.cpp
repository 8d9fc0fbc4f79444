#include "ledger/replay.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "bank/key.hpp"
#include "bank/ledger_files.hpp"
#include "bank/ledger_tables.hpp"
#include "ledger/file_io.hpp"

namespace bankd::ledger {

namespace bl = bank::ledger;

namespace {

bank::Status CutTornTail(const bl::TornTail& torn) {
  int fd = ::open(torn.file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return bank::Status::Internal("cannot open " + ErrnoMessage(torn.file));
  bank::Status st;
  if (::ftruncate(fd, static_cast<off_t>(torn.offset)) != 0 || ::fsync(fd) != 0)
    st = bank::Status::Internal("cannot cut the torn tail of " + ErrnoMessage(torn.file));
  ::close(fd);
  if (st.ok())
    std::fprintf(stderr, "bankd: ledger: %s: cut a torn tail of %llu bytes at offset %llu (%s)\n",
                 torn.file.c_str(), static_cast<unsigned long long>(torn.bytes),
                 static_cast<unsigned long long>(torn.offset), torn.problem.c_str());
  return st;
}

bank::Status Damage(const DecodedEntry& e, const std::string& what) {
  return bl::ReadError{e.file->path, e.offset, e.txid, "entry", what}.ToStatus();
}

// A chunk the writer completed but did not get to rename.
bank::Status NameCompleted(const std::string& directory, ChunkInfo* chunk) {
  std::string open = directory + "/" + bl::OpenChunkName(chunk->first_seqno);
  std::string committed = directory + "/" + bl::CommittedChunkName(chunk->first_seqno, *chunk->last_seqno);
  if (::rename(open.c_str(), committed.c_str()) != 0)
    return bank::Status::Internal("cannot rename " + ErrnoMessage(open));
  std::fprintf(stderr, "bankd: ledger: %s was complete: renamed %s\n", open.c_str(), committed.c_str());
  return SyncDirectory(directory);
}

}  // namespace

bank::Status Replay(const std::string& directory, ReplayDecoder& decoder, const Serialiser& serialiser,
                    LedgerState* state) {
  if (decoder.first_seqno() != state->last_seqno() + 1)
    return bank::Status::Internal(fmt::format("replay decoded from seqno {}, the state ends at {}",
                                              decoder.first_seqno(), state->last_seqno()));
  const std::vector<bl::LedgerFile>& files = decoder.files();
  for (size_t i = 0; i + 1 < files.size(); ++i)
    if (!files[i].last)
      return bank::Status::InputFile(
          fmt::format("{}: an open chunk before {}", files[i].path, files[i + 1].name));
  const bl::LedgerFile* chunk_of_file = nullptr;
  while (auto batch = decoder.Next()) {
    for (DecodedEntry& e : batch->entries) {
      if (e.file != chunk_of_file) {
        state->chunks.push_back({e.file->first, e.file->last, 0, {}});
        chunk_of_file = e.file;
      }
      if (e.problem) return Damage(e, *e.problem);
      auto writes =
          serialiser.WritesOf(e.domain, std::string_view(batch->plaintext).substr(e.plain_at, e.plain_size));
      if (!writes.ok()) return Damage(e, writes.status().message());
      std::optional<bank::Digest> signed_root;
      if (const bl::Table* t = e.domain.Find(bl::kSignatures)) {
        auto value = t->Get(bl::kSingletonKey);
        auto sig = value ? bl::ParsePrimarySignature(*value)
                         : bank::Result<bl::PrimarySignature>(bank::Status::InputFile("no signature value"));
        if (!sig.ok()) return Damage(e, sig.status().message());
        if (sig->root != state->tree.Root())
          return Damage(e, "the signed root is not the root of the transactions before it");
        signed_root = sig->root;
      }
      state->tree.Append(e.leaf);
      ChunkInfo& chunk = state->chunks.back();
      EntryLocation location{static_cast<uint32_t>(state->chunks.size() - 1), e.size, e.offset};
      chunk.bytes = e.offset + e.size;
      chunk.positions.push_back(static_cast<uint32_t>(e.offset));
      state->Record(e.txid, std::move(*writes), location, signed_root);
    }
  }
  if (decoder.error()) return decoder.error()->ToStatus();
  if (decoder.torn_tail()) BANK_RETURN_IF_ERROR(CutTornTail(*decoder.torn_tail()));
  if (!files.empty() && !files.back().last &&
      (state->chunks.empty() || state->chunks.back().first_seqno != files.back().first)) {
    // The open chunk holds no whole entry (created, then the process died).
    state->chunks.push_back({files.back().first, std::nullopt, bl::kChunkHeaderSize, {}});
  }
  for (auto& chunk : state->chunks) {
    if (chunk.last_seqno) {
      chunk.positions.clear();
      chunk.positions.shrink_to_fit();
      continue;
    }
    // Under its open name: complete if its header announces the table.
    std::string path = directory + "/" + bl::OpenChunkName(chunk.first_seqno);
    auto header = bank::ReadFile(path);
    if (header.ok() && header->size() >= bl::kChunkHeaderSize) {
      auto layout = bl::ParseChunkLayout(*header);
      if (layout.ok() && layout->table_offset != 0) {
        chunk.last_seqno = chunk.first_seqno + layout->positions.size() - 1;
        BANK_RETURN_IF_ERROR(NameCompleted(directory, &chunk));
        chunk.positions.clear();
      }
    }
  }
  return bank::Status::OK();
}

}  // namespace bankd::ledger
