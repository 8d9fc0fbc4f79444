// The first half of a replay, on a thread of its own: reading the ledger's
// entries after a seqno (with the reader's framing, name and seqno
// checks), each one's Merkle leaf (the SHA-256 of the whole entry) and the
// AES-GCM opening of its private domain. That is about 40% of a replay
// (bench/RESULTS-write-path.md, round 7), and none of it needs the store:
// it runs while the snapshot is restored, and then ahead of Replay(),
// which parses and applies in order.
//
// Each batch's plaintexts share one buffer, allocated and freed once, so
// the two threads do not trade small allocations (a decoder that parsed
// the writes too was slower: the applying thread then freed, into the
// other thread's malloc arena, what the decoder allocated). What is
// queued is bounded (DecoderLimits); the decoder waits when it is full.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bank/hash.hpp"
#include "bank/ledger_files.hpp"
#include "ledger/serialiser.hpp"

namespace bankd::ledger {

struct DecodedEntry {
  const bank::ledger::LedgerFile* file = nullptr;  // the decoder's: valid as long as it is
  uint64_t offset = 0;                             // of its header in that file
  uint32_t size = 0;                               // of the whole entry
  bank::TxId txid;
  bank::Digest leaf{};
  bank::ledger::PublicDomain domain;
  size_t plain_at = 0, plain_size = 0;  // its private domain in the batch's plaintext
  std::optional<std::string> problem;   // it does not open: the last entry decoded
};

struct DecodedBatch {
  std::string plaintext;
  std::vector<DecodedEntry> entries;
};

struct DecoderLimits {
  // A batch is handed over when its plaintext passes this (or at the end).
  size_t batch_bytes = size_t{1} << 20;
  // What may be queued; one batch always may. Enough for the ledger after
  // the newest snapshot at min_ledger_growth 1 on a million transfers
  // (about 360 MB), so that all of it is decoded while the snapshot is
  // restored.
  size_t ahead_bytes = size_t{512} << 20;
};

class ReplayDecoder {
 public:
  // Starts decoding `files` from `first_seqno` (1, or the one after a
  // snapshot); `serialiser` must outlive the decoder.
  ReplayDecoder(std::vector<bank::ledger::LedgerFile> files, uint64_t first_seqno,
                const Serialiser& serialiser, DecoderLimits limits = {});
  ~ReplayDecoder();  // stops the thread (what is queued is dropped)
  ReplayDecoder(const ReplayDecoder&) = delete;
  ReplayDecoder& operator=(const ReplayDecoder&) = delete;

  uint64_t first_seqno() const { return first_seqno_; }
  // Every file it was given, also those before first_seqno.
  const std::vector<bank::ledger::LedgerFile>& files() const { return files_; }
  // The next batch, in seqno order; nullopt once every entry was handed out.
  std::optional<DecodedBatch> Next();
  // After Next() returned nullopt: where reading failed, or the torn tail
  // that ended it (bank::ledger::LedgerReader's).
  const std::optional<bank::ledger::ReadError>& error() const { return reader_.error(); }
  const std::optional<bank::ledger::TornTail>& torn_tail() const { return reader_.torn_tail(); }

 private:
  void Run();
  // Queues `batch`; false when the decoder is to stop.
  bool Push(DecodedBatch&& batch);

  const std::vector<bank::ledger::LedgerFile> files_;
  const uint64_t first_seqno_;
  const Serialiser& serialiser_;
  const DecoderLimits limits_;
  bank::ledger::LedgerReader reader_;  // the decoder thread's until done_

  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<DecodedBatch> queue_;
  size_t queued_bytes_ = 0;
  bool done_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: started once the rest is built
};

}  // namespace bankd::ledger
