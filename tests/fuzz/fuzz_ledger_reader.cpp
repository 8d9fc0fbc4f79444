// Fuzzes the CCF ledger reader: the input is one chunk file. It is read the
// way bankd's replay and `bankctl ledger audit` read it (LedgerReader, named
// as a committed chunk when its header announces a table of positions, else
// as the open chunk), then audited, and every entry that parses is shown as
// `ledger read` shows it and re-serialised: the public domain encoding is
// canonical, so what parses re-encodes to the same bytes.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "bank/json_text.hpp"
#include "bank/ledger_audit.hpp"
#include "bank/ledger_display.hpp"
#include "bank/ledger_files.hpp"
#include "bank/ledger_tables.hpp"

namespace bl = bank::ledger;

namespace {

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

void WriteFile(const std::string& path, std::string_view bytes) {
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
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(ScratchDir()))
    std::filesystem::remove(e.path(), ec);
  auto layout = bl::ParseChunkLayout(bytes);
  std::string name = layout.ok() && !layout->positions.empty()
                         ? bl::CommittedChunkName(1, layout->positions.size())
                         : bl::OpenChunkName(1);
  WriteFile(ScratchDir() + "/" + name, bytes);

  bl::ListOptions list;
  list.uncommitted = true;
  auto files = bl::ListLedgerFiles({ScratchDir()}, list);
  Check(files.ok() && files->size() == 1);
  bl::LedgerReader reader(*files);
  bl::ReadEntry e;
  uint64_t seqno = 1;
  while (reader.Next(&e)) {
    Check(e.frame.txid.seqno == seqno++);
    Check(e.offset + e.frame.raw.size() <= size);
    std::string again;
    bl::AppendPublicDomain(e.domain, &again);
    Check(again == e.frame.public_domain);
    (void)bl::LeafOf(e.frame, e.domain);
    for (const auto& t : e.domain.tables)
      for (const auto& w : t.writes) {
        (void)bl::DisplayKey(t.name, w.key);
        if (w.value) (void)bl::DisplayValue(t.name, *w.value);
      }
    if (const auto* t = e.domain.Find(bl::kSignatures))
      if (auto v = t->Get(bl::kSingletonKey)) (void)bl::ParsePrimarySignature(*v);
    if (const auto* t = e.domain.Find(bl::kTree))
      if (auto v = t->Get(bl::kSingletonKey)) (void)bl::ParseSerialisedTree(*v);
  }
  Check(reader.error().has_value() || reader.next_seqno() == seqno);
  bl::AuditOptions options;
  options.uncommitted = true;
  auto report = bl::AuditLedger({ScratchDir()}, options);
  Check(report.ok());
  (void)bank::JsonText(report->ToJson(), 2);  // as `bankctl --output json ledger audit` prints it
  return 0;
}
