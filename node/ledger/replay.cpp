#include "ledger/replay.hpp"

#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

#include "bank/ledger_verifier.hpp"
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
    std::fprintf(stderr, "bankd: ledger: %s: cut a torn tail of %llu bytes at offset %llu (%s)\n", torn.file.c_str(),
                 static_cast<unsigned long long>(torn.bytes), static_cast<unsigned long long>(torn.offset),
                 torn.problem.c_str());
  return st;
}

}  // namespace

bank::Status Replay(const std::string& directory, LedgerState* state) {
  BANK_ASSIGN_OR_RETURN(auto reader, bl::LedgerReader::Open(directory));
  const std::vector<bl::ChunkFile>& chunks = reader.chunks();
  bl::ChainVerifier verifier(&state->tree);

  // Checks that each chunk, including empty ones, continues the chain.
  size_t started = 0;
  auto start_chunks_before = [&](size_t end) {
    for (; started < end; ++started) {
      const bl::ChunkFile& chunk = chunks[started];
      bank::Status st = verifier.StartChunk(chunk.first_seqno);
      if (!st.ok()) return bank::Status(st.code(), bl::AtOffset(chunk.path, 0, st.message()));
      state->chunks.push_back({chunk.path, chunk.first_seqno, 0});
    }
    return bank::Status::OK();
  };

  bl::Record record;
  while (true) {
    BANK_ASSIGN_OR_RETURN(bool more, reader.Next(&record));
    if (!more) break;
    BANK_RETURN_IF_ERROR(start_chunks_before(record.chunk_index + 1));
    const std::string& path = chunks[record.chunk_index].path;
    auto located = [&](const bank::Status& st) {
      return bank::Status(st.code(), bl::AtOffset(path, record.offset, st.message()));
    };
    auto decoded = bl::DecodeEntry(record.payload);
    if (!decoded.ok()) return located(decoded.status());
    auto signature = verifier.Add(*decoded);
    if (!signature.ok()) return located(signature.status());

    bl::Entry& e = decoded->entry;
    std::optional<bank::Digest> signed_root;
    if (*signature) signed_root = (*signature)->root;
    EntryLocation location{static_cast<uint32_t>(record.chunk_index), static_cast<uint32_t>(record.size),
                           record.offset};
    state->Record(e.txid, e.timestamp_ms, std::move(e.writes), location, signed_root);
    state->chunks.back().bytes = record.offset + record.size;
  }
  BANK_RETURN_IF_ERROR(start_chunks_before(chunks.size()));
  if (reader.torn_tail()) BANK_RETURN_IF_ERROR(CutTornTail(*reader.torn_tail()));
  return bank::Status::OK();
}

}  // namespace bankd::ledger
