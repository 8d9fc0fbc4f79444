// CCF chunk files on disk (bank/ledger_files.hpp): the appending side, used
// only by the group-commit flusher, and random access to one entry (used
// by receipts).
//
// The open chunk is `ledger_<first>`: an 8-byte header of zeros, then the
// entries. Closing it (at a signature, once the chunk is big enough, as CCF
// does) appends the table of positions, fsyncs, writes the table's offset
// into the header, fsyncs, and renames it `ledger_<first>-<last>.committed`
// (bankd is a single node: durable is committed). A crash part way leaves
// either the open name with the table not yet announced (replay cuts the
// table off as a torn tail and closes the chunk again) or a complete file
// under one of the two names.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bank/status.hpp"

namespace bankd::ledger {

class ChunkWriter {
 public:
  explicit ChunkWriter(std::string directory) : directory_(std::move(directory)) {}
  ~ChunkWriter();
  ChunkWriter(const ChunkWriter&) = delete;
  ChunkWriter& operator=(const ChunkWriter&) = delete;

  // Continues the open chunk `ledger_<first_seqno>`, first making what is
  // in it and the directory durable.
  bank::Status Reopen(uint64_t first_seqno);
  // Appends entries to the open chunk that starts at `first_seqno`,
  // creating it (durably in the directory) when it is not the open one.
  bank::Status Append(uint64_t first_seqno, std::string_view entries);
  // Completes the open chunk, whose entries start at `positions`.
  bank::Status Close(uint64_t last_seqno, const std::vector<uint32_t>& positions);
  // fdatasync of the open chunk.
  bank::Status Sync();

 private:
  std::string directory_;
  int fd_ = -1;
  uint64_t first_ = 0;
  std::string path_;
  bool dirty_ = false;  // written since the last Sync
};

// Tests only: every later ChunkWriter::Sync() fails with `error` (an errno
// such as EIO) without syncing, until called with 0. A failing fsync
// cannot be provoked on demand on a real file system without root-only
// device-mapper tricks; this is the one seam for it.
void InjectSyncFailureForTesting(int error);

// The `size` bytes at `offset` of the chunk starting at `first_seqno`,
// under its committed name when `last_seqno` is set (falling back to the
// open name, which it has until the flusher renames it) or its open name.
bank::Result<std::string> ReadChunkBytes(const std::string& directory, uint64_t first_seqno,
                                         std::optional<uint64_t> last_seqno, uint64_t offset, uint32_t size);

}  // namespace bankd::ledger
