#include "ledger/rollback.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "bank/ledger_files.hpp"
#include "ledger/file_io.hpp"

namespace bankd::ledger {

namespace bl = bank::ledger;

namespace {

// Cuts `path` to `size` bytes with a zero header (an open chunk again).
bank::Status CutChunk(const std::string& path, uint64_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return bank::Status::Internal("cannot open " + ErrnoMessage(path));
  const std::string zeros(bl::kChunkHeaderSize, '\0');
  bool ok = ::ftruncate(fd, static_cast<off_t>(size)) == 0 &&
            ::pwrite(fd, zeros.data(), zeros.size(), 0) == static_cast<ssize_t>(zeros.size()) &&
            ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  errno = saved;
  if (!ok) return bank::Status::Internal("cannot cut " + ErrnoMessage(path));
  return bank::Status::OK();
}

}  // namespace

bank::Status DiscardUndurable(const std::string& directory, const LedgerState& state,
                              uint64_t durable_seqno) {
  bl::ListOptions list;
  list.uncommitted = true;
  BANK_ASSIGN_OR_RETURN(auto files, bl::ListLedgerFiles({directory}, list));
  // Where the durable part of the chunk holding `durable_seqno` ends.
  uint64_t keep_first = 0, keep_bytes = 0;
  bool keep_whole = false;
  if (durable_seqno > 0 && durable_seqno <= state.last_seqno()) {
    const EntryLocation& at = state.location(durable_seqno);
    const ChunkInfo& chunk = state.chunks[at.chunk];
    keep_first = chunk.first_seqno;
    keep_bytes = at.offset + at.size;
    // Completed in a batch that was made durable: the file is whole.
    keep_whole = chunk.last_seqno == durable_seqno;
  }
  for (const auto& file : files) {
    if (file.first <= durable_seqno && file.first != keep_first) continue;  // entirely durable
    if (file.first == keep_first) {
      if (keep_whole) continue;
      std::fprintf(stderr, "bankd: ledger: %s: discarding what follows offset %llu (not known durable)\n",
                   file.path.c_str(), static_cast<unsigned long long>(keep_bytes));
      BANK_RETURN_IF_ERROR(CutChunk(file.path, keep_bytes));
      if (file.last) {  // completed after the durable point: open again
        const std::string open = directory + "/" + bl::OpenChunkName(file.first);
        if (::rename(file.path.c_str(), open.c_str()) != 0)
          return bank::Status::Internal("cannot rename " + ErrnoMessage(file.path));
      }
      continue;
    }
    std::fprintf(stderr, "bankd: ledger: %s: removing (written after the last durable transaction)\n",
                 file.path.c_str());
    if (::unlink(file.path.c_str()) != 0 && errno != ENOENT)
      return bank::Status::Internal("cannot remove " + ErrnoMessage(file.path));
  }
  return SyncDirectory(directory);
}

}  // namespace bankd::ledger
