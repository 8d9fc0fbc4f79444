#include "ledger/group_commit.hpp"

#include <pthread.h>

#include <cstdio>

namespace bankd::ledger {

GroupCommit::GroupCommit(std::unique_ptr<ChunkWriter> writer, uint64_t durable_seqno,
                         std::chrono::milliseconds interval)
    : writer_(std::move(writer)),
      interval_(interval),
      queued_seqno_(durable_seqno),
      durable_seqno_(durable_seqno) {
  flusher_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "bankd-commit");  // as top -H shows it
    Run();
  });
}

GroupCommit::~GroupCommit() { Stop(); }

void GroupCommit::Append(uint64_t chunk_first_seqno, uint64_t seqno, std::string_view entry,
                         std::optional<ChunkEnd> end) {
  bool was_empty;
  {
    std::lock_guard lock(queue_mu_);
    was_empty = queue_.empty();
    if (queue_.empty() || queue_.back().chunk_first_seqno != chunk_first_seqno || queue_.back().end) {
      queue_.push_back({chunk_first_seqno, std::move(spare_), std::nullopt});
      queue_.back().bytes.clear();
    }
    queue_.back().bytes.append(entry);
    queue_.back().end = std::move(end);
    queued_seqno_ = seqno;
  }
  if (was_empty) queue_cv_.notify_one();
}

void GroupCommit::Run() {
  using Clock = std::chrono::steady_clock;
  // As if the previous fsync had begun an interval ago: the first batch
  // goes at once.
  Clock::time_point last_start = Clock::now() - interval_;
  std::unique_lock lock(queue_mu_);
  while (true) {
    queue_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) break;  // Stop() flushes the rest itself
    // Let a batch build up until `interval_` after the previous fsync began.
    queue_cv_.wait_until(lock, last_start + interval_, [&] { return stop_; });
    if (stop_) break;
    last_start = Clock::now();
    lock.unlock();
    {
      std::lock_guard io(io_mu_);
      FlushQueued();
    }
    lock.lock();
  }
}

void GroupCommit::FlushQueued() {
  std::vector<Segment> batch;
  uint64_t last;
  {
    std::lock_guard lock(queue_mu_);
    batch.swap(queue_);
    last = queued_seqno_;
  }
  if (batch.empty() || failed() || !writer_) return;  // dropped: Restart() rebuilds from disk
  bank::Status st;
  for (const auto& segment : batch) {
    st = writer_->Append(segment.chunk_first_seqno, segment.bytes);
    if (st.ok() && segment.end) st = writer_->Close(segment.end->last_seqno, segment.end->positions);
    if (!st.ok()) break;
  }
  if (st.ok()) st = writer_->Sync();
  if (!st.ok()) {
    std::fprintf(stderr, "bankd: ledger: %s; refusing writes until the ledger is consistent again\n",
                 st.message().c_str());
    {
      std::lock_guard lock(failure_mu_);
      failure_ = st;
    }
    failed_.store(true, std::memory_order_release);
    return;
  }
  {
    std::lock_guard lock(durable_mu_);
    durable_seqno_.store(last, std::memory_order_release);
  }
  durable_cv_.notify_all();
  std::lock_guard lock(queue_mu_);
  if (spare_.capacity() < batch.front().bytes.capacity()) spare_ = std::move(batch.front().bytes);
}

void GroupCommit::Flush() {
  std::lock_guard io(io_mu_);
  FlushQueued();
}

void GroupCommit::Stop() {
  {
    std::lock_guard lock(queue_mu_);
    if (stop_) return;
    stop_ = true;
  }
  queue_cv_.notify_all();
  flusher_.join();
  Flush();
}

bank::Status GroupCommit::failure() const {
  std::lock_guard lock(failure_mu_);
  return failure_;
}

void GroupCommit::Abandon() {
  std::lock_guard io(io_mu_);
  {
    std::lock_guard lock(queue_mu_);
    queue_.clear();
    queued_seqno_ = durable_seqno();
  }
  writer_.reset();
}

void GroupCommit::Restart(std::unique_ptr<ChunkWriter> writer, uint64_t durable_seqno) {
  std::lock_guard io(io_mu_);
  {
    std::lock_guard lock(queue_mu_);
    queue_.clear();
    queued_seqno_ = durable_seqno;
  }
  writer_ = std::move(writer);
  {
    std::lock_guard lock(durable_mu_);
    durable_seqno_.store(durable_seqno, std::memory_order_release);
  }
  {
    std::lock_guard lock(failure_mu_);
    failure_ = bank::Status::OK();
  }
  failed_.store(false, std::memory_order_release);
  durable_cv_.notify_all();
}

bool GroupCommit::WaitDurable(uint64_t seqno, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(durable_mu_);
  return durable_cv_.wait_for(lock, timeout, [&] { return durable_seqno() >= seqno; });
}

}  // namespace bankd::ledger
