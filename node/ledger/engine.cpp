#include "ledger/engine.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <fcntl.h>
#include <mutex>
#include <shared_mutex>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

#include "ledger/chunk_files.hpp"
#include "ledger/commit_evidence.hpp"
#include "ledger/file_io.hpp"
#include "ledger/group_commit.hpp"
#include "ledger/replay.hpp"
#include "ledger/state.hpp"

namespace bankd::ledger {

namespace bl = bank::ledger;

namespace {

constexpr const char* kLockFile = "ledger.lock";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bank::Status CheckOptions(const EngineOptions& o) {
  if (o.directory.empty()) return bank::Status::Usage("ledger directory not set");
  if (!o.node_cert.valid() || !o.node_key.valid()) return bank::Status::Usage("ledger needs the node certificate and key");
  if (o.signature_tx_count == 0) return bank::Status::Usage("signature transaction count must be at least 1");
  if (o.signature_interval.count() <= 0) return bank::Status::Usage("signature interval must be positive");
  if (o.flush_interval.count() < 0) return bank::Status::Usage("flush interval must not be negative");
  if (o.view == 0) return bank::Status::Usage("view must be at least 1");
  // Signatures must verify with the certificate they carry: check the pair
  // now rather than write a ledger nobody can verify.
  bank::Digest probe = bank::Sha256("bankd node key check");
  auto sig = o.node_key.SignDigest(probe);
  if (!sig.ok() || !o.node_cert.public_key().VerifyDigest(probe, *sig))
    return bank::Status::Usage("node key does not match the node certificate");
  if (o.service_cert.valid() && !o.node_cert.IsSignedBy(o.service_cert.public_key()))
    return bank::Status::VerifyFailed("node certificate is not endorsed by the service certificate");
  return bank::Status::OK();
}

// Holds an exclusive flock on the ledger directory for the engine's life;
// the kernel drops it when the process dies, so kill -9 leaves no stale lock.
bank::Result<int> LockDirectory(const std::string& directory) {
  std::string path = directory + "/" + kLockFile;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return bank::Status::InputFile("cannot open " + ErrnoMessage(path));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return bank::Status::Exists("ledger directory " + directory + " is in use by another process");
  }
  return fd;
}

}  // namespace

struct Engine::Impl {
  explicit Impl(EngineOptions o, CommitEvidence ce, int lock)
      : options(std::move(o)), evidence(std::move(ce)), lock_fd(lock) {}
  ~Impl() { ::close(lock_fd); }

  const EngineOptions options;
  const std::string node_id = options.node_cert.PublicKeyId();
  const std::string cert_pem = options.node_cert.Pem();
  uint64_t view = 0;  // of new transactions; set once by Open
  const CommitEvidence evidence;
  const int lock_fd;

  // One writer at a time. The writer reads `state` under this lock alone
  // (nobody else modifies it) and takes state_mu exclusively only to apply.
  std::mutex write_mu;
  mutable std::shared_mutex state_mu;
  LedgerState state;
  std::unique_ptr<GroupCommit> commit;

  std::mutex signer_mu;
  std::condition_variable signer_cv;
  bool signer_stop = false;
  std::chrono::steady_clock::time_point last_signature = std::chrono::steady_clock::now();
  std::thread signer;

  // Requires write_mu.
  uint64_t UnsignedLocked() const {
    const auto& sigs = state.signature_seqnos();
    return state.last_seqno() - (sigs.empty() ? 0 : sigs.back());
  }
  std::optional<bank::TxId> AppendLocked(bl::Entry&& entry, const std::optional<bank::Digest>& signed_root);
  bank::TxId SignLocked();
  void RunSigner();
  bank::TxId LastTxId() const {  // requires write_mu or state_mu (any mode)
    return state.LastTxId(view);
  }
};

std::optional<bank::TxId> Engine::Impl::AppendLocked(bl::Entry&& entry,
                                                     const std::optional<bank::Digest>& signed_root) {
  bl::EncodedEntry encoded = bl::EncodeEntry(entry);
  if (encoded.payload.size() > bl::kMaxPayloadBytes) {
    std::fprintf(stderr, "bankd: ledger: discarded a transaction of %zu bytes (the limit is %zu)\n",
                 encoded.payload.size(), bl::kMaxPayloadBytes);
    return std::nullopt;
  }
  std::string record;
  record.reserve(bl::kRecordHeaderBytes + encoded.payload.size());
  bl::AppendRecord(encoded.payload, &record);
  bank::Digest leaf = bank::LeafHash(encoded.write_set_digest, entry.commit_evidence, entry.claims_digest);
  const bank::TxId txid = entry.txid;

  uint32_t chunk;
  uint64_t chunk_first_seqno;
  {
    std::unique_lock lock(state_mu);
    if (state.chunks.empty() || state.chunks.back().bytes >= options.chunk_bytes)
      state.chunks.push_back({options.directory + "/" + bl::ChunkFileName(txid.seqno), txid.seqno, 0});
    chunk = static_cast<uint32_t>(state.chunks.size() - 1);
    ChunkInfo& info = state.chunks.back();
    chunk_first_seqno = info.first_seqno;
    EntryLocation location{chunk, static_cast<uint32_t>(record.size()), info.bytes};
    info.bytes += record.size();
    state.tree.Append(leaf);
    state.Record(txid, entry.timestamp_ms, std::move(entry.writes), location, signed_root);
  }
  // Still under write_mu: records reach the queue in seqno order.
  commit->Append(chunk, chunk_first_seqno, txid.seqno, record);
  return txid;
}

bank::TxId Engine::Impl::SignLocked() {
  const bank::TxId txid{view, state.last_seqno() + 1};
  bl::SignatureRecord signature;
  signature.txid = txid;
  signature.node_id = node_id;
  signature.root = state.tree.Root();  // every transaction before this one
  auto der = options.node_key.SignDigest(signature.root);
  if (!der.ok()) Fatal("cannot sign the Merkle root: " + der.status().message());
  signature.signature = std::move(*der);
  signature.cert_pem = cert_pem;

  bl::Entry entry;
  entry.kind = bl::EntryKind::kSignature;
  entry.txid = txid;
  entry.timestamp_ms = NowMs();
  entry.commit_evidence = evidence.For(txid);
  entry.claims_digest = bank::Digest{};
  entry.writes.push_back({std::string(bl::kSignaturesTable), std::string(bl::kSignatureKey), signature.ToJson()});
  // A signature entry is a few kilobytes: it always fits a record.
  AppendLocked(std::move(entry), signature.root);
  std::lock_guard lock(signer_mu);
  last_signature = std::chrono::steady_clock::now();
  return txid;
}

void Engine::Impl::RunSigner() {
  std::unique_lock lock(signer_mu);
  while (!signer_stop) {
    auto due = last_signature + options.signature_interval;
    if (std::chrono::steady_clock::now() < due) {
      signer_cv.wait_until(lock, due, [&] { return signer_stop; });
      continue;
    }
    lock.unlock();
    {
      std::lock_guard writer(write_mu);
      if (UnsignedLocked() > 0) {
        SignLocked();
      } else {
        std::lock_guard again(signer_mu);
        last_signature = std::chrono::steady_clock::now();
      }
    }
    lock.lock();
  }
}

bank::Result<std::unique_ptr<Engine>> Engine::Open(EngineOptions options) {
  BANK_RETURN_IF_ERROR(CheckOptions(options));
  BANK_RETURN_IF_ERROR(EnsureDirectory(options.directory));
  BANK_ASSIGN_OR_RETURN(int lock_fd, LockDirectory(options.directory));
  auto evidence = CommitEvidence::LoadOrCreate(options.directory);
  if (!evidence.ok()) {
    ::close(lock_fd);
    return evidence.status();
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(*evidence), lock_fd);
  const std::string& dir = impl->options.directory;
  LedgerState& state = impl->state;

  bank::Status replayed = Replay(dir, &state);
  if (!replayed.ok()) return replayed.WithContext("cannot open ledger " + dir);
  impl->view = state.last_seqno() == 0 ? impl->options.view
                                       : std::max(impl->options.view, state.ViewOf(state.last_seqno()) + 1);

  auto writer = std::make_unique<ChunkWriter>(dir);
  if (!state.chunks.empty()) {
    bank::Status reopened = writer->Reopen(static_cast<uint32_t>(state.chunks.size() - 1), state.chunks.back().path);
    if (!reopened.ok()) return reopened.WithContext("cannot open ledger " + dir);
  }
  impl->commit = std::make_unique<GroupCommit>(std::move(writer), state.last_seqno(), impl->options.flush_interval);
  impl->signer = std::thread([p = impl.get()] { p->RunSigner(); });
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Engine::~Engine() {
  {
    std::lock_guard lock(impl_->signer_mu);
    impl_->signer_stop = true;
  }
  impl_->signer_cv.notify_all();
  impl_->signer.join();
  impl_->commit->Stop();
}

Engine::WriteResult Engine::Write(const WriteFn& fn) {
  Impl& m = *impl_;
  std::lock_guard writer(m.write_mu);
  kv::Tx tx(m.state.store);
  if (!fn(tx) || (tx.empty() && !tx.claim())) return {false, m.LastTxId()};

  bl::Entry entry;
  entry.kind = bl::EntryKind::kWrite;
  entry.txid = {m.view, m.state.last_seqno() + 1};
  entry.timestamp_ms = NowMs();
  entry.commit_evidence = m.evidence.For(entry.txid);
  // As CCF: SHA-256 of the application claim, or zeros without one.
  entry.claims_digest = tx.claim() ? bank::Sha256(*tx.claim()) : bank::Digest{};
  entry.claim = tx.claim();
  entry.writes = tx.TakeWrites();
  auto txid = m.AppendLocked(std::move(entry), std::nullopt);
  if (!txid) return {false, m.LastTxId()};
  if (m.UnsignedLocked() >= m.options.signature_tx_count) m.SignLocked();
  return {true, *txid};
}

bank::TxId Engine::Read(const std::function<void(const kv::Store&)>& fn) const {
  std::shared_lock lock(impl_->state_mu);
  fn(impl_->state.store);
  return impl_->LastTxId();
}

bank::TxStatus Engine::Status(const bank::TxId& txid) const {
  if (txid.view == 0 || txid.seqno == 0) return bank::TxStatus::kInvalid;
  const Impl& m = *impl_;
  uint64_t durable = m.commit->durable_seqno();
  std::shared_lock lock(m.state_mu);
  if (txid.seqno > m.state.last_seqno())
    // An earlier view ended before this seqno: it can never exist.
    return txid.view < m.view ? bank::TxStatus::kInvalid : bank::TxStatus::kUnknown;
  if (m.state.ViewOf(txid.seqno) != txid.view)
    return txid.view > m.view ? bank::TxStatus::kUnknown : bank::TxStatus::kInvalid;
  return txid.seqno <= durable ? bank::TxStatus::kCommitted : bank::TxStatus::kPending;
}

bank::TxId Engine::LastWritten() const {
  std::shared_lock lock(impl_->state_mu);
  return impl_->LastTxId();
}

bank::TxId Engine::LastCommitted() const {
  uint64_t durable = impl_->commit->durable_seqno();
  std::shared_lock lock(impl_->state_mu);
  if (durable == 0) return {impl_->view, 0};
  return {impl_->state.ViewOf(durable), durable};
}

bool Engine::WaitCommitted(const bank::TxId& txid, std::chrono::milliseconds timeout) const {
  bank::TxStatus status = Status(txid);
  if (status == bank::TxStatus::kCommitted) return true;
  if (status == bank::TxStatus::kInvalid) return false;
  impl_->commit->WaitDurable(txid.seqno, timeout);
  return Status(txid) == bank::TxStatus::kCommitted;
}

std::optional<bank::Digest> Engine::LastSignedRoot() const {
  std::shared_lock lock(impl_->state_mu);
  return impl_->state.last_signed_root();
}

bank::Digest Engine::CurrentRoot() const {
  std::shared_lock lock(impl_->state_mu);
  return impl_->state.tree.Root();
}

std::optional<ReceiptMaterial> Engine::Receipt(const bank::TxId& txid) const {
  const Impl& m = *impl_;
  uint64_t durable = m.commit->durable_seqno();
  ReceiptMaterial out;
  out.txid = txid;
  std::string entry_path, signature_path;
  EntryLocation entry_at, signature_at;
  {
    std::shared_lock lock(m.state_mu);
    if (!m.state.Contains(txid)) return std::nullopt;
    const auto& sigs = m.state.signature_seqnos();
    // The first signature at or after txid signs a root covering it (its
    // own root, for a signature transaction).
    auto it = std::lower_bound(sigs.begin(), sigs.end(), txid.seqno);
    if (it == sigs.end() || *it > durable) return std::nullopt;
    out.signature_txid = {m.state.ViewOf(*it), *it};
    out.is_signature_transaction = *it == txid.seqno;
    if (!out.is_signature_transaction) out.proof = m.state.tree.Proof(txid.seqno - 1, *it - 1);
    entry_at = m.state.location(txid.seqno);
    signature_at = m.state.location(*it);
    entry_path = m.state.chunks[entry_at.chunk].path;
    signature_path = m.state.chunks[signature_at.chunk].path;
  }
  // Both entries are durable, hence in their files: read them without locks.
  auto entry = ReadEntryAt(entry_path, entry_at.offset, entry_at.size);
  auto signature_entry = out.is_signature_transaction ? entry
                                                      : ReadEntryAt(signature_path, signature_at.offset, signature_at.size);
  bank::Result<bl::SignatureRecord> signature =
      signature_entry.ok() ? bl::SignatureOf(signature_entry->entry) : signature_entry.status();
  if (!entry.ok() || !signature.ok()) {
    std::fprintf(stderr, "bankd: ledger: no receipt for %s: %s\n", txid.ToString().c_str(),
                 (!entry.ok() ? entry.status() : signature.status()).message().c_str());
    return std::nullopt;
  }
  out.write_set_digest = entry->write_set_digest;
  out.commit_evidence = std::move(entry->entry.commit_evidence);
  out.claims_digest = entry->entry.claims_digest;
  out.claim = std::move(entry->entry.claim);
  out.root = signature->root;
  out.signature = std::move(signature->signature);
  out.node_cert_pem = std::move(signature->cert_pem);
  return out;
}

std::optional<int64_t> Engine::Timestamp(const bank::TxId& txid) const {
  std::shared_lock lock(impl_->state_mu);
  if (!impl_->state.Contains(txid)) return std::nullopt;
  return impl_->state.timestamp_ms(txid.seqno);
}

bank::TxId Engine::Sign() {
  std::lock_guard writer(impl_->write_mu);
  return impl_->SignLocked();
}

void Engine::Flush() { impl_->commit->Flush(); }

}  // namespace bankd::ledger
