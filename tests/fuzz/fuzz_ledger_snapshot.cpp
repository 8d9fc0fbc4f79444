// Fuzzes the CCF snapshot parser: the input is one snapshot file (entry,
// then its receipt). Parsing must fail cleanly or yield a snapshot whose
// tree and tables are consistent with the bytes.
#include <cstdint>
#include <string_view>

#include "bank/ledger_snapshot.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto snapshot = bank::ledger::ParseSnapshot(bytes, "fuzz input");
  if (snapshot.ok()) {
    if (snapshot->entry_bytes > size || snapshot->tree.size() != snapshot->txid.seqno + 1) __builtin_trap();
    (void)snapshot->tree.Root();
  }
  return 0;
}
