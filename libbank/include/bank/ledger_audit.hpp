// Offline audit of a bankd ledger directory (`bankctl ledger audit`).
//
// Reads every chunk file in order (bank/ledger_format.hpp) and re-verifies
// what bankd verified when it wrote them, with the same ChainVerifier its
// replay uses: record checksums, entry encoding, seqnos 1, 2, 3, ... across
// chunk files, views that never decrease, commit evidence naming its own
// transaction, every leaf and every root, each signature transaction's
// signature by the node certificate it carries. With a service certificate
// it also checks that each node certificate is endorsed (signed) by it.
//
// The audit stops at the first transaction that does not verify and names
// it: file, offset of its record, seqno (and txid when the entry decodes).
// A checksum or encoding failure names the damaged entry itself. A signature
// whose root does not match names the signature transaction and the range
// of transactions its root covers since the previous verified signature:
// one of them was altered (with consistent checksums), and the signature
// cannot say which.
//
// Not failures, but reported: transactions after the last signature (no
// signature covers them yet) and a torn tail at the end of the last file
// (bankd cuts it on start; nothing in it was ever reported committed).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bank/certificate.hpp"
#include "bank/ledger_format.hpp"

namespace bank::ledger {

struct AuditProblem {
  std::string file;
  uint64_t offset = 0;
  uint64_t seqno = 0;        // the transaction that does not verify
  std::optional<TxId> txid;  // when its entry could be decoded
  // For a signature that does not verify: the first seqno of the range it
  // covers since the previous verified signature (0 otherwise).
  uint64_t covered_from = 0;
  std::string what;
};

struct AuditReport {
  std::string directory;
  size_t files = 0;
  uint64_t bytes = 0;         // of the records read
  uint64_t transactions = 0;  // verified
  uint64_t signatures = 0;    // verified
  std::optional<TxId> last_txid, last_signature_txid;
  uint64_t unsigned_tail = 0;  // verified transactions after the last signature
  std::optional<TornTail> torn_tail;
  std::vector<std::string> node_ids;  // signing nodes, in order of appearance
  bool endorsements_checked = false;
  std::optional<AuditProblem> problem;

  bool ok() const { return !problem.has_value(); }
  nlohmann::json ToJson() const;
};

struct AuditOptions {
  std::optional<Certificate> service_cert;
};

// Fails (kInputFile) only when the directory cannot be listed or holds no
// chunk file; everything found in the files is in the report.
Result<AuditReport> AuditLedger(const std::string& directory, const AuditOptions& options = {});

}  // namespace bank::ledger
