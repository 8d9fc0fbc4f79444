// Group commit: the writer queues serialised entries in memory; one background
// flusher writes everything queued, fsyncs once for the whole batch, and
// only then advances the durable seqno. A batch is whatever accumulated
// while the previous fsync ran (and, at most, since `interval` before), so
// under load one fsync covers many transactions at no added latency.
//
// The flusher never holds the engine's locks: it takes the queue under its
// own short mutex, then does the I/O with no lock but its own I/O mutex.
//
// A failed write or fsync (ENOSPC, EROFS, EIO) does not end the process:
// the batch is dropped, durable_seqno stays where it was, and the group
// commit is failed (failure() says why) until Restart(): every batch queued
// meanwhile is dropped too. Nothing is ever retried in place: after a
// failed fsync what the file holds is unknown (a second fsync may report
// success for pages the kernel already dropped), so the engine discards
// everything after the durable point and replays the ledger from disk
// (ledger/rollback.hpp) before it restarts the group commit.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ledger/chunk_files.hpp"

namespace bankd::ledger {

class GroupCommit {
 public:
  // `durable_seqno`: the last seqno already on disk. `interval`: the
  // shortest time between the starts of two fsyncs (0: back to back).
  GroupCommit(std::unique_ptr<ChunkWriter> writer, uint64_t durable_seqno,
              std::chrono::milliseconds interval);
  ~GroupCommit();  // Stop()
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // The completion of a chunk after its last entry (ledger/chunk_files.hpp).
  struct ChunkEnd {
    uint64_t last_seqno = 0;
    std::vector<uint32_t> positions;
  };
  // Queues the entry of `seqno` (seqnos arrive in order) for the chunk
  // that starts at `chunk_first_seqno`; with `end`, the chunk is completed
  // after it.
  void Append(uint64_t chunk_first_seqno, uint64_t seqno, std::string_view entry,
              std::optional<ChunkEnd> end = std::nullopt);
  // Writes and fsyncs everything queued before the call.
  void Flush();
  // Flushes what is queued and stops the flusher. Idempotent.
  void Stop();

  uint64_t durable_seqno() const { return durable_seqno_.load(std::memory_order_acquire); }
  // The first I/O failure since the start (or the last Restart()); OK
  // while the group commit works.
  bank::Status failure() const;
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  // After a failure: drops what is queued and closes the chunk file; no
  // I/O until Restart().
  void Abandon();
  // Continues with `writer` after the ledger on disk was made consistent
  // again; `durable_seqno` is its last (durable) seqno. Clears the failure.
  void Restart(std::unique_ptr<ChunkWriter> writer, uint64_t durable_seqno);
  // Blocks until `seqno` is durable or `timeout` passes; true when durable.
  bool WaitDurable(uint64_t seqno, std::chrono::milliseconds timeout) const;

 private:
  struct Segment {
    uint64_t chunk_first_seqno;
    std::string bytes;
    std::optional<ChunkEnd> end;  // the chunk ends after these bytes
  };

  void Run();
  // Takes the queue and makes it durable; holds io_mu_.
  void FlushQueued();

  std::unique_ptr<ChunkWriter> writer_;
  const std::chrono::milliseconds interval_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;  // flusher waits for records / stop
  std::vector<Segment> queue_;
  uint64_t queued_seqno_ = 0;  // last seqno in queue_ (or already taken)
  // A written batch's buffer, for the next batch: a fresh one grew by
  // reallocations and page faults, 2.6% of the request threads' time
  // (bench/RESULTS-write-path-rounds-4-5.md).
  std::string spare_;
  bool stop_ = false;

  std::mutex io_mu_;  // one batch of I/O at a time (flusher or Flush())

  std::atomic<bool> failed_{false};
  mutable std::mutex failure_mu_;
  bank::Status failure_;  // requires failure_mu_

  std::atomic<uint64_t> durable_seqno_;
  mutable std::mutex durable_mu_;
  mutable std::condition_variable durable_cv_;

  std::thread flusher_;
};

}  // namespace bankd::ledger
