#include "bank/ledger_files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>

#include "bank/key.hpp"

namespace bank::ledger {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kCommitted = ".committed";
constexpr std::string_view kRecovery = ".recovery";
constexpr std::string_view kIgnored = ".ignored";

bool StripSuffix(std::string_view* s, std::string_view suffix) {
  if (s->size() < suffix.size() || s->substr(s->size() - suffix.size()) != suffix) return false;
  s->remove_suffix(suffix.size());
  return true;
}

std::optional<uint64_t> Number(std::string_view s) {
  uint64_t v = 0;
  if (s.empty() || s.size() > 19) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

uint64_t LoadLe(std::string_view b) {
  uint64_t v = 0;
  for (size_t i = b.size(); i-- > 0;) v = (v << 8) | static_cast<uint8_t>(b[i]);
  return v;
}

}  // namespace

std::optional<LedgerFile> ParseLedgerFileName(std::string_view name) {
  LedgerFile f;
  f.name = std::string(name);
  std::string_view s = name;
  if (StripSuffix(&s, kIgnored)) return std::nullopt;
  f.recovery = StripSuffix(&s, kRecovery);
  f.committed = StripSuffix(&s, kCommitted);
  if (s.substr(0, 7) != "ledger_") return std::nullopt;
  s.remove_prefix(7);
  auto dash = s.find('-');
  auto first = Number(s.substr(0, dash));
  if (!first || *first == 0) return std::nullopt;
  f.first = *first;
  if (dash != std::string_view::npos) {
    auto last = Number(s.substr(dash + 1));
    if (!last || *last < *first) return std::nullopt;
    f.last = *last;
  } else if (f.committed) {
    return std::nullopt;  // a committed chunk always names its range
  }
  return f;
}

std::string CommittedChunkName(uint64_t first, uint64_t last) {
  return fmt::format("ledger_{}-{}{}", first, last, kCommitted);
}
std::string OpenChunkName(uint64_t first) { return fmt::format("ledger_{}", first); }

Result<std::vector<LedgerFile>> ListLedgerFiles(const std::vector<std::string>& paths,
                                                const ListOptions& options) {
  std::vector<LedgerFile> files;
  std::set<std::string> seen;
  auto consider = [&](const fs::path& p) {
    auto f = ParseLedgerFileName(p.filename().string());
    if (!f) return;
    if (f->recovery && !options.recovery) return;
    if (!f->committed && !options.uncommitted) return;
    if (!seen.insert(f->name).second) return;
    f->path = p.string();
    files.push_back(std::move(*f));
  };
  for (const auto& path : paths) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) {
      consider(path);
      continue;
    }
    fs::directory_iterator it(path, ec);
    if (ec) return Status::InputFile(fmt::format("cannot read ledger directory {}: {}", path, ec.message()));
    for (const auto& e : it)
      if (e.is_regular_file(ec)) consider(e.path());
  }
  std::sort(files.begin(), files.end(), [](const LedgerFile& a, const LedgerFile& b) {
    return a.first != b.first ? a.first < b.first : a.name < b.name;
  });
  return files;
}

Result<ChunkLayout> ParseChunkLayout(std::string_view data) {
  ChunkLayout l;
  if (data.size() < kChunkHeaderSize)
    return Status::InputFile(fmt::format("{} bytes: shorter than the chunk header", data.size()));
  l.table_offset = LoadLe(data.substr(0, kChunkHeaderSize));
  if (l.table_offset == 0) {
    l.entries_end = data.size();
    return l;
  }
  if (l.table_offset < kChunkHeaderSize || l.table_offset > data.size())
    return Status::InputFile(
        fmt::format("table of positions at {} is outside the file ({} bytes)", l.table_offset, data.size()));
  uint64_t table_bytes = data.size() - l.table_offset;
  if (table_bytes % 4 != 0)
    return Status::InputFile(fmt::format("table of positions at {} holds {} bytes, not a whole number of u32",
                                         l.table_offset, table_bytes));
  for (uint64_t at = l.table_offset; at < data.size(); at += 4)
    l.positions.push_back(static_cast<uint32_t>(LoadLe(data.substr(at, 4))));
  l.entries_end = l.table_offset;
  return l;
}

std::string ChunkTrailer(const std::vector<uint32_t>& positions) {
  std::string out;
  for (uint32_t p : positions)
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((p >> (8 * i)) & 0xff));
  return out;
}

Status ReadError::ToStatus() const {
  std::string tx = txid ? fmt::format(" (transaction {})", txid->ToString()) : "";
  return Status::InputFile(fmt::format("{} at offset {}{}: {}", file, offset, tx, detail));
}

LedgerReader::LedgerReader(std::vector<LedgerFile> files, uint64_t expected_first)
    : files_(std::move(files)), next_seqno_(expected_first) {
  // Files wholly before the first expected seqno (a snapshot covers them).
  files_.erase(std::remove_if(files_.begin(), files_.end(),
                              [&](const LedgerFile& f) { return f.last && *f.last < expected_first; }),
               files_.end());
}

bool LedgerReader::Fail(uint64_t offset, std::optional<TxId> txid, std::string check, std::string detail) {
  error_ = ReadError{files_[file_].path, offset, txid, std::move(check), std::move(detail)};
  return false;
}

bool LedgerReader::LoadFile() {
  const LedgerFile& f = files_[file_];
  auto data = ReadFile(f.path);
  if (!data.ok()) {
    // ReadFile refuses empty files; an empty open chunk is only a chunk not
    // yet begun.
    std::error_code ec;
    if (!f.last && fs::exists(f.path, ec) && fs::file_size(f.path, ec) == 0)
      data = std::string();
    else
      return Fail(0, std::nullopt, "chunk", data.status().message());
  }
  data_ = std::move(*data);
  loaded_ = true;
  index_in_file_ = 0;
  file_positions_.clear();
  offset_ = kChunkHeaderSize;
  if (f.first > next_seqno_ || (f.first < next_seqno_ && bytes_read_ > 0))
    return Fail(0, std::nullopt, "sequence",
                fmt::format("starts at seqno {} but seqno {} is expected", f.first, next_seqno_));
  // An open chunk whose header was being written when the writer died:
  // no transaction yet (the writer rewrites the header when it continues).
  if (!f.last && data_.size() < kChunkHeaderSize && data_.find_first_not_of('\0') == std::string::npos) {
    layout_ = ChunkLayout{0, {}, 0};
    offset_ = 0;
    return true;
  }
  auto layout = ParseChunkLayout(data_);
  if (!layout.ok()) return Fail(0, std::nullopt, "chunk", layout.status().message());
  layout_ = std::move(*layout);
  if (f.last) {
    uint64_t expected = *f.last - f.first + 1;
    if (layout_.table_offset == 0)
      return Fail(0, std::nullopt, "chunk",
                  "the name says complete but the header has no table of positions");
    if (layout_.positions.size() != expected)
      return Fail(layout_.table_offset, std::nullopt, "chunk",
                  fmt::format("table of positions lists {} transactions, the name {}",
                              layout_.positions.size(), expected));
  }
  // A chunk that starts before the expected seqno (reading from a
  // snapshot): step over the transactions the snapshot covers.
  for (uint64_t seqno = f.first; seqno < next_seqno_; ++seqno, ++index_in_file_) {
    auto frame = ParseFrame(std::string_view(data_).substr(offset_, layout_.entries_end - offset_));
    if (!frame.ok()) return Fail(offset_, std::nullopt, "entry", frame.status().message());
    file_positions_.push_back(static_cast<uint32_t>(offset_));
    offset_ += frame->raw.size();
  }
  return true;
}

bool LedgerReader::Next(ReadEntry* entry) {
  if (error_) return false;
  for (;;) {
    if (file_ >= files_.size()) return false;
    if (!loaded_ && !LoadFile()) return false;
    const LedgerFile& f = files_[file_];
    if (offset_ >= layout_.entries_end) {
      if (offset_ != layout_.entries_end)
        return Fail(
            offset_, std::nullopt, "chunk",
            fmt::format("the last transaction runs past the table of positions at {}", layout_.entries_end));
      if (f.last && index_in_file_ != layout_.positions.size())
        return Fail(offset_, std::nullopt, "chunk", "fewer transactions than the table of positions lists");
      ++file_;
      loaded_ = false;
      continue;
    }
    TxId expected{last_view_, next_seqno_};
    if (f.last && index_in_file_ >= layout_.positions.size())
      return Fail(offset_, expected, "chunk", "more transactions than the table of positions lists");
    if (f.last && layout_.positions[index_in_file_] != offset_)
      return Fail(layout_.table_offset + 4 * index_in_file_, expected, "chunk",
                  fmt::format("table of positions says seqno {} is at {}, it is at {}", next_seqno_,
                              layout_.positions[index_in_file_], offset_));
    std::string_view rest = std::string_view(data_).substr(offset_, layout_.entries_end - offset_);
    auto frame = ParseFrame(rest);
    if (!frame.ok()) {
      bool last_file = file_ + 1 == files_.size();
      bool incomplete =
          rest.size() < kEntryHeaderSize || LoadLe(rest.substr(2, 6)) > rest.size() - kEntryHeaderSize;
      // A writer that died while completing the chunk leaves the table of
      // positions after the entries, not yet announced in the header.
      bool unannounced_table =
          rest.size() == 4 * file_positions_.size() && rest == ChunkTrailer(file_positions_);
      // File systems may extend a file before its data lands: zeros.
      bool zeros = rest.find_first_not_of('\0') == std::string_view::npos;
      if (last_file && !f.last && layout_.table_offset == 0 && (incomplete || unannounced_table || zeros)) {
        torn_tail_ = TornTail{f.path, offset_, rest.size(),
                              unannounced_table ? "a table of positions the header does not announce yet"
                              : zeros           ? "zero bytes after the last entry"
                                                : frame.status().message()};
        ++file_;
        return false;
      }
      return Fail(offset_, expected, "entry", frame.status().message());
    }
    if (f.last) {
      // The entry must end where the table says the next one starts. When
      // it does not, either its size or the table is wrong: the table is,
      // if a transaction with the next seqno really starts where this one
      // ends.
      uint64_t end = offset_ + frame->raw.size();
      bool last_in_file = index_in_file_ + 1 == layout_.positions.size();
      uint64_t table_end = last_in_file ? layout_.entries_end : layout_.positions[index_in_file_ + 1];
      if (end != table_end) {
        auto next = ParseFrame(
            std::string_view(data_).substr(end, layout_.entries_end - std::min(end, layout_.entries_end)));
        if (!last_in_file && next.ok() && next->txid.seqno == next_seqno_ + 1)
          return Fail(layout_.table_offset + 4 * (index_in_file_ + 1),
                      TxId{frame->txid.view, next_seqno_ + 1}, "chunk",
                      fmt::format("table of positions says seqno {} is at {}, it is at {}", next_seqno_ + 1,
                                  table_end, end));
        return Fail(
            offset_, expected, "entry",
            fmt::format("its size says it ends at {}, the {} at {}", end,
                        last_in_file ? "table of positions starts" : "next transaction starts", table_end));
      }
    }
    if (frame->txid.seqno != next_seqno_)
      return Fail(offset_, expected, "sequence",
                  fmt::format("IV says seqno {}, seqno {} is expected", frame->txid.seqno, next_seqno_));
    if (frame->txid.view < last_view_)
      return Fail(offset_, frame->txid, "sequence", fmt::format("view goes back from {}", last_view_));
    if (frame->snapshot)
      return Fail(offset_, frame->txid, "entry", "snapshot bit set in a ledger transaction");
    auto domain = ParsePublicDomain(frame->public_domain);
    if (!domain.ok()) return Fail(offset_, frame->txid, "entry", domain.status().message());
    if (domain->type == EntryType::kSnapshot)
      return Fail(offset_, frame->txid, "entry", "a snapshot entry inside a ledger chunk");
    if (domain->version != static_cast<int64_t>(next_seqno_))
      return Fail(
          offset_, frame->txid, "sequence",
          fmt::format("public domain says version {}, the IV seqno {}", domain->version, next_seqno_));
    entry->file_index = file_;
    entry->offset = offset_;
    file_positions_.push_back(static_cast<uint32_t>(offset_));
    entry->frame = *frame;
    entry->domain = std::move(*domain);
    offset_ += frame->raw.size();
    bytes_read_ += frame->raw.size();
    ++index_in_file_;
    ++next_seqno_;
    last_view_ = frame->txid.view;
    return true;
  }
}

}  // namespace bank::ledger
