// A CCF ledger directory: file names, the chunk layout, and one reader over
// every transaction in order (shared by bankd's replay, `bankctl ledger
// audit` and `bankctl ledger read`). Entries: bank/ledger_entry.hpp.
//
// File names (CCF's src/host/ledger.h):
//   ledger_<first>-<last>.committed   a complete chunk, seqnos first..last
//   ledger_<first>                    the open chunk (still being written)
//   ...ledger_<first>-<last>          complete but not yet known committed
//   <name>.recovery                   written during a recovery (skipped
//                                     unless asked for)
//   <name>.ignored                    set aside by CCF: always skipped
//
// Chunk layout: a u64 (little endian) at offset 0, the offset of the table
// of positions, 0 while the chunk is open; then the serialised transactions
// back to back; then, in a complete chunk, the table: one u32 per
// transaction, the file offset of its header, to the end of the file.
//
// Checks made while reading, each failing with the file, the byte offset
// and the transaction concerned: the table offset lies inside the file and
// leaves a whole number of u32; the table has one position per seqno the
// name promises, and each position is where its transaction really starts;
// the transactions end exactly where the table begins; each file starts at
// the seqno after the previous one; each transaction's IV and public domain
// carry the seqno expected next; views never decrease.
//
// A torn tail: the open chunk of the last file may end inside a transaction
// (a crash while appending), or in the table of positions of a chunk being
// completed before the header announces it. Reading stops before it and
// reports it; it is damage anywhere else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bank/ledger_entry.hpp"
#include "bank/status.hpp"

namespace bank::ledger {

inline constexpr size_t kChunkHeaderSize = 8;

struct LedgerFile {
  std::string path;
  std::string name;
  uint64_t first = 0;
  std::optional<uint64_t> last;  // from the name; nullopt for an open chunk
  bool committed = false;        // ".committed"
  bool recovery = false;         // ".recovery"
};

// nullopt for names that are not ledger files (or are ".ignored").
std::optional<LedgerFile> ParseLedgerFileName(std::string_view name);
std::string CommittedChunkName(uint64_t first, uint64_t last);  // ledger_<f>-<l>.committed
std::string OpenChunkName(uint64_t first);                      // ledger_<f>

struct ListOptions {
  bool uncommitted = false;  // include open and not-yet-committed chunks
  bool recovery = false;     // include ".recovery" chunks
};
// The ledger files of the given directories (or files), ordered by first
// seqno; a name seen in two directories counts once. kInputFile when a
// path cannot be read.
Result<std::vector<LedgerFile>> ListLedgerFiles(const std::vector<std::string>& paths,
                                                const ListOptions& options);

// The table of positions of a chunk's bytes; empty for an open chunk
// (header 0). `entries_end` is where the transactions stop.
struct ChunkLayout {
  uint64_t table_offset = 0;
  std::vector<uint32_t> positions;
  uint64_t entries_end = 0;
};
Result<ChunkLayout> ParseChunkLayout(std::string_view data);
// The table of positions and header of a complete chunk (bankd's writer).
std::string ChunkTrailer(const std::vector<uint32_t>& positions);

// One transaction read from the ledger.
struct ReadEntry {
  size_t file_index = 0;  // into LedgerReader::files()
  uint64_t offset = 0;    // of its header in that file
  EntryFrame frame;       // points into the loaded file: valid until Next()
  PublicDomain domain;
};

struct TornTail {
  std::string file;
  uint64_t offset = 0;  // where the last whole transaction ends
  uint64_t bytes = 0;   // what follows it
  std::string problem;
};

// Where reading failed.
struct ReadError {
  std::string file;
  uint64_t offset = 0;
  std::optional<TxId> txid;  // the transaction concerned, when known
  std::string check;         // "chunk", "entry", "sequence"
  std::string detail;
  Status ToStatus() const;  // kInputFile, "<file> at offset <n> (txid): detail"
};

class LedgerReader {
 public:
  // `expected_first` is the seqno the first file must start at (1, or the
  // one after a snapshot: then earlier files are skipped).
  LedgerReader(std::vector<LedgerFile> files, uint64_t expected_first = 1);

  // True with the next transaction; false at the end (see torn_tail()).
  // After an error, error() says where and reading stops.
  bool Next(ReadEntry* entry);
  const std::optional<ReadError>& error() const { return error_; }
  const std::optional<TornTail>& torn_tail() const { return torn_tail_; }
  const std::vector<LedgerFile>& files() const { return files_; }
  uint64_t next_seqno() const { return next_seqno_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  bool LoadFile();
  bool Fail(uint64_t offset, std::optional<TxId> txid, std::string check, std::string detail);

  std::vector<LedgerFile> files_;
  size_t file_ = 0;
  bool loaded_ = false;
  std::string data_;
  ChunkLayout layout_;
  std::vector<uint32_t> file_positions_;  // of the entries read in this file
  size_t index_in_file_ = 0;
  uint64_t offset_ = 0;
  uint64_t next_seqno_ = 1;
  uint64_t last_view_ = 0;
  uint64_t bytes_read_ = 0;
  std::optional<ReadError> error_;
  std::optional<TornTail> torn_tail_;
};

}  // namespace bank::ledger
