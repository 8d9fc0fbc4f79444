#include "ledger/serialiser.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <map>

#include "bank/ledger_secret.hpp"

namespace bankd::ledger {

namespace bl = bank::ledger;

namespace {

// The public tables of a transaction, copied into its public domain (they
// are few: governance and CCF's own tables).
void AppendPublic(std::vector<bl::Table>* tables,
                  const std::map<std::string_view, std::vector<const bl::Write*>>& by_table) {
  for (const auto& [name, writes] : by_table) {
    if (!bl::IsPublicTable(name)) continue;
    bl::Table t;
    t.name = std::string(name);
    t.writes.reserve(writes.size());
    for (const bl::Write* w : writes) t.writes.push_back({w->key, w->value, 0});
    tables->push_back(std::move(t));
  }
}

constexpr size_t kPageSize = 4096;

// An upper bound of the snapshot form of `tables`: each name, key and
// versioned value with its size and at most 7 bytes of padding.
size_t SnapshotTablesSize(const std::vector<kv::TableImage>& tables) {
  size_t size = 0;
  for (const auto& t : tables) {
    size += 24 + t.name.size();
    for (const auto& row : t.rows) size += 8 + row->key.size() + 7 + 16 + row->value.size() + 7;
  }
  return size;
}

// Asks for huge pages under the reserved capacity of `buffer`: writing a
// fresh buffer of a snapshot's size is mostly page faults on a virtual
// machine (bankd's profile, bench/RESULTS.md), and a 2 MiB page takes one
// fault where 4 KiB pages take 512. Only advice: without transparent huge
// pages (or with them off) nothing changes.
void AdviseHugePages(std::string* buffer) {
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<uintptr_t>(buffer->data());
  const uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t end = (begin + buffer->capacity()) & ~(kHugePage - 1);
  if (end > first) ::madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);
}

}  // namespace

bank::Result<SerialisedTx> Serialiser::Serialise(const bank::TxId& txid, const bl::WriteSet& writes,
                                                 const bank::Digest& claims_digest,
                                                 std::string_view commit_evidence, uint8_t flags,
                                                 std::string buffer) const {
  std::map<std::string_view, std::vector<const bl::Write*>> by_table;
  for (const auto& w : writes) by_table[w.table].push_back(&w);

  bl::PublicDomain domain;
  domain.type = bl::EntryType::kWriteSetWithCommitEvidenceAndClaims;
  domain.version = static_cast<int64_t>(txid.seqno);
  domain.claims_digest = claims_digest;
  domain.commit_evidence_digest = bank::Sha256(commit_evidence);
  AppendPublic(&domain.tables, by_table);
  std::string public_bytes;
  bl::AppendPublicDomain(domain, &public_bytes);

  // The entry's size, bounded from above, so that it is built without
  // reallocations (growing it by doubling was 12% of a transfer's CPU).
  size_t size = bl::kEntryHeaderSize + bl::kGcmHeaderSize + 8 + public_bytes.size();
  for (const auto& [name, table_writes] : by_table) {
    size += 40 + name.size();  // name, version, reads, puts and removals
    for (const bl::Write* w : table_writes) size += 16 + w->key.size() + (w->value ? w->value->size() : 0);
  }
  SerialisedTx out;
  out.bytes = std::move(buffer);
  out.bytes.clear();
  out.bytes.reserve(size);
  const size_t private_at = bl::StartEntry(flags, txid, false, public_bytes, &out.bytes);
  for (const auto& [name, table_writes] : by_table)  // the private domain, encoded where the writes are
    if (!bl::IsPublicTable(name)) bl::AppendWriteSetTable(name, table_writes, &out.bytes);
  BANK_RETURN_IF_ERROR(bl::SealEntry(secret_, private_at, &out.bytes));
  out.write_set_digest = bank::Sha256(out.bytes);
  out.leaf = bank::Sha256Concat({out.write_set_digest, *domain.commit_evidence_digest, claims_digest});
  return out;
}

bank::Result<bl::WriteSet> Serialiser::Writes(const bl::EntryFrame& frame,
                                              const bl::PublicDomain& domain) const {
  std::string plain;
  BANK_RETURN_IF_ERROR(Open(frame, &plain));
  return WritesOf(domain, plain);
}

bank::Status Serialiser::Open(const bl::EntryFrame& frame, std::string* plaintext) const {
  return bl::OpenDomainsInto(secret_, frame, plaintext);
}

bank::Result<bl::WriteSet> Serialiser::WritesOf(const bl::PublicDomain& domain,
                                                std::string_view plaintext) const {
  BANK_ASSIGN_OR_RETURN(auto private_tables, bl::ParsePrivateDomain(plaintext));
  size_t count = 0;
  for (const auto& t : domain.tables) count += t.writes.size();
  for (const auto& t : private_tables) count += t.writes.size();
  bl::WriteSet out;
  out.reserve(count);
  // The public domain is the caller's: copied. The private tables were
  // parsed here: their keys and values move (a replay is mostly this).
  for (const auto& t : domain.tables)
    for (const auto& w : t.writes) out.push_back(bl::Write{t.name, w.key, w.value});
  for (auto& t : private_tables)
    for (auto& w : t.writes) out.push_back(bl::Write{t.name, std::move(w.key), std::move(w.value)});
  return out;
}

bank::Status Serialiser::SerialiseSnapshot(const bank::TxId& txid, const bank::Digest& leaf,
                                           const std::vector<uint64_t>& view_history, kv::StoreImage image,
                                           SnapshotBuffer* out) const {
  bl::PublicDomain domain;
  domain.type = bl::EntryType::kSnapshot;
  domain.version = static_cast<int64_t>(txid.seqno);
  domain.hash_at_snapshot.assign(reinterpret_cast<const char*>(leaf.data()), leaf.size());
  domain.view_history = view_history;
  std::vector<kv::TableImage> private_tables;
  for (auto& t : image.tables) {
    if (!bl::IsPublicTable(t.name)) {
      private_tables.push_back(std::move(t));
      continue;
    }
    // Governance and CCF's internal tables: small, copied into the domain.
    bl::Table copy{t.name, t.version, {}};
    copy.writes.reserve(t.rows.size());
    for (const auto& row : t.rows)
      copy.writes.push_back({row->key, row->value, static_cast<int64_t>(row->version)});
    domain.tables.push_back(std::move(copy));
  }
  std::string public_bytes;
  bl::AppendPublicDomain(domain, &public_bytes);
  // One buffer for the whole entry, the private domain encrypted where it
  // is encoded. The receipt is appended after the entry: a few kilobytes
  // (a path of log2(seqno) hashes and a certificate); room for it is
  // reserved so that appending it does not copy the whole snapshot again.
  constexpr size_t kReceiptRoom = 64 * 1024;
  std::string& bytes = out->bytes;
  bytes.clear();
  const size_t needed = kPageSize + bl::kEntryHeaderSize + bl::kGcmHeaderSize + 8 + public_bytes.size() +
                        SnapshotTablesSize(private_tables) + kReceiptRoom;
  if (bytes.capacity() < needed) {
    // The old buffer goes before the bigger one comes. A store grows, and
    // snapshots follow it (about 1.5x apart at the default
    // snapshots.min_ledger_growth): twice the size leaves room for the
    // next ones, so that a new snapshot faults in only the pages it adds
    // (untouched, the reserve is address space, not memory).
    std::string().swap(bytes);
    bytes.reserve(2 * needed);
    AdviseHugePages(&bytes);
  }
  out->at = (kPageSize - reinterpret_cast<uintptr_t>(bytes.data()) % kPageSize) % kPageSize;
  bytes.append(out->at, '\0');
  const size_t private_at = bl::StartEntry(0, txid, true, public_bytes, &bytes);
  for (const auto& t : private_tables) {
    const size_t begun_at = bl::BeginSnapshotTable(t.name, t.version, &bytes);
    for (const auto& row : t.rows)
      bl::AppendSnapshotRow(row->key, &row->value, static_cast<int64_t>(row->version), &bytes);
    bl::EndSnapshotTable(begun_at, &bytes);
  }
  private_tables.clear();
  image = {};  // encoded: the rows the store retired meanwhile go now
  return bl::SealEntry(secret_, private_at, &bytes, out->at);
}

bank::Result<std::vector<bl::Table>> Serialiser::SnapshotTables(const bl::EntryFrame& frame,
                                                                bl::PublicDomain&& domain) const {
  BANK_ASSIGN_OR_RETURN(auto plain, bl::OpenDomains(secret_, frame));
  BANK_ASSIGN_OR_RETURN(auto private_tables, bl::ParsePrivateDomain(plain, true));
  std::vector<bl::Table> out = std::move(domain.tables);
  for (auto& t : private_tables) out.push_back(std::move(t));
  return out;
}

}  // namespace bankd::ledger
