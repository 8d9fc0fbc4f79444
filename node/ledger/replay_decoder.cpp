#include "ledger/replay_decoder.hpp"

#include <utility>

namespace bankd::ledger {

namespace bl = bank::ledger;

namespace {

size_t BytesOf(const DecodedBatch& b) {
  return b.plaintext.capacity() + b.entries.capacity() * sizeof(DecodedEntry);
}

}  // namespace

ReplayDecoder::ReplayDecoder(std::vector<bl::LedgerFile> files, uint64_t first_seqno,
                             const Serialiser& serialiser, DecoderLimits limits)
    : files_(std::move(files)),
      first_seqno_(first_seqno),
      serialiser_(serialiser),
      limits_(limits),
      reader_(files_, first_seqno),
      thread_([this] { Run(); }) {}

ReplayDecoder::~ReplayDecoder() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void ReplayDecoder::Run() {
  DecodedBatch batch;
  bl::ReadEntry e;
  while (reader_.Next(&e)) {
    if (batch.plaintext.empty()) batch.plaintext.reserve(2 * limits_.batch_bytes);
    DecodedEntry& d = batch.entries.emplace_back();
    d.file = &reader_.files()[e.file_index];  // the reader's list does not change
    d.offset = e.offset;
    d.size = static_cast<uint32_t>(e.frame.raw.size());
    d.txid = e.frame.txid;
    d.leaf = bl::LeafOf(e.frame, e.domain);
    d.plain_at = batch.plaintext.size();
    bank::Status opened = serialiser_.Open(e.frame, &batch.plaintext);
    d.plain_size = batch.plaintext.size() - d.plain_at;
    d.domain = std::move(e.domain);
    if (!opened.ok()) {
      // Replay stops at a damaged entry: nothing after it is needed.
      d.problem = opened.message();
      break;
    }
    if (batch.plaintext.size() >= limits_.batch_bytes && !Push(std::exchange(batch, {}))) return;
  }
  if (!batch.entries.empty() && !Push(std::move(batch))) return;
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  changed_.notify_all();
}

bool ReplayDecoder::Push(DecodedBatch&& batch) {
  const size_t bytes = BytesOf(batch);
  std::unique_lock lock(mu_);
  // One batch always fits, so that a batch bigger than the bound passes.
  changed_.wait(lock,
                [&] { return stop_ || queue_.empty() || queued_bytes_ + bytes <= limits_.ahead_bytes; });
  if (stop_) return false;
  queued_bytes_ += bytes;
  queue_.push_back(std::move(batch));
  lock.unlock();
  changed_.notify_all();
  return true;
}

std::optional<DecodedBatch> ReplayDecoder::Next() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return done_ || !queue_.empty(); });
  if (queue_.empty()) return std::nullopt;
  DecodedBatch batch = std::move(queue_.front());
  queue_.pop_front();
  queued_bytes_ -= BytesOf(batch);
  lock.unlock();
  changed_.notify_all();
  return batch;
}

}  // namespace bankd::ledger
