#include "bank/ledger_format.hpp"

#include <algorithm>
#include <boost/crc.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "bank/certificate.hpp"
#include "bank/merkle.hpp"

namespace bank::ledger {

namespace {

// CRC-32C (Castagnoli), the checksum of record headers and payloads.
using Crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

uint32_t Crc(const void* data, size_t size) {
  Crc32c crc;
  crc.process_bytes(data, size);
  return crc.checksum();
}

void PutU32(uint32_t v, std::string* out) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 4);
}
void PutU64(uint64_t v, std::string* out) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}
void PutStr(std::string_view s, std::string* out) {
  PutU32(static_cast<uint32_t>(s.size()), out);
  out->append(s);
}

uint32_t LoadU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// Bounds-checked cursor over an entry payload; the first failure sticks.
class Cursor {
 public:
  explicit Cursor(std::string_view data) : data_(data) {}
  bool ok() const { return ok_; }
  size_t pos() const { return pos_; }
  bool at_end() const { return pos_ == data_.size(); }

  uint8_t U8() {
    if (!Need(1)) return 0;
    return static_cast<uint8_t>(data_[pos_++]);
  }
  uint32_t U32() {
    if (!Need(4)) return 0;
    uint32_t v = LoadU32(data_.data() + pos_);
    pos_ += 4;
    return v;
  }
  uint64_t U64() {
    if (!Need(8)) return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(data_[pos_ + i]);
    pos_ += 8;
    return v;
  }
  std::string Str() {
    uint32_t n = U32();
    if (!Need(n)) return {};
    std::string s(data_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  Digest Bytes32() {
    Digest d{};
    if (!Need(d.size())) return d;
    std::memcpy(d.data(), data_.data() + pos_, d.size());
    pos_ += d.size();
    return d;
  }

 private:
  bool Need(size_t n) {
    if (ok_ && data_.size() - pos_ >= n) return true;
    ok_ = false;
    return false;
  }
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

constexpr uint8_t kHasClaimsDigest = 1;
constexpr uint8_t kHasClaim = 2;

Status BadEntry(const std::string& what) { return Status::InputFile("malformed ledger entry: " + what); }

}  // namespace

// ---- Entries -------------------------------------------------------------

EncodedEntry EncodeEntry(const Entry& e) {
  EncodedEntry out;
  std::string& p = out.payload;
  p.push_back(static_cast<char>(kEntryFormatVersion));
  p.push_back(static_cast<char>(e.kind));
  PutU64(e.txid.view, &p);
  PutU64(e.txid.seqno, &p);
  PutU64(static_cast<uint64_t>(e.timestamp_ms), &p);
  PutStr(e.commit_evidence, &p);
  p.push_back(static_cast<char>((e.claims_digest ? kHasClaimsDigest : 0) | (e.claim ? kHasClaim : 0)));
  if (e.claims_digest) p.append(reinterpret_cast<const char*>(e.claims_digest->data()), e.claims_digest->size());
  if (e.claim) PutStr(*e.claim, &p);
  size_t write_set_start = p.size();
  PutU32(static_cast<uint32_t>(e.writes.size()), &p);
  for (const auto& w : e.writes) {
    PutStr(w.table, &p);
    PutStr(w.key, &p);
    p.push_back(w.value ? 1 : 0);
    if (w.value) PutStr(*w.value, &p);
  }
  out.write_set_digest = Sha256(std::string_view(p).substr(write_set_start));
  return out;
}

Result<DecodedEntry> DecodeEntry(std::string_view payload) {
  Cursor c(payload);
  DecodedEntry out;
  Entry& e = out.entry;
  uint8_t version = c.U8();
  if (c.ok() && version != kEntryFormatVersion)
    return BadEntry("unknown format version " + std::to_string(version));
  uint8_t kind = c.U8();
  if (c.ok() && kind != static_cast<uint8_t>(EntryKind::kWrite) &&
      kind != static_cast<uint8_t>(EntryKind::kSignature))
    return BadEntry("unknown entry kind " + std::to_string(kind));
  e.kind = static_cast<EntryKind>(kind);
  e.txid.view = c.U64();
  e.txid.seqno = c.U64();
  e.timestamp_ms = static_cast<int64_t>(c.U64());
  e.commit_evidence = c.Str();
  uint8_t flags = c.U8();
  if (c.ok() && (flags & ~(kHasClaimsDigest | kHasClaim)) != 0) return BadEntry("unknown flags");
  if (flags & kHasClaimsDigest) e.claims_digest = c.Bytes32();
  if (flags & kHasClaim) e.claim = c.Str();
  size_t write_set_start = c.pos();
  uint32_t count = c.U32();
  // Each write takes at least 9 bytes: a count beyond that is a lie, and
  // trusting it would reserve unbounded memory.
  if (c.ok() && count > (payload.size() - c.pos()) / 9) return BadEntry("write count exceeds the entry");
  e.writes.reserve(count);
  for (uint32_t i = 0; i < count && c.ok(); ++i) {
    Write w;
    w.table = c.Str();
    w.key = c.Str();
    uint8_t op = c.U8();
    if (c.ok() && op > 1) return BadEntry("unknown write op " + std::to_string(op));
    if (op == 1) w.value = c.Str();
    e.writes.push_back(std::move(w));
  }
  if (!c.ok()) return BadEntry("truncated");
  if (!c.at_end()) return BadEntry("trailing bytes");
  if (e.txid.view == 0 || e.txid.seqno == 0) return BadEntry("transaction id " + e.txid.ToString());

  std::string prefix = "ce:" + e.txid.ToString() + ":";
  if (e.commit_evidence.size() != prefix.size() + 64 || e.commit_evidence.compare(0, prefix.size(), prefix) != 0 ||
      !IsHexId(std::string_view(e.commit_evidence).substr(prefix.size())))
    return BadEntry("commit evidence does not name transaction " + e.txid.ToString());
  if (e.claim && (!e.claims_digest || *e.claims_digest != Sha256(*e.claim)))
    return BadEntry("claims digest is not the SHA-256 of the claim");
  out.write_set_digest = Sha256(payload.substr(write_set_start));
  return out;
}

Digest DecodedEntry::Leaf() const {
  return LeafHash(write_set_digest, entry.commit_evidence, entry.claims_digest);
}

std::string FormatCommitEvidence(const TxId& txid, const Digest& nonce) {
  return "ce:" + txid.ToString() + ":" + DigestHex(nonce);
}

// ---- Framing -------------------------------------------------------------

void AppendRecord(std::string_view payload, std::string* out) {
  std::string header;
  header.reserve(kRecordHeaderBytes);
  PutU32(static_cast<uint32_t>(payload.size()), &header);
  PutU32(Crc(header.data(), 4), &header);
  PutU32(Crc(payload.data(), payload.size()), &header);
  out->append(header);
  out->append(payload);
}

Frame ParseRecord(std::string_view data, size_t offset) {
  Frame f;
  std::string_view rest = data.substr(std::min(offset, data.size()));
  if (rest.empty()) return f;  // kEnd
  bool all_zero = std::all_of(rest.begin(), rest.end(), [](char ch) { return ch == 0; });
  if (rest.size() < kRecordHeaderBytes) {
    f.status = FrameStatus::kIncomplete;
    f.problem = "incomplete record header (" + std::to_string(rest.size()) + " bytes)";
    return f;
  }
  uint32_t length = LoadU32(rest.data());
  if (LoadU32(rest.data() + 4) != Crc(rest.data(), 4)) {
    // We never write a zero header; zeros to the end are space the file
    // system allocated for an append that did not land.
    f.status = all_zero ? FrameStatus::kIncomplete : FrameStatus::kCorrupt;
    f.problem = all_zero ? "zero-filled tail (" + std::to_string(rest.size()) + " bytes)"
                         : "record header checksum mismatch";
    return f;
  }
  if (length > kMaxPayloadBytes) {
    f.status = FrameStatus::kCorrupt;
    f.problem = "record length " + std::to_string(length) + " exceeds the maximum";
    return f;
  }
  if (rest.size() - kRecordHeaderBytes < length) {
    f.status = FrameStatus::kIncomplete;
    f.problem = "record of " + std::to_string(length) + " bytes cut after " +
                std::to_string(rest.size() - kRecordHeaderBytes);
    return f;
  }
  std::string_view payload = rest.substr(kRecordHeaderBytes, length);
  if (LoadU32(rest.data() + 8) != Crc(payload.data(), payload.size())) {
    f.status = FrameStatus::kCorrupt;
    f.problem = "record payload checksum mismatch";
    return f;
  }
  f.status = FrameStatus::kRecord;
  f.payload = payload;
  f.size = kRecordHeaderBytes + length;
  return f;
}

// ---- Directory reader ----------------------------------------------------

std::string ChunkFileName(uint64_t first_seqno) { return "ledger_" + std::to_string(first_seqno) + ".chunk"; }

std::string AtOffset(const std::string& file, uint64_t offset, const std::string& what) {
  return file + " at offset " + std::to_string(offset) + ": " + what;
}

Result<std::vector<ChunkFile>> ListChunkFiles(const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(directory, ec);
  if (ec) return Status::InputFile("cannot list ledger directory " + directory + ": " + ec.message());
  std::vector<ChunkFile> chunks;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    constexpr std::string_view kPrefix = "ledger_", kSuffix = ".chunk";
    if (name.size() <= kPrefix.size() + kSuffix.size() || !name.starts_with(kPrefix) || !name.ends_with(kSuffix))
      continue;
    std::string_view digits(name.data() + kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
    uint64_t seqno = 0;
    auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), seqno);
    // Only the canonical spelling: "ledger_01.chunk" is not a chunk of ours.
    if (err != std::errc() || end != digits.data() + digits.size() || seqno == 0 || name != ChunkFileName(seqno))
      continue;
    chunks.push_back({it->path().string(), seqno});
  }
  if (ec) return Status::InputFile("cannot list ledger directory " + directory + ": " + ec.message());
  std::sort(chunks.begin(), chunks.end(),
            [](const ChunkFile& a, const ChunkFile& b) { return a.first_seqno < b.first_seqno; });
  return chunks;
}

Result<LedgerReader> LedgerReader::Open(const std::string& directory) {
  BANK_ASSIGN_OR_RETURN(auto chunks, ListChunkFiles(directory));
  return LedgerReader(std::move(chunks));
}

Status LedgerReader::LoadChunk(size_t index) {
  const std::string& path = chunks_[index].path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::InputFile("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::InputFile("cannot stat " + path + ": " + std::strerror(err));
  }
  // One read into a buffer whose capacity is kept from chunk to chunk.
  data_.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < data_.size()) {
    ssize_t n = ::read(fd, data_.data() + done, data_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Status::InputFile("cannot read " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;  // shrank while we read: parse what is there
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  data_.resize(done);
  chunk_ = index;
  offset_ = 0;
  loaded_ = true;
  return Status::OK();
}

Result<bool> LedgerReader::Next(Record* record) {
  while (true) {
    if (!loaded_) {
      if (chunk_ >= chunks_.size()) return false;
      BANK_RETURN_IF_ERROR(LoadChunk(chunk_));
    }
    const std::string& path = chunks_[chunk_].path;
    Frame f = ParseRecord(data_, offset_);
    switch (f.status) {
      case FrameStatus::kRecord:
        *record = Record{chunk_, offset_, f.size, f.payload};
        offset_ += f.size;
        return true;
      case FrameStatus::kEnd:
        break;
      case FrameStatus::kIncomplete:
        if (chunk_ + 1 < chunks_.size())
          return Status::InputFile(AtOffset(path, offset_, f.problem + " in a chunk that is not the last"));
        torn_tail_ = TornTail{path, offset_, data_.size() - offset_, f.problem};
        break;
      case FrameStatus::kCorrupt:
        return Status::InputFile(AtOffset(path, offset_, f.problem));
    }
    // This chunk is done; move to the next one.
    loaded_ = false;
    ++chunk_;
  }
}

// ---- Signature transactions ----------------------------------------------

std::string SignatureRecord::ToJson() const {
  nlohmann::json j = {{"seqno", txid.seqno},     {"view", txid.view},
                      {"node", node_id},         {"root", DigestHex(root)},
                      {"sig", Base64Encode(signature)}, {"cert", cert_pem}};
  return j.dump();
}

Result<SignatureRecord> SignatureRecord::FromJson(std::string_view text) {
  auto bad = [](const std::string& what) { return Status::InputFile("malformed signature record: " + what); };
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return bad("not a JSON object");
  for (const char* f : {"seqno", "view"})
    if (!j.contains(f) || !j[f].is_number_unsigned()) return bad(std::string("\"") + f + "\" is not an unsigned integer");
  for (const char* f : {"node", "root", "sig", "cert"})
    if (!j.contains(f) || !j[f].is_string()) return bad(std::string("\"") + f + "\" is not a string");
  SignatureRecord r;
  r.txid = {j["view"].get<uint64_t>(), j["seqno"].get<uint64_t>()};
  r.node_id = j["node"].get<std::string>();
  auto root = DigestFromHex(j["root"].get<std::string>());
  if (!root.ok()) return bad("\"root\": " + root.status().message());
  r.root = *root;
  auto sig = Base64Decode(j["sig"].get<std::string>());
  if (!sig.ok()) return bad("\"sig\": " + sig.status().message());
  r.signature = std::move(*sig);
  r.cert_pem = j["cert"].get<std::string>();
  return r;
}

Result<SignatureRecord> SignatureOf(const Entry& entry) {
  auto bad = [&](const std::string& what) {
    return Status::InputFile("signature transaction " + entry.txid.ToString() + ": " + what);
  };
  if (entry.kind != EntryKind::kSignature) return bad("not a signature entry");
  if (entry.writes.size() != 1 || entry.writes[0].table != kSignaturesTable ||
      entry.writes[0].key != kSignatureKey || !entry.writes[0].value)
    return bad("must write exactly " + std::string(kSignaturesTable) + "[" + std::string(kSignatureKey) + "]");
  auto record = SignatureRecord::FromJson(*entry.writes[0].value);
  if (!record.ok()) return bad(record.status().message());
  if (record->txid != entry.txid) return bad("record names transaction " + record->txid.ToString());
  return record;
}

Status VerifySignature(const SignatureRecord& record, const Digest& expected_root) {
  const std::string where = "signature " + record.txid.ToString();
  if (record.root != expected_root)
    return Status::VerifyFailed(where + ": signed root " + DigestHex(record.root) +
                                " is not the ledger's root " + DigestHex(expected_root));
  auto cert = Certificate::FromPem(record.cert_pem, where + " certificate");
  if (!cert.ok()) return Status::VerifyFailed(cert.status().message());
  if (cert->PublicKeyId() != record.node_id)
    return Status::VerifyFailed(where + ": node id " + record.node_id + " is not the certificate's key id");
  if (!cert->public_key().VerifyDigest(record.root, record.signature))
    return Status::VerifyFailed(where + ": signature does not verify with the node certificate");
  return Status::OK();
}

}  // namespace bank::ledger
