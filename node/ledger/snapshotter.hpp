// Writing CCF snapshots (bank/ledger_snapshot.hpp) of the engine's store,
// as CCF's snapshotter does (src/node/snapshotter.h):
//
//  - The engine decides: at the first signature transaction at least
//    `snapshot_tx_interval` transactions after the previous snapshot (or
//    seqno 0), it ends the ledger chunk after that signature (so the
//    ledger after a snapshot starts a chunk, as CCF's does) and, under its
//    writer lock, takes a consistent image of the store at that seqno
//    (SnapshotCapture: the rows pointed at through their slots' shared
//    chunks, nothing copied or serialised: 15 us at 1,000,000 rows) and
//    Submit()s it.
//  - The snapshotter's own thread (at nice 19: it yields the CPU to
//    requests) then, with no engine lock held,
//    serialises the snapshot entry (Serialiser::SerialiseSnapshot), and
//    asks the engine (hooks.append_evidence) to append CCF's snapshot
//    evidence transaction: `public:ccf.internal.snapshot_evidence` =
//    {"hash": hex SHA-256 of the serialised snapshot, "version": its
//    seqno}, whose claims digest is that same hash.
//  - Once a durable signature covers the evidence (hooks.receipt answers),
//    it appends the evidence's JSON receipt to the snapshot and writes
//    `snapshot_<seqno>_<evidence seqno>.committed` in `directory` durably:
//    a temporary file, fsync, link to the name, directory fsync. A file
//    under that name is always whole.
//  - One snapshot at a time: the engine takes no capture while the
//    snapshotter is Busy() (one waiting or being written),
//    and should one be submitted anyway it replaces the waiting one. A
//    snapshot still in progress when the engine stops is dropped (CCF's pending snapshots are too); a failure
//    to write is a one-line warning on stderr, never fatal: the ledger alone is the source of truth.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bank/hash.hpp"
#include "bank/ledger_entry.hpp"
#include "bank/txid.hpp"
#include "ledger/serialiser.hpp"

namespace bankd::ledger {

inline constexpr std::string_view kSnapshotEvidence = "public:ccf.internal.snapshot_evidence";

// The store as of a signature transaction, captured by the writer.
struct SnapshotCapture {
  bank::TxId txid;                     // of the signature transaction
  bank::Digest leaf{};                 // its Merkle leaf (the hash at snapshot)
  std::vector<uint64_t> view_history;  // CCF's: element i, first seqno of view i + 1
  kv::StoreImage image;                // kv::Store::Capture()
};

// The value CCF records in public:ccf.internal.snapshot_evidence.
std::string SnapshotEvidenceValue(const bank::Digest& snapshot_digest, uint64_t seqno);

class Snapshotter {
 public:
  struct Hooks {
    // Appends the evidence transaction of the snapshot at `seqno` whose
    // serialised entry has `digest`; its txid, nullopt when not written.
    std::function<std::optional<bank::TxId>(uint64_t seqno, const bank::Digest& digest)> append_evidence;
    // The serialised JSON receipt of `txid` once a durable signature
    // covers it; nullopt before.
    std::function<std::optional<std::string>(const bank::TxId& txid)> receipt;
  };

  // `directory` must exist; `serialiser` must outlive the snapshotter.
  // `last_size`: the size of the snapshot the store started from (0: none).
  Snapshotter(std::string directory, const Serialiser& serialiser, Hooks hooks, uint64_t last_size = 0);
  ~Snapshotter();  // Stop()
  Snapshotter(const Snapshotter&) = delete;
  Snapshotter& operator=(const Snapshotter&) = delete;

  void Submit(SnapshotCapture&& capture);
  // Whether a snapshot is waiting or being written: the engine takes no
  // new capture then (a second image of the whole store, held for
  // nothing) and snapshots at a later signature instead.
  bool Busy() const;
  // The size of the last snapshot serialised (or started from; 0 before
  // any): what the engine's snapshot_min_ledger_growth compares the ledger
  // with.
  uint64_t LastSize() const { return last_size_.load(std::memory_order_relaxed); }
  // Drops what is pending and joins the thread. Idempotent.
  void Stop();

 private:
  void Run();
  // Serialises, records the evidence, waits for its receipt, writes.
  void Write(SnapshotCapture capture, std::unique_lock<std::mutex>& lock);

  const std::string directory_;
  const Serialiser& serialiser_;
  const Hooks hooks_;
  // The snapshot being written; only the snapshotter's thread touches it.
  // Kept from one snapshot to the next: a fresh buffer of a snapshot's
  // size costs a page fault and a zeroed page per page it spans.
  SnapshotBuffer buffer_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<SnapshotCapture> waiting_;
  bool writing_ = false;
  bool stop_ = false;
  std::atomic<uint64_t> last_size_{0};
  std::thread thread_;
};

}  // namespace bankd::ledger
