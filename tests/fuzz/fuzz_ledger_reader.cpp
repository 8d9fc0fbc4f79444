// Fuzzes the ledger reader: the input is one chunk file. It goes through
// the directory reader (as bankd's replay and `bankctl ledger audit` read
// it) and through the record parser directly; both must agree, and every
// entry that decodes must re-encode to the same bytes and be checkable by
// the chain verifier without crashing.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "bank/ledger_format.hpp"
#include "bank/ledger_verifier.hpp"

namespace bl = bank::ledger;

namespace {

// A private directory holding the one chunk file, removed at exit.
const std::string& ScratchDir() {
  static const std::string dir = [] {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/fuzz_ledger.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    static std::string to_remove = tmpl;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(to_remove, ec);
    });
    return tmpl;
  }();
  return dir;
}

void WriteChunk(const std::string& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) std::abort();
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n <= 0) std::abort();
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  ::close(fd);
}

void Check(bool property) {
  if (!property) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string path = ScratchDir() + "/" + bl::ChunkFileName(1);
  WriteChunk(path, bytes);

  auto reader = bl::LedgerReader::Open(ScratchDir());
  Check(reader.ok() && reader->chunks().size() == 1);
  bank::MerkleTree tree;
  bl::ChainVerifier verifier(&tree);
  size_t offset = 0;
  while (true) {
    bl::Record record;
    auto more = reader->Next(&record);
    bl::Frame frame = bl::ParseRecord(bytes, offset);
    if (!more.ok()) {
      Check(frame.status == bl::FrameStatus::kCorrupt);
      break;
    }
    if (!*more) {
      const auto& torn = reader->torn_tail();
      Check(frame.status == (torn ? bl::FrameStatus::kIncomplete : bl::FrameStatus::kEnd));
      Check(!torn || (torn->offset == offset && torn->bytes == size - offset));
      break;
    }
    Check(frame.status == bl::FrameStatus::kRecord && record.offset == offset && record.size == frame.size &&
          record.payload == frame.payload);
    offset += frame.size;

    auto decoded = bl::DecodeEntry(record.payload);
    if (!decoded.ok()) continue;
    // The encoding is canonical: what decodes re-encodes to the same bytes.
    bl::EncodedEntry encoded = bl::EncodeEntry(decoded->entry);
    Check(encoded.payload == record.payload && encoded.write_set_digest == decoded->write_set_digest);
    (void)decoded->Leaf();
    if (decoded->entry.kind == bl::EntryKind::kSignature) (void)bl::SignatureOf(decoded->entry);
    (void)verifier.Add(*decoded);
  }
  return 0;
}
