// Reading and damaging a ledger directory in unit tests: its chunk files,
// every entry with where it lies, raw file bytes, bankd's stderr, and the
// check that a receipt's material proves its transaction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bank/ledger_files.hpp"
#include "bank/txid.hpp"
#include "ledger/engine.hpp"

namespace bank::test {

// The ledger's chunk files, committed or not (REQUIREs that they list).
std::vector<bank::ledger::LedgerFile> LedgerChunks(const std::string& directory);

std::string ReadBytes(const std::string& path);
void WriteBytes(const std::string& path, const std::string& bytes);

struct RecordAt {
  std::string file;
  uint64_t offset, size;
  TxId txid;
  bool signature;
  std::string bytes;
};
// Every entry of a ledger directory, committed or not (REQUIREs that the
// reader finds no damage).
std::vector<RecordAt> AllRecords(const std::string& directory);

// Redirects this process's stderr into a file for the scope's lifetime.
class StderrCapture {
 public:
  explicit StderrCapture(std::string path);
  ~StderrCapture() { Release(); }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  // Restores stderr (once) and returns what was written meanwhile.
  std::string Release();

 private:
  std::string path_;
  int saved_ = -1;
};

// CHECKs that the material's signature is the test node's over its root,
// and that its proof leads from its leaf to that root.
void CheckReceiptVerifies(const bankd::ledger::ReceiptMaterial& m);

}  // namespace bank::test
