// One CCF ledger entry: parsing and serialising it exactly as CCF does
// (src/kv/generic_serialise_wrapper.h, src/kv/serialised_entry_format.h,
// src/crypto/symmetric_key.h; python/ccf/ledger.py reads the same layout).
//
// Serialised transaction, all integers little endian:
//
//   u8   entry format version          (kFormatVersion, 1)
//   u8   flags                         (kForceChunkAfter 1, kForceChunkBefore 2)
//   u48  size of what follows
//   ---- what follows (the "size" bytes) ----
//   16   AES-GCM tag                   (over the private domain, with the
//                                       public domain as additional data)
//   12   AES-GCM IV                    u64 seqno, u32 view | 1<<31 for a snapshot
//   u64  public domain size
//   public domain                      (plaintext, see below)
//   private domain                     (ciphertext, to the end; may be empty)
//
// Public domain:
//   u8   entry type                    (EntryType)
//   i64  version (the seqno)
//   [32  claims digest]                for types with claims
//   [32  commit evidence digest]       for types with commit evidence
//   i64  max conflict version
//   [snapshot header: u64 n + n bytes hash at snapshot,
//                     u64 n + n bytes view history (u64 each)]
//   per table, to the end of the domain:
//     u64 n + n bytes table name
//     write sets:  u64 read version, u64 read count (0 in a ledger),
//                  u64 write count, per write (u64 n + key, u64 n + value),
//                  u64 remove count, per remove (u64 n + key)
//     snapshots:   u64 table version, u64 n bytes of entries, each entry
//                  (u64 n + key, padded to 8; u64 n + (u64 version || value),
//                  padded to 8; a negative version is a tombstone)
//
// The write set digest is SHA-256 of the whole serialised transaction (the
// 8-byte header included); the Merkle leaf is
// SHA-256(write_set_digest || commit_evidence_digest || claims_digest), with
// the absent parts left out (bank/merkle.hpp).
//
// Every length read from the bytes is checked before it is used; errors
// (kInputFile) say at which offset of the entry the problem is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bank/hash.hpp"
#include "bank/status.hpp"
#include "bank/txid.hpp"
#include "bank/write_set.hpp"

namespace bank::ledger {

inline constexpr uint8_t kFormatVersion = 1;
inline constexpr size_t kEntryHeaderSize = 8;
inline constexpr size_t kGcmTagSize = 16;
inline constexpr size_t kGcmIvSize = 12;
inline constexpr size_t kGcmHeaderSize = kGcmTagSize + kGcmIvSize;
inline constexpr uint64_t kMaxEntrySize = uint64_t{1} << 30;  // as CCF's tools
inline constexpr uint8_t kForceChunkAfter = 1;
inline constexpr uint8_t kForceChunkBefore = 2;
inline constexpr uint32_t kSnapshotViewBit = 0x80000000u;

enum class EntryType : uint8_t {
  kWriteSet = 0,
  kSnapshot = 1,
  kWriteSetWithClaims = 2,
  kWriteSetWithCommitEvidence = 3,
  kWriteSetWithCommitEvidenceAndClaims = 4,
};
bool HasClaims(EntryType t);
bool HasCommitEvidence(EntryType t);
const char* EntryTypeName(EntryType t);

// The key CCF uses for the one row of a single-value table (u64 0).
inline const std::string kSingletonKey(8, '\0');

struct TableWrite {
  std::string key;
  std::optional<std::string> value;  // nullopt: removed (or a tombstone)
  int64_t version = 0;               // snapshots only
  friend bool operator==(const TableWrite&, const TableWrite&) = default;
};

struct Table {
  std::string name;
  uint64_t version = 0;  // read version (write sets) / table version (snapshots)
  std::vector<TableWrite> writes;
  // The value written to `key` (nullopt when not written or removed).
  std::optional<std::string_view> Get(std::string_view key) const;
  friend bool operator==(const Table&, const Table&) = default;
};

struct PublicDomain {
  EntryType type = EntryType::kWriteSetWithCommitEvidenceAndClaims;
  int64_t version = 0;
  std::optional<Digest> claims_digest;
  std::optional<Digest> commit_evidence_digest;
  int64_t max_conflict_version = 0;
  // Snapshots only.
  std::string hash_at_snapshot;
  std::vector<uint64_t> view_history;
  std::vector<Table> tables;

  const Table* Find(std::string_view name) const;
  friend bool operator==(const PublicDomain&, const PublicDomain&) = default;
};

// The framing of one serialised transaction, pointing into the bytes given.
struct EntryFrame {
  uint8_t format_version = 0;
  uint8_t flags = 0;
  std::string_view raw;  // header + size bytes: what the write set digest covers
  std::string_view gcm_tag;
  std::string_view gcm_iv;
  TxId txid;              // from the IV
  bool snapshot = false;  // the IV's snapshot bit
  std::string_view public_domain;
  std::string_view private_domain;  // ciphertext
};

// Parses the transaction that starts at `data[0]`; `data` may go on after it
// (the frame's raw.size() says where it ends). Checks the format version,
// the flags, that the size fits in `data` and that the public domain fits.
Result<EntryFrame> ParseFrame(std::string_view data);
Result<PublicDomain> ParsePublicDomain(std::string_view bytes);
// The tables of a decrypted private domain (the same layout as the public
// domain's tables, without its header).
Result<std::vector<Table>> ParsePrivateDomain(std::string_view plaintext, bool snapshot = false);

Digest WriteSetDigest(const EntryFrame& frame);
// The entry's Merkle leaf.
Digest LeafOf(const EntryFrame& frame, const PublicDomain& domain);

// ---- Serialising (bankd) ---------------------------------------------------

void AppendPublicDomain(const PublicDomain& domain, std::string* out);
// A private domain's plaintext: its tables.
void AppendTables(const std::vector<Table>& tables, bool snapshot, std::string* out);
// One table of a write set (no reads), from writes held elsewhere (bankd
// encodes a transaction's writes where they are): `writes` all name it.
void AppendWriteSetTable(std::string_view name, const std::vector<const Write*>& writes, std::string* out);
// A snapshot table written row by row, for rows held elsewhere (bankd
// encodes its store's rows where they are): BeginSnapshotTable, then
// AppendSnapshotRow per row (a tombstone without a value), then
// EndSnapshotTable with what Begin returned.
size_t BeginSnapshotTable(std::string_view name, uint64_t version, std::string* out);
void AppendSnapshotRow(std::string_view key, const std::string* value, int64_t version, std::string* out);
void EndSnapshotTable(size_t begun_at, std::string* out);
// A transaction is built in one buffer, so that a snapshot (the whole
// store) is never copied: StartEntry appends the head (header, room for
// the GCM tag, the IV for `txid` with `snapshot`'s bit, the public domain)
// to `out`, which may already hold bytes before the entry (bankd puts its
// snapshots at a page boundary), and returns where the private domain
// starts; the caller appends the private domain's plaintext; SealEntry
// (bank/ledger_secret.hpp) then encrypts it in place and fills in the
// entry's size and tag.
size_t StartEntry(uint8_t flags, const TxId& txid, bool snapshot, std::string_view public_domain,
                  std::string* out);
// The 12-byte IV for a transaction.
std::string GcmIv(const TxId& txid, bool snapshot);

}  // namespace bank::ledger
