#include "ledger/snapshotter.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "bank/ledger_snapshot.hpp"
#include "ledger/file_io.hpp"

namespace bankd::ledger {

namespace {

// How often a pending snapshot looks for its evidence's receipt: the
// receipt comes with the next durable signature (signature_interval).
constexpr std::chrono::milliseconds kReceiptPoll{10};

// The snapshotter thread's nice value: the lowest priority (man 2
// setpriority).
constexpr int kSnapshotterNice = 19;

}  // namespace

std::string SnapshotEvidenceValue(const bank::Digest& snapshot_digest, uint64_t seqno) {
  // CCF's SnapshotHash as JSON: {"hash": lowercase hex, "version": seqno}.
  return nlohmann::json{{"hash", bank::DigestHex(snapshot_digest)}, {"version", seqno}}.dump();
}

Snapshotter::Snapshotter(std::string directory, const Serialiser& serialiser, Hooks hooks, uint64_t last_size)
    : directory_(std::move(directory)),
      serialiser_(serialiser),
      hooks_(std::move(hooks)),
      last_size_(last_size) {
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "bankd-snapshot");  // as top -H shows it
    // A snapshot is background work that takes a whole core for up to a
    // second: at the lowest priority it yields to the request thread and to
    // clients on the same machine instead of making their requests wait
    // (bench/RESULTS-write-path.md, round 8), and still runs on any core
    // they leave idle. Linux's nice value is per thread. Should the call
    // fail (a sandbox that forbids it), snapshots run as before.
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kSnapshotterNice);
    Run();
  });
}

Snapshotter::~Snapshotter() { Stop(); }

void Snapshotter::Submit(SnapshotCapture&& capture) {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    waiting_ = std::move(capture);
  }
  cv_.notify_all();
}

bool Snapshotter::Busy() const {
  std::lock_guard lock(mu_);
  return waiting_.has_value() || writing_;
}

void Snapshotter::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
    waiting_.reset();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Snapshotter::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || waiting_.has_value(); });
    if (stop_) return;
    SnapshotCapture capture = std::move(*waiting_);
    waiting_.reset();
    writing_ = true;
    Write(std::move(capture), lock);
    writing_ = false;
  }
}

void Snapshotter::Write(SnapshotCapture capture, std::unique_lock<std::mutex>& lock) {
  const std::string name_of = "snapshot at " + capture.txid.ToString();
  auto warn = [&](const std::string& why) {
    std::fprintf(stderr, "bankd: ledger: %s not written: %s\n", name_of.c_str(), why.c_str());
  };
  lock.unlock();
  bank::Status serialised = serialiser_.SerialiseSnapshot(capture.txid, capture.leaf, capture.view_history,
                                                          std::move(capture.image), &buffer_);
  std::optional<bank::TxId> evidence;
  if (serialised.ok()) evidence = hooks_.append_evidence(capture.txid.seqno, bank::Sha256(buffer_.entry()));
  lock.lock();
  if (!serialised.ok()) return warn(serialised.message());
  last_size_.store(buffer_.entry().size(), std::memory_order_relaxed);
  if (!evidence) return warn("its evidence transaction could not be written");

  // The receipt exists once a signature after the evidence is durable.
  std::optional<std::string> receipt;
  while (!stop_) {
    lock.unlock();
    receipt = hooks_.receipt(*evidence);
    lock.lock();
    if (receipt) break;
    cv_.wait_for(lock, kReceiptPoll, [&] { return stop_; });
  }
  if (!receipt) return;  // stopping: dropped, as CCF drops pending snapshots

  lock.unlock();
  buffer_.bytes.append(*receipt);
  std::string name = bank::ledger::SnapshotFileName(capture.txid.seqno, evidence->seqno);
  bank::Status st = CreateFileDurably(directory_, name, buffer_.entry(), 0644);
  lock.lock();
  if (!st.ok()) warn(st.message());
}

}  // namespace bankd::ledger
