// The ledger engine's state, shared by its parts: engine.cpp (opening,
// writing, signing, snapshots) and engine_receipts.cpp (receipts read back
// from the ledger files). Not for use outside the engine.
#pragma once

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>

#include "bank/ledger_entry.hpp"
#include "ledger/commit_evidence.hpp"
#include "ledger/engine.hpp"
#include "ledger/group_commit.hpp"
#include "ledger/serialiser.hpp"
#include "ledger/snapshotter.hpp"
#include "ledger/state.hpp"

namespace bankd::ledger {

// Where a transaction's application claim is written (as {"claim": text}),
// so that its receipt can give the text the claims digest is of.
inline constexpr const char* kClaimTable = "current_claim";
inline constexpr const char* kClaimKey = "key";

struct Engine::Impl {
  Impl(EngineOptions o, std::string secret, CommitEvidence ce, int lock)
      : options(std::move(o)), serialiser(std::move(secret)), evidence(std::move(ce)), lock_fd(lock) {}
  ~Impl() { ::close(lock_fd); }

  const EngineOptions options;
  const std::string node_id = options.node_cert.PublicKeyId();
  const std::string cert_pem = options.node_cert.Pem();
  uint64_t view = 0;  // of new transactions; set once by Open
  const Serialiser serialiser;
  const CommitEvidence evidence;
  const int lock_fd;

  // One writer at a time. The writer reads `state` under this lock alone
  // (nobody else modifies it) and takes state_mu exclusively only to apply.
  std::mutex write_mu;
  mutable std::shared_mutex state_mu;
  LedgerState state;
  std::unique_ptr<GroupCommit> commit;
  // The last entry's storage, for the next (requires write_mu); one that
  // grew past a megabyte (a big proposal) is let go instead.
  std::string entry_buffer;

  std::mutex signer_mu;
  std::condition_variable signer_cv;
  bool signer_stop = false;
  std::chrono::steady_clock::time_point last_signature = std::chrono::steady_clock::now();
  std::thread signer;

  // Recovery after the group commit failed (RecoverLocked): not before.
  std::chrono::steady_clock::time_point next_recovery{};  // requires write_mu

  uint64_t last_snapshot_seqno = 0;  // requires write_mu
  // Bytes of ledger entries since the last snapshot (after a restart, the
  // chunks after the one it started from): what snapshot_min_ledger_growth
  // measures.
  uint64_t ledger_bytes_since_snapshot = 0;  // requires write_mu
  std::unique_ptr<Snapshotter> snapshotter;  // null when snapshots are off

  // Requires write_mu.
  uint64_t UnsignedLocked() const {
    const auto& sigs = state.signature_seqnos();
    return state.last_seqno() - (sigs.empty() ? 0 : sigs.back());
  }
  // `snapshot`: a signature the store is captured at (it ends its chunk).
  std::optional<bank::TxId> AppendLocked(bank::ledger::WriteSet&& writes, const bank::Digest& claims_digest,
                                         bool signature, const std::optional<bank::Digest>& signed_root,
                                         bool snapshot = false);
  bank::TxId SignLocked();
  // The node's certificate in public:ccf.gov.nodes.endorsed_certificates.
  void RecordNodeCertificateLocked();
  bank::ledger::WriteSet SignatureWritesLocked(const bank::TxId& txid, const bank::Digest& root);
  // A snapshot is due at the signature transaction `seqno`: the interval
  // has passed, the ledger has grown enough since the previous snapshot,
  // and the snapshotter is idle (so that the previous size is known, and
  // no second image of the store is held).
  bool SnapshotDueLocked(uint64_t seqno) const {
    if (!snapshotter || seqno - last_snapshot_seqno < options.snapshot_tx_interval) return false;
    const double growth = options.snapshot_min_ledger_growth * static_cast<double>(snapshotter->LastSize());
    return static_cast<double>(ledger_bytes_since_snapshot) >= growth && !snapshotter->Busy();
  }
  // Copies the store at the signature `txid` for the snapshotter.
  void CaptureSnapshotLocked(const bank::TxId& txid);
  // The snapshot evidence transaction (the snapshotter's hook).
  std::optional<bank::TxId> AppendEvidence(uint64_t seqno, const bank::Digest& digest);
  void RunSigner();
  // OK when writes may go ahead: the group commit works, or it failed and
  // the ledger was rolled back to its durable point and a new view's
  // signature was made durable. Requires write_mu.
  bank::Status WritableLocked();
  bank::TxId LastTxId() const {  // requires write_mu or state_mu (any mode)
    return state.LastTxId(view);
  }
};

}  // namespace bankd::ledger
