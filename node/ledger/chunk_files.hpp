// Chunk files on disk: the appending side (used only by the group-commit
// flusher) and random access to one record (used by receipts).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bank/ledger_format.hpp"
#include "bank/status.hpp"

namespace bankd::ledger {

// Appends framed records to the ledger's chunk files. Chunks are numbered
// 0, 1, 2, ... in the order of the directory's files; appending to a chunk
// number not seen before makes the current file durable, closes it and
// creates the next file, durable in the directory before any record goes in.
class ChunkWriter {
 public:
  explicit ChunkWriter(std::string directory) : directory_(std::move(directory)) {}
  ~ChunkWriter();
  ChunkWriter(const ChunkWriter&) = delete;
  ChunkWriter& operator=(const ChunkWriter&) = delete;

  // Continues the existing chunk `index` stored at `path`, first making
  // its contents and the directory durable.
  bank::Status Reopen(uint32_t index, const std::string& path);
  // Appends to chunk `index`, which starts at `first_seqno` (for its name).
  bank::Status Append(uint32_t index, uint64_t first_seqno, std::string_view records);
  // fdatasync of the current file.
  bank::Status Sync();

 private:
  std::string directory_;
  int fd_ = -1;
  uint32_t index_ = 0;
  std::string path_;
  bool dirty_ = false;  // written since the last Sync
};

// Reads and decodes the record of `size` bytes at `offset` of `path`.
bank::Result<bank::ledger::DecodedEntry> ReadEntryAt(const std::string& path, uint64_t offset, uint32_t size);

}  // namespace bankd::ledger
