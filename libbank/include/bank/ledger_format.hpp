// bankd's ledger: the entry format and the chunk-file framing, shared by the
// node (writer) and `bankctl ledger audit` (offline reader).
//
// Directory. A ledger is a directory of chunk files named
// `ledger_<first seqno>.chunk` (decimal, no padding; order by the number,
// not by name). Each chunk holds consecutive transactions; the first record
// of `ledger_<N>.chunk` is seqno N and the next chunk starts where it ends.
// Other files in the directory (the node's ledger secret, a lock file) are
// not part of the ledger.
//
// Record framing. A chunk file is a sequence of records and nothing else:
//
//   u32  payload length                    (little endian, at most
//                                           kMaxPayloadBytes)
//   u32  CRC-32C of the 4 length bytes     (so a damaged length is caught as
//                                           damage, never taken for a torn tail)
//   u32  CRC-32C of the payload
//   payload (one encoded Entry)
//
// CRC-32C is Castagnoli's (reflected, init and xor-out 0xffffffff), computed
// with Boost.CRC. The checksum detects damage; tamper evidence comes from
// the Merkle tree and the signatures, which the audit re-verifies.
//
// Torn tail versus damage. A crash can leave the last record of the last
// file incomplete: fewer than 12 header bytes, or a valid header whose
// payload runs past the end of the file, or (on file systems that extend a
// file before its data lands) nothing but zero bytes from a record boundary
// to the end. That is a torn tail: those bytes were never covered by an
// fsync, so no transaction in them was ever reported committed, and the
// node cuts them off. Anything else that does not parse (a header checksum
// mismatch, a payload checksum mismatch even on the very last record, an
// incomplete record in any file but the last) is damage: the reader fails
// naming the file and the offset of the record.
//
// Entry (the payload). Little endian; `str` is a u32 byte length then the
// bytes; fields in this order:
//
//   u8   format version               (kEntryFormatVersion)
//   u8   kind                         (1 write, 2 signature)
//   u64  view
//   u64  seqno                        (1 for the first transaction)
//   i64  timestamp, ms since the Unix epoch
//   str  commit evidence              "ce:<view>.<seqno>:<64 hex>"
//   u8   flags                        bit 0: claims digest follows,
//                                     bit 1: claim text follows
//   [32 bytes claims digest]
//   [str claim text]                  (then the digest is its SHA-256)
//   write set, to the end of the payload:
//     u32  number of writes
//     per write: str table, str key, u8 op (0 remove, 1 put), [str value]
//
// write_set_digest = SHA-256 of the write-set bytes exactly as they appear
// in the payload (from the u32 count to the end).
//
// Merkle leaf (index seqno - 1), as CCF:
//   SHA-256(write_set_digest || SHA-256(commit_evidence) || claims_digest).
// bankd always records a claims digest: SHA-256(claim) when the transaction
// set a claim, else 32 zero bytes (as CCF emits). An entry without one gets
// the two-component leaf of older CCF receipts.
//
// Signature transactions (kind 2) write exactly one key: table
// kSignaturesTable, key kSignatureKey, value the JSON of SignatureRecord:
//   {"seqno": S, "view": V, "node": "<node id>", "root": "<64 hex>",
//    "sig": "<base64 DER ECDSA>", "cert": "<node cert PEM>"}
// where S.V is the signature transaction's own id, node id is the hex
// SHA-256 of the node certificate's public key (DER SPKI), and sig is ECDSA
// by the node key over the 32-byte root used directly as a prehashed digest.
// The root is that of the tree of the first S - 1 leaves: every transaction
// before the signature; the signature transaction itself is then leaf S - 1.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bank/hash.hpp"
#include "bank/status.hpp"
#include "bank/txid.hpp"

namespace bank::ledger {

// One key written (value) or removed (nullopt) in a table.
struct Write {
  std::string table;
  std::string key;
  std::optional<std::string> value;
  friend bool operator==(const Write&, const Write&) = default;
};
using WriteSet = std::vector<Write>;

inline constexpr uint8_t kEntryFormatVersion = 1;
inline constexpr std::string_view kSignaturesTable = "public:ccf.internal.signatures";
inline constexpr std::string_view kSignatureKey = "0";

enum class EntryKind : uint8_t { kWrite = 1, kSignature = 2 };

struct Entry {
  EntryKind kind = EntryKind::kWrite;
  TxId txid;
  int64_t timestamp_ms = 0;
  std::string commit_evidence;
  std::optional<Digest> claims_digest;
  std::optional<std::string> claim;
  WriteSet writes;
  friend bool operator==(const Entry&, const Entry&) = default;
};

struct EncodedEntry {
  std::string payload;
  Digest write_set_digest;
};
EncodedEntry EncodeEntry(const Entry& entry);

struct DecodedEntry {
  Entry entry;
  Digest write_set_digest;
  // The entry's Merkle leaf (see the header comment).
  Digest Leaf() const;
};
// Fails (kInputFile) on anything but a well-formed entry: unknown version or
// kind, truncated or trailing bytes, a commit evidence that does not name
// the entry's own txid, a claim whose SHA-256 is not the claims digest.
Result<DecodedEntry> DecodeEntry(std::string_view payload);

// "ce:<view>.<seqno>:<64 hex nonce>".
std::string FormatCommitEvidence(const TxId& txid, const Digest& nonce);

// ---- Framing -------------------------------------------------------------

inline constexpr size_t kRecordHeaderBytes = 12;
inline constexpr size_t kMaxPayloadBytes = size_t{1} << 30;

// Appends one framed record holding `payload` (at most kMaxPayloadBytes)
// to `out`.
void AppendRecord(std::string_view payload, std::string* out);

enum class FrameStatus {
  kRecord,      // a whole record; `payload` and `size` are set
  kEnd,         // offset is the end of the data
  kIncomplete,  // the data ends inside a record (a torn tail, if last)
  kCorrupt,     // a checksum does not match, or an impossible length
};
struct Frame {
  FrameStatus status = FrameStatus::kEnd;
  std::string_view payload;  // points into the data passed in
  size_t size = 0;           // header + payload bytes
  std::string problem;       // why, for kIncomplete and kCorrupt
};
// Parses the record starting at `offset` of one chunk file's bytes. An
// all-zero remainder is reported as kIncomplete (see "torn tail" above).
Frame ParseRecord(std::string_view data, size_t offset);

// ---- Directory reader ----------------------------------------------------

struct ChunkFile {
  std::string path;
  uint64_t first_seqno = 0;  // from the file name
};
// "ledger_<seqno>.chunk" for a first seqno.
std::string ChunkFileName(uint64_t first_seqno);
// The chunk files of `directory`, ordered by first seqno (an empty list for
// an empty directory). A missing or unreadable directory is kInputFile.
Result<std::vector<ChunkFile>> ListChunkFiles(const std::string& directory);

struct Record {
  size_t chunk_index = 0;     // into LedgerReader::chunks()
  uint64_t offset = 0;        // of the record header in that file
  uint64_t size = 0;          // header + payload bytes
  std::string_view payload;   // valid until the next call to Next()
};

// The incomplete end of the last chunk file.
struct TornTail {
  std::string file;
  uint64_t offset = 0;  // where the last whole record ends
  uint64_t bytes = 0;   // how many bytes follow it
  std::string problem;
};

// Iterates every record of a ledger directory in order, one chunk file in
// memory at a time. Checks framing only, plus that no chunk but the last
// ends in an incomplete record; entry contents and seqno continuity are the
// caller's to check (DecodeEntry, then bank/ledger_verifier.hpp).
class LedgerReader {
 public:
  static Result<LedgerReader> Open(const std::string& directory);

  // True with the next record; false at the end of the ledger. Damage is an
  // error (kInputFile) naming the file and the record's offset.
  Result<bool> Next(Record* record);
  // Set once Next() has returned false, when the last file has a torn tail.
  const std::optional<TornTail>& torn_tail() const { return torn_tail_; }
  const std::vector<ChunkFile>& chunks() const { return chunks_; }

 private:
  explicit LedgerReader(std::vector<ChunkFile> chunks) : chunks_(std::move(chunks)) {}
  Status LoadChunk(size_t index);

  std::vector<ChunkFile> chunks_;
  size_t chunk_ = 0;       // index of the loaded chunk
  bool loaded_ = false;
  std::string data_;       // its bytes
  size_t offset_ = 0;      // next record in data_
  std::optional<TornTail> torn_tail_;
};

// "<file> at offset <n>: <what>", the shape of every ledger error message.
std::string AtOffset(const std::string& file, uint64_t offset, const std::string& what);

// ---- Signature transactions ----------------------------------------------

struct SignatureRecord {
  TxId txid;              // the signature transaction itself
  std::string node_id;    // hex SHA-256 of the node key's SPKI
  Digest root;            // of the first txid.seqno - 1 leaves
  Bytes signature;        // DER ECDSA over `root` as a prehashed digest
  std::string cert_pem;   // the node certificate

  std::string ToJson() const;
  static Result<SignatureRecord> FromJson(std::string_view json);
};

// The signature record of a signature entry (which must write exactly that
// one key, with a record naming the entry's own txid).
Result<SignatureRecord> SignatureOf(const Entry& entry);
// Checks that `record` signs `expected_root` with the key of its certificate
// and that its node id is that key's id. kVerifyFailed says which part fails.
Status VerifySignature(const SignatureRecord& record, const Digest& expected_root);

}  // namespace bank::ledger
