#include "ledger/snapshot_restore.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <future>

#include "bank/key.hpp"
#include "bank/ledger_files.hpp"
#include "bank/ledger_snapshot.hpp"
#include "bank/ledger_tables.hpp"
#include "bank/mapped_file.hpp"
#include "ledger/chunk_files.hpp"
#include "ledger/file_io.hpp"

namespace bankd::ledger {

namespace bl = bank::ledger;
namespace fs = std::filesystem;

namespace {

struct IndexedChunk {
  bl::LedgerFile file;
  uint64_t table_offset = 0;
  std::vector<uint32_t> positions;
};

// A complete chunk's header and table of positions, without its entries.
bank::Result<IndexedChunk> IndexChunk(const bl::LedgerFile& file) {
  IndexedChunk c{file, 0, {}};
  int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return bank::Status::InputFile("cannot open " + ErrnoMessage(file.path));
  struct stat st {};
  bank::Result<std::string> header = bank::Status::InputFile(file.path + ": cannot stat");
  if (::fstat(fd, &st) == 0) header = ReadAt(fd, 0, bl::kChunkHeaderSize, file.path);
  bank::Result<std::string> table = header.status();
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (header.ok()) {
    for (int i = bl::kChunkHeaderSize - 1; i >= 0; --i)
      c.table_offset = (c.table_offset << 8) | static_cast<uint8_t>((*header)[i]);
    if (c.table_offset < bl::kChunkHeaderSize || c.table_offset > size || (size - c.table_offset) % 4 != 0)
      table = bank::Status::InputFile(fmt::format("{}: no valid table of positions", file.path));
    else
      table = ReadAt(fd, c.table_offset, size - c.table_offset, file.path);
  }
  ::close(fd);
  if (!table.ok()) return table.status();
  for (size_t at = 0; at < table->size(); at += 4) {
    uint32_t p = 0;
    for (int i = 3; i >= 0; --i) p = (p << 8) | static_cast<uint8_t>((*table)[at + i]);
    c.positions.push_back(p);
  }
  if (c.positions.size() != *file.last - file.first + 1)
    return bank::Status::InputFile(
        fmt::format("{}: its table lists {} transactions", file.path, c.positions.size()));
  for (size_t i = 0; i < c.positions.size(); ++i) {
    uint64_t end = i + 1 < c.positions.size() ? c.positions[i + 1] : c.table_offset;
    if (c.positions[i] < bl::kChunkHeaderSize || end <= c.positions[i])
      return bank::Status::InputFile(fmt::format("{}: table of positions out of order", file.path));
  }
  return c;
}

struct SignatureInfo {
  uint64_t seqno = 0;
  bank::Digest root{};
};

class Restorer {
 public:
  Restorer(const std::string& ledger_directory, const Serialiser& serialiser)
      : directory_(ledger_directory), serialiser_(serialiser) {}

  // Rebuilds `state` from the snapshot at `path`, or says why not.
  bank::Status Restore(const std::string& path, const bl::SnapshotName& name,
                       const bank::Certificate& service, LedgerState* state);

 private:
  bank::Status IndexLedger(uint64_t seqno);
  EntryLocation Location(uint64_t seqno) const;
  // Walks the signatures back from `seqno`, filling leaves_ and signatures_.
  bank::Status WalkSignatures(uint64_t seqno, const bank::Digest& hash_at_snapshot);
  // The tree and the entries' locations up to `seqno` into `out`, checked
  // against each signature on the way and the snapshot's root at the end.
  bank::Status BuildIndex(uint64_t seqno, const bank::Digest& hash_at, const std::vector<uint64_t>& views,
                          const bank::Digest& snapshot_root, LedgerState* out);

  const std::string directory_;
  const Serialiser& serialiser_;
  std::vector<IndexedChunk> chunks_;
  std::vector<bank::Digest> leaves_;       // index seqno
  std::vector<SignatureInfo> signatures_;  // descending
};

bank::Status Restorer::IndexLedger(uint64_t seqno) {
  bl::ListOptions list;
  list.uncommitted = true;
  BANK_ASSIGN_OR_RETURN(auto files, bl::ListLedgerFiles({directory_}, list));
  uint64_t next = 1;
  for (const auto& f : files) {
    if (f.first > seqno) break;
    if (f.first != next)
      return bank::Status::InputFile(fmt::format("the ledger has no chunk starting at {}", next));
    if (!f.last || *f.last > seqno)
      return bank::Status::InputFile(
          fmt::format("the ledger has no complete chunk ending at seqno {}", seqno));
    BANK_ASSIGN_OR_RETURN(auto chunk, IndexChunk(f));
    chunks_.push_back(std::move(chunk));
    next = *f.last + 1;
  }
  if (next != seqno + 1)
    return bank::Status::InputFile(fmt::format("the ledger ends at seqno {}, before the snapshot", next - 1));
  return bank::Status::OK();
}

EntryLocation Restorer::Location(uint64_t seqno) const {
  auto it = std::upper_bound(chunks_.begin(), chunks_.end(), seqno,
                             [](uint64_t s, const IndexedChunk& c) { return s < c.file.first; });
  const IndexedChunk& c = *std::prev(it);
  size_t i = seqno - c.file.first;
  uint64_t end = i + 1 < c.positions.size() ? c.positions[i + 1] : c.table_offset;
  return {static_cast<uint32_t>(std::prev(it) - chunks_.begin()), static_cast<uint32_t>(end - c.positions[i]),
          c.positions[i]};
}

bank::Status Restorer::WalkSignatures(uint64_t seqno, const bank::Digest& hash_at_snapshot) {
  leaves_.assign(seqno + 1, bank::Digest{});
  leaves_[seqno] = hash_at_snapshot;
  for (uint64_t at = seqno; at > 0;) {
    EntryLocation loc = Location(at);
    const IndexedChunk& c = chunks_[loc.chunk];
    BANK_ASSIGN_OR_RETURN(auto bytes,
                          ReadChunkBytes(directory_, c.file.first, c.file.last, loc.offset, loc.size));
    auto where = [&](const std::string& why) {
      return bank::Status::InputFile(
          fmt::format("{} at offset {} (seqno {}): {}", c.file.path, loc.offset, at, why));
    };
    auto frame = bl::ParseFrame(bytes);
    if (!frame.ok()) return where(frame.status().message());
    auto domain = bl::ParsePublicDomain(frame->public_domain);
    if (!domain.ok()) return where(domain.status().message());
    if (frame->txid.seqno != at || frame->raw.size() != bytes.size()) return where("not the expected entry");
    if (at == seqno && bl::LeafOf(*frame, *domain) != hash_at_snapshot)
      return where("its leaf is not the snapshot's hash at snapshot");
    const bl::Table* sig_table = domain->Find(bl::kSignatures);
    const bl::Table* tree_table = domain->Find(bl::kTree);
    auto sig_value = sig_table ? sig_table->Get(bl::kSingletonKey) : std::nullopt;
    auto tree_value = tree_table ? tree_table->Get(bl::kSingletonKey) : std::nullopt;
    if (!sig_value || !tree_value) return where("not a signature transaction with its tree");
    auto sig = bl::ParsePrimarySignature(*sig_value);
    if (!sig.ok()) return where(sig.status().message());
    auto tree = bl::ParseSerialisedTree(*tree_value);
    if (!tree.ok()) return where(tree.status().message());
    if (tree->first_leaf >= at || tree->first_leaf + tree->leaves.size() != at)
      return where("its tree does not list the leaves since the previous signature");
    std::copy(tree->leaves.begin(), tree->leaves.end(),
              leaves_.begin() + static_cast<ptrdiff_t>(tree->first_leaf));
    signatures_.push_back({at, sig->root});
    at = tree->first_leaf;
  }
  return bank::Status::OK();
}

// Restoring a snapshot is three jobs of similar size on a store of a
// million transactions (bench/RESULTS-write-path.md, round 7): checking it
// (the SHA-256 of the whole snapshot that its receipt signs), decrypting
// and parsing its tables, and filling the store from them; plus the
// ledger's tree up to it. The check runs on a second thread while this one
// decrypts and parses, and the tree while this one fills the store: on two
// cores, restart takes the longer of each pair. Nothing of the snapshot
// reaches the store before its receipt verifies.
bank::Status Restorer::Restore(const std::string& path, const bl::SnapshotName& name,
                               const bank::Certificate& service, LedgerState* state) {
  BANK_ASSIGN_OR_RETURN(auto file, bank::MappedFile::Open(path));
  const std::string_view bytes = file.bytes();
  // Declared after `file`: destroyed, so waited for, before it is unmapped.
  auto checked = std::async(std::launch::async, [&] { return bl::ParseSnapshot(bytes, path, &service); });
  // The frame and public domain are parsed here too (the check parses its
  // own, and names what is wrong): they are the small part.
  auto frame = bl::ParseFrame(bytes);
  auto domain = frame.ok() ? bl::ParsePublicDomain(frame->public_domain)
                           : bank::Result<bl::PublicDomain>(frame.status());
  auto tables = domain.ok() ? serialiser_.SnapshotTables(*frame, std::move(*domain))
                            : bank::Result<std::vector<bl::Table>>(domain.status());
  BANK_ASSIGN_OR_RETURN(auto snapshot, checked.get());
  if (!tables.ok()) return tables.status();
  const uint64_t seqno = snapshot.txid.seqno;
  if (seqno != name.seqno || snapshot.receipt_txid.seqno != name.evidence_seqno)
    return bank::Status::InputFile(fmt::format(
        "it holds seqno {} with evidence at {}, not what its name says", seqno, snapshot.receipt_txid.seqno));
  bank::Digest hash_at{};
  std::copy(snapshot.domain.hash_at_snapshot.begin(), snapshot.domain.hash_at_snapshot.end(),
            hash_at.begin());
  const std::vector<uint64_t>& views = snapshot.domain.view_history;
  if (views.empty() || views.front() != 1 || !std::is_sorted(views.begin(), views.end()) ||
      views.back() > seqno)
    return bank::Status::InputFile("its view history is not one of a ledger starting at seqno 1");

  // The tree and the index of seqnos 1..seqno go into a state of their own:
  // the two threads share nothing until both are done.
  LedgerState indexed;
  auto built = std::async(std::launch::async,
                          [&] { return BuildIndex(seqno, hash_at, views, snapshot.tree.Root(), &indexed); });
  state->store.Restore(std::move(*tables));
  BANK_RETURN_IF_ERROR(built.get());
  indexed.store = std::move(state->store);
  *state = std::move(indexed);
  return bank::Status::OK();
}

bank::Status Restorer::BuildIndex(uint64_t seqno, const bank::Digest& hash_at,
                                  const std::vector<uint64_t>& views, const bank::Digest& snapshot_root,
                                  LedgerState* out) {
  BANK_RETURN_IF_ERROR(IndexLedger(seqno));
  BANK_RETURN_IF_ERROR(WalkSignatures(seqno, hash_at));

  // Record seqnos 1..seqno as a replay would, without their writes.
  size_t view_index = 0;  // views[view_index] is where view view_index + 1 starts
  auto next_signature = signatures_.rbegin();
  for (uint64_t s = 1; s <= seqno; ++s) {
    while (view_index + 1 < views.size() && views[view_index + 1] <= s) ++view_index;
    std::optional<bank::Digest> signed_root;
    if (next_signature != signatures_.rend() && next_signature->seqno == s) {
      if (next_signature->root != out->tree.Root())
        return bank::Status::VerifyFailed(
            fmt::format("the signature at seqno {} does not sign the root of the leaves before it", s));
      signed_root = next_signature->root;
      ++next_signature;
    }
    out->tree.Append(leaves_[s]);
    out->Record({view_index + 1, s}, {}, Location(s), signed_root);
  }
  if (out->tree.Root() != snapshot_root)
    return bank::Status::VerifyFailed("the ledger's Merkle root at the snapshot is not the snapshot's");
  for (const auto& c : chunks_) out->chunks.push_back({c.file.first, c.file.last, c.table_offset, {}});
  return bank::Status::OK();
}

}  // namespace

namespace {

// The committed snapshots in `directory`, newest first; none when it does
// not exist.
bank::Result<std::vector<std::pair<bl::SnapshotName, std::string>>> CommittedSnapshots(
    const std::string& directory) {
  std::vector<std::pair<bl::SnapshotName, std::string>> found;
  std::error_code ec;
  fs::directory_iterator it(directory, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return found;
    return bank::Status::InputFile("cannot list snapshots in " + directory + ": " + ec.message());
  }
  for (const auto& entry : it) {
    auto name = bl::ParseSnapshotName(entry.path().filename().string());
    if (name && name->committed && name->seqno > 0) found.emplace_back(*name, entry.path().string());
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.seqno, a.first.evidence_seqno) > std::tie(b.first.seqno, b.first.evidence_seqno);
  });
  return found;
}

}  // namespace

uint64_t NewestSnapshotSeqno(const std::string& snapshot_directory) {
  auto found = CommittedSnapshots(snapshot_directory);
  return found.ok() && !found->empty() ? found->front().first.seqno : 0;
}

bank::Result<RestoredSnapshot> RestoreLatestSnapshot(const std::string& ledger_directory,
                                                     const std::string& snapshot_directory,
                                                     const bank::Certificate& service_cert,
                                                     const Serialiser& serialiser, LedgerState* state) {
  BANK_ASSIGN_OR_RETURN(auto found, CommittedSnapshots(snapshot_directory));
  for (const auto& [name, path] : found) {
    Restorer restorer(ledger_directory, serialiser);
    bank::Status st = restorer.Restore(path, name, service_cert, state);
    if (st.ok()) {
      // Its size only paces the next snapshot: unknown (0) if stat fails.
      std::error_code ec;
      const auto bytes = fs::file_size(path, ec);
      return RestoredSnapshot{name.seqno, ec ? 0 : static_cast<uint64_t>(bytes)};
    }
    std::fprintf(stderr, "bankd: ledger: skipping snapshot %s: %s\n", path.c_str(), st.message().c_str());
    *state = LedgerState();
  }
  return RestoredSnapshot{};
}

}  // namespace bankd::ledger
