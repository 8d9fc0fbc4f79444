#include "bank/ledger_entry.hpp"

#include <fmt/format.h>

#include <cstring>

#include "bank/json_text.hpp"

namespace bank::ledger {
namespace {

// A cursor over bytes that never reads past the end: every read checks the
// length first and fails naming the offset.
class Cursor {
 public:
  Cursor(std::string_view data, const char* what) : data_(data), what_(what) {}

  size_t offset() const { return pos_; }
  bool done() const { return pos_ >= data_.size(); }
  size_t left() const { return data_.size() - pos_; }

  Status Fail(const std::string& why) const {
    return Status::InputFile(fmt::format("{} at byte {}: {}", what_, pos_, why));
  }
  Result<std::string_view> Take(uint64_t n, const char* field) {
    if (n > left()) return Fail(fmt::format("{} needs {} bytes, {} left", field, n, left()));
    auto v = data_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  Result<uint64_t> U64(const char* field) {
    BANK_ASSIGN_OR_RETURN(auto b, Take(8, field));
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(b[i]);
    return v;
  }
  Result<std::string_view> Blob(const char* field) {
    BANK_ASSIGN_OR_RETURN(uint64_t n, U64(field));
    return Take(n, field);
  }
  Result<Digest> Hash(const char* field) {
    BANK_ASSIGN_OR_RETURN(auto b, Take(32, field));
    Digest d;
    std::memcpy(d.data(), b.data(), 32);
    return d;
  }
  Status Skip(uint64_t n, const char* field) { return ToStatus(Take(n, field)); }

 private:
  std::string_view data_;
  const char* what_;
  size_t pos_ = 0;
};

uint64_t LoadLe(std::string_view b) {
  uint64_t v = 0;
  for (size_t i = b.size(); i-- > 0;) v = (v << 8) | static_cast<uint8_t>(b[i]);
  return v;
}

void PutLe(uint64_t v, size_t bytes, std::string* out) {
  // One append, not one push_back per byte: a snapshot writes three of
  // these per row, and byte by byte they were a tenth of its encoding.
  char le[8];
  for (size_t i = 0; i < 8; ++i) le[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out->append(le, bytes);
}
void PutU64(uint64_t v, std::string* out) { PutLe(v, 8, out); }
void PutBlob(std::string_view b, std::string* out) {
  PutU64(b.size(), out);
  out->append(b);
}
void PutHash(const Digest& d, std::string* out) {
  out->append(reinterpret_cast<const char*>(d.data()), d.size());
}

Status ReadSnapshotTable(Cursor& c, Table* t) {
  BANK_ASSIGN_OR_RETURN(t->version, c.U64("table version"));
  BANK_ASSIGN_OR_RETURN(auto entries, c.Blob("table entries"));
  Cursor e(entries, "snapshot table entries");
  while (!e.done()) {
    TableWrite w;
    BANK_ASSIGN_OR_RETURN(auto key, e.Blob("key"));
    BANK_RETURN_IF_ERROR(e.Skip((8 - key.size() % 8) % 8, "key padding"));
    BANK_ASSIGN_OR_RETURN(auto value, e.Blob("value"));
    BANK_RETURN_IF_ERROR(e.Skip((8 - value.size() % 8) % 8, "value padding"));
    if (value.size() < 8) return e.Fail("versioned value shorter than its version");
    w.key = std::string(key);
    w.version = static_cast<int64_t>(LoadLe(value.substr(0, 8)));
    if (w.version >= 0)
      w.value = std::string(value.substr(8));
    else if (value.size() != 8)
      return e.Fail("tombstone with a value");
    t->writes.push_back(std::move(w));
  }
  return Status::OK();
}

Status ReadWriteSetTable(Cursor& c, Table* t) {
  BANK_ASSIGN_OR_RETURN(t->version, c.U64("read version"));
  BANK_ASSIGN_OR_RETURN(uint64_t reads, c.U64("read count"));
  if (reads != 0) return c.Fail(fmt::format("{} reads recorded (a ledger records none)", reads));
  BANK_ASSIGN_OR_RETURN(uint64_t writes, c.U64("write count"));
  // Each write takes at least 16 bytes: a count beyond that is damage, and
  // checking it first keeps a damaged count from reserving memory.
  if (writes > c.left() / 16) return c.Fail(fmt::format("write count {} exceeds the domain", writes));
  for (uint64_t i = 0; i < writes; ++i) {
    BANK_ASSIGN_OR_RETURN(auto key, c.Blob("key"));
    BANK_ASSIGN_OR_RETURN(auto value, c.Blob("value"));
    t->writes.push_back({std::string(key), std::string(value), 0});
  }
  BANK_ASSIGN_OR_RETURN(uint64_t removes, c.U64("remove count"));
  if (removes > c.left() / 8) return c.Fail(fmt::format("remove count {} exceeds the domain", removes));
  for (uint64_t i = 0; i < removes; ++i) {
    BANK_ASSIGN_OR_RETURN(auto key, c.Blob("removed key"));
    t->writes.push_back({std::string(key), std::nullopt, 0});
  }
  return Status::OK();
}

Status ReadTables(Cursor& c, bool snapshot, std::vector<Table>* tables) {
  while (!c.done()) {
    Table table;
    BANK_ASSIGN_OR_RETURN(auto name, c.Blob("table name"));
    table.name = std::string(name);
    if (table.name.empty()) return c.Fail("empty table name");
    Status s = snapshot ? ReadSnapshotTable(c, &table) : ReadWriteSetTable(c, &table);
    if (!s.ok()) return s.WithContext("table " + Quoted(table.name));
    tables->push_back(std::move(table));
  }
  return Status::OK();
}

}  // namespace

// A snapshot table is written in place, its size patched in after: a
// snapshot holds the whole store, and a copy per table or per entry showed
// in bankd's profile.
size_t BeginSnapshotTable(std::string_view name, uint64_t version, std::string* out) {
  PutBlob(name, out);
  PutU64(version, out);
  const size_t size_at = out->size();
  PutU64(0, out);
  return size_at;
}

void AppendSnapshotRow(std::string_view key, const std::string* value, int64_t version, std::string* out) {
  PutBlob(key, out);
  out->append((8 - key.size() % 8) % 8, '\0');
  const size_t value_size = 8 + (value != nullptr ? value->size() : 0);  // version, then the value
  PutU64(value_size, out);
  PutU64(static_cast<uint64_t>(value != nullptr ? version : -1), out);
  if (value != nullptr) out->append(*value);
  out->append((8 - value_size % 8) % 8, '\0');
}

void EndSnapshotTable(size_t begun_at, std::string* out) {
  const uint64_t size = out->size() - begun_at - 8;
  for (size_t i = 0; i < 8; ++i) (*out)[begun_at + i] = static_cast<char>((size >> (8 * i)) & 0xff);
}

namespace {

// A table's write-set form (no reads): its puts, then its removals. `get`
// gives a write's key and value (null for a removal).
template <typename Writes, typename Get>
void PutWriteSetTable(std::string_view name, uint64_t version, const Writes& writes, Get get,
                      std::string* out) {
  PutBlob(name, out);
  PutU64(version, out);
  PutU64(0, out);  // reads
  size_t puts = 0;
  for (const auto& w : writes) puts += get(w).second != nullptr;
  PutU64(puts, out);
  for (const auto& w : writes)
    if (auto [key, value] = get(w); value != nullptr) PutBlob(key, out), PutBlob(*value, out);
  PutU64(writes.size() - puts, out);
  for (const auto& w : writes)
    if (auto [key, value] = get(w); value == nullptr) PutBlob(key, out);
}

}  // namespace

void AppendWriteSetTable(std::string_view name, const std::vector<const Write*>& writes, std::string* out) {
  PutWriteSetTable(
      name, 0, writes,
      [](const Write* w) {
        return std::pair<std::string_view, const std::string*>(w->key, w->value ? &*w->value : nullptr);
      },
      out);
}

void AppendTables(const std::vector<Table>& tables, bool snapshot, std::string* out) {
  for (const auto& t : tables) {
    if (snapshot) {
      const size_t begun_at = BeginSnapshotTable(t.name, t.version, out);
      for (const auto& w : t.writes) AppendSnapshotRow(w.key, w.value ? &*w.value : nullptr, w.version, out);
      EndSnapshotTable(begun_at, out);
      continue;
    }
    PutWriteSetTable(
        t.name, t.version, t.writes,
        [](const TableWrite& w) {
          return std::pair<std::string_view, const std::string*>(w.key, w.value ? &*w.value : nullptr);
        },
        out);
  }
}

bool HasClaims(EntryType t) {
  return t == EntryType::kWriteSetWithClaims || t == EntryType::kWriteSetWithCommitEvidenceAndClaims;
}
bool HasCommitEvidence(EntryType t) {
  return t == EntryType::kWriteSetWithCommitEvidence || t == EntryType::kWriteSetWithCommitEvidenceAndClaims;
}
const char* EntryTypeName(EntryType t) {
  switch (t) {
    case EntryType::kWriteSet:
      return "WriteSet";
    case EntryType::kSnapshot:
      return "Snapshot";
    case EntryType::kWriteSetWithClaims:
      return "WriteSetWithClaims";
    case EntryType::kWriteSetWithCommitEvidence:
      return "WriteSetWithCommitEvidence";
    case EntryType::kWriteSetWithCommitEvidenceAndClaims:
      return "WriteSetWithCommitEvidenceAndClaims";
  }
  return "?";
}

std::optional<std::string_view> Table::Get(std::string_view key) const {
  for (const auto& w : writes)
    if (w.key == key) return w.value ? std::optional<std::string_view>(*w.value) : std::nullopt;
  return std::nullopt;
}

const Table* PublicDomain::Find(std::string_view name) const {
  for (const auto& t : tables)
    if (t.name == name) return &t;
  return nullptr;
}

Result<EntryFrame> ParseFrame(std::string_view data) {
  Cursor c(data, "entry");
  BANK_ASSIGN_OR_RETURN(auto header, c.Take(kEntryHeaderSize, "entry header"));
  EntryFrame f;
  f.format_version = static_cast<uint8_t>(header[0]);
  f.flags = static_cast<uint8_t>(header[1]);
  if (f.format_version != kFormatVersion)
    return Status::InputFile(
        fmt::format("entry at byte 0: format version {} (expected {})", f.format_version, kFormatVersion));
  if ((f.flags & ~(kForceChunkAfter | kForceChunkBefore)) != 0)
    return Status::InputFile(fmt::format("entry at byte 1: unknown flags {:#x}", f.flags));
  uint64_t size = LoadLe(header.substr(2, 6));
  if (size < kGcmHeaderSize + 8 || size > kMaxEntrySize)
    return Status::InputFile(fmt::format("entry at byte 2: impossible size {}", size));
  BANK_ASSIGN_OR_RETURN(auto body, c.Take(size, "entry (size from its header)"));
  f.raw = data.substr(0, kEntryHeaderSize + size);
  Cursor b(body, "entry body");
  BANK_ASSIGN_OR_RETURN(f.gcm_tag, b.Take(kGcmTagSize, "GCM tag"));
  BANK_ASSIGN_OR_RETURN(f.gcm_iv, b.Take(kGcmIvSize, "GCM IV"));
  f.txid.seqno = LoadLe(f.gcm_iv.substr(0, 8));
  auto view_word = static_cast<uint32_t>(LoadLe(f.gcm_iv.substr(8, 4)));
  f.snapshot = (view_word & kSnapshotViewBit) != 0;
  f.txid.view = view_word & ~kSnapshotViewBit;
  auto pd = b.Blob("public domain");
  if (!pd.ok()) return pd.status().WithContext("entry (offsets from byte 8)");
  f.public_domain = *pd;
  f.private_domain = body.substr(b.offset());
  return f;
}

Result<PublicDomain> ParsePublicDomain(std::string_view bytes) {
  Cursor c(bytes, "public domain");
  PublicDomain d;
  BANK_ASSIGN_OR_RETURN(auto type, c.Take(1, "entry type"));
  auto t = static_cast<uint8_t>(type[0]);
  if (t > static_cast<uint8_t>(EntryType::kWriteSetWithCommitEvidenceAndClaims))
    return Status::InputFile(fmt::format("public domain at byte 0: unknown entry type {}", t));
  d.type = static_cast<EntryType>(t);
  BANK_ASSIGN_OR_RETURN(uint64_t version, c.U64("version"));
  d.version = static_cast<int64_t>(version);
  if (HasClaims(d.type)) {
    BANK_ASSIGN_OR_RETURN(d.claims_digest, c.Hash("claims digest"));
  }
  if (HasCommitEvidence(d.type)) {
    BANK_ASSIGN_OR_RETURN(d.commit_evidence_digest, c.Hash("commit evidence digest"));
  }
  BANK_ASSIGN_OR_RETURN(uint64_t mcv, c.U64("max conflict version"));
  d.max_conflict_version = static_cast<int64_t>(mcv);
  if (d.type == EntryType::kSnapshot) {
    BANK_ASSIGN_OR_RETURN(auto hash, c.Blob("hash at snapshot"));
    d.hash_at_snapshot = std::string(hash);
    BANK_ASSIGN_OR_RETURN(auto views, c.Blob("view history"));
    if (views.size() % 8 != 0) return c.Fail("view history is not a list of u64");
    for (size_t i = 0; i < views.size(); i += 8) d.view_history.push_back(LoadLe(views.substr(i, 8)));
  }
  BANK_RETURN_IF_ERROR(ReadTables(c, d.type == EntryType::kSnapshot, &d.tables));
  return d;
}

Result<std::vector<Table>> ParsePrivateDomain(std::string_view plaintext, bool snapshot) {
  Cursor c(plaintext, "private domain");
  std::vector<Table> tables;
  BANK_RETURN_IF_ERROR(ReadTables(c, snapshot, &tables));
  return tables;
}

Digest WriteSetDigest(const EntryFrame& frame) { return Sha256(frame.raw); }

Digest LeafOf(const EntryFrame& frame, const PublicDomain& domain) {
  Digest ws = WriteSetDigest(frame);
  if (!domain.commit_evidence_digest) return ws;
  if (!domain.claims_digest) return Sha256Concat({ws, *domain.commit_evidence_digest});
  return Sha256Concat({ws, *domain.commit_evidence_digest, *domain.claims_digest});
}

void AppendPublicDomain(const PublicDomain& d, std::string* out) {
  out->push_back(static_cast<char>(d.type));
  PutU64(static_cast<uint64_t>(d.version), out);
  if (HasClaims(d.type)) PutHash(d.claims_digest.value_or(Digest{}), out);
  if (HasCommitEvidence(d.type)) PutHash(d.commit_evidence_digest.value_or(Digest{}), out);
  PutU64(static_cast<uint64_t>(d.max_conflict_version), out);
  if (d.type == EntryType::kSnapshot) {
    PutBlob(d.hash_at_snapshot, out);
    PutU64(d.view_history.size() * 8, out);
    for (uint64_t v : d.view_history) PutU64(v, out);
  }
  AppendTables(d.tables, d.type == EntryType::kSnapshot, out);
}

std::string GcmIv(const TxId& txid, bool snapshot) {
  std::string iv;
  PutLe(txid.seqno, 8, &iv);
  PutLe((txid.view & ~uint64_t{kSnapshotViewBit}) | (snapshot ? kSnapshotViewBit : 0), 4, &iv);
  return iv;
}

size_t StartEntry(uint8_t flags, const TxId& txid, bool snapshot, std::string_view public_domain,
                  std::string* out) {
  out->push_back(static_cast<char>(kFormatVersion));
  out->push_back(static_cast<char>(flags));
  PutLe(0, 6, out);                // the size: SealEntry fills it in
  out->append(kGcmTagSize, '\0');  // the tag: likewise
  *out += GcmIv(txid, snapshot);
  PutBlob(public_domain, out);
  return out->size();
}

}  // namespace bank::ledger
