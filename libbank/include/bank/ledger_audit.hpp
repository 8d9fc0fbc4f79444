// Offline audit of a CCF ledger (`bankctl ledger audit`), bankd's or a real
// CCF service's: nothing but the ledger directory (and optionally a pinned
// service certificate, a snapshot to start from, the ledger secret).
//
// Reads every transaction in order (bank/ledger_files.hpp) and checks:
//  - framing, names, positions and seqnos (the reader's checks);
//  - the Merkle tree, recomputed from seqno 1 (leaf 0 is 32 zero bytes) or
//    from a snapshot whose appended receipt verifies first: at each
//    signature transaction, the root it signs; the leaves its
//    `public:ccf.internal.tree` lists are compared with the recomputed ones,
//    which names the very transaction a changed byte is in;
//  - the node signature (`public:ccf.internal.signatures`, JSON: ECDSA over
//    the root by the node whose certificate the ledger records in
//    `public:ccf.gov.nodes.endorsed_certificates`, or for 1.x nodes in
//    `public:ccf.gov.nodes.info`), its txid, and that the node certificate
//    is endorsed by the service certificate of its epoch;
//  - the COSE root signature (`public:ccf.internal.cose_signatures`): a
//    COSE_Sign1 over the detached root by the service key, with that
//    key's kid and the transaction's own txid;
//  - every governance envelope (`public:ccf.gov.cose_history`, and the
//    `cose_sign1_req` of member acks in `public:ccf.gov.members.acks`)
//    against the member certificate the ledger holds at that point;
//  - service identity changes (a new `public:ccf.gov.service.info` cert
//    after a recovery) are followed; with a pinned certificate it must be
//    one of the service's identities;
//  - with the ledger secret, every entry's AES-GCM tag.
// A problem does not stop the audit unless the ledger cannot be read any
// further; each names its file, offset, txid and check.
//
// Not covered by any signature: a signature transaction's own bytes are
// covered by the next signature's root. What follows the last signature
// is reported as `unsigned` (without the ledger secret nothing can vouch
// for it beyond its structure).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bank/certificate.hpp"
#include "bank/ledger_files.hpp"

namespace bank::ledger {

struct AuditProblem {
  std::string file;
  uint64_t offset = 0;
  std::optional<TxId> txid;
  std::string check;  // chunk, entry, sequence, root, tree, node_signature,
                      // cose_signature, endorsement, governance,
                      // service_identity, snapshot, gcm_tag
  std::string detail;
};

struct AuditReport {
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint64_t transactions = 0;
  std::optional<TxId> first, last, last_signature;
  uint64_t signatures = 0;            // JSON node signatures verified
  uint64_t cose_signatures = 0;       // COSE root signatures verified
  uint64_t governance_envelopes = 0;  // in public:ccf.gov.cose_history
  uint64_t member_acks = 0;           // signed acks verified
  uint64_t service_certificates = 0;  // distinct identities seen
  uint64_t gcm_tags = 0;              // checked with the ledger secret
  uint64_t unsigned_tail = 0;         // transactions after the last signature
  std::optional<TxId> snapshot;       // the audit started from it
  std::optional<TornTail> torn_tail;
  std::vector<AuditProblem> problems;

  bool verified() const { return problems.empty() && transactions > 0; }
  nlohmann::json ToJson() const;
};

struct AuditOptions {
  bool uncommitted = false;
  std::optional<Certificate> service_cert;
  std::optional<std::string> snapshot_file;
  std::optional<std::string> ledger_secret;  // 32 raw bytes
};

// Fails (kInputFile) only when a path cannot be listed or holds no ledger
// file; everything found in the files is in the report.
Result<AuditReport> AuditLedger(const std::vector<std::string>& paths, const AuditOptions& options = {});

}  // namespace bank::ledger
