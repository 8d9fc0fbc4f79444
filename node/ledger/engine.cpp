#include "ledger/engine.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <thread>

#include "bank/cbor.hpp"
#include "bank/cose.hpp"
#include "bank/cose_receipt.hpp"
#include "bank/encoding.hpp"
#include "bank/ledger_files.hpp"
#include "bank/ledger_secret.hpp"
#include "bank/ledger_tables.hpp"
#include "ledger/chunk_files.hpp"
#include "ledger/commit_evidence.hpp"
#include "ledger/engine_impl.hpp"
#include "ledger/file_io.hpp"
#include "ledger/group_commit.hpp"
#include "ledger/loader.hpp"
#include "ledger/rollback.hpp"
#include "ledger/snapshotter.hpp"
#include "ledger/state.hpp"

namespace bankd::ledger {

namespace bl = bank::ledger;

namespace {

constexpr const char* kLockFile = "ledger.lock";
constexpr std::chrono::seconds kRecoveryBackoff{1};

std::string JsonString(const std::string& s) { return nlohmann::json(s).dump(); }

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bank::Status CheckOptions(const EngineOptions& o) {
  if (o.directory.empty()) return bank::Status::Usage("ledger directory not set");
  if (!o.node_cert.valid() || !o.node_key.valid())
    return bank::Status::Usage("ledger needs the node certificate and key");
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
  if (!o.service_cert.valid() || !o.service_key.valid() || o.secret_file.empty())
    return bank::Status::Usage("ledger needs the service certificate and key and a ledger secret file");
  if (!o.node_cert.IsSignedBy(o.service_cert.public_key()))
    return bank::Status::VerifyFailed("node certificate is not endorsed by the service certificate");
  if (o.service_key.Public().SpkiDer() != o.service_cert.public_key().SpkiDer())
    return bank::Status::Usage("service key does not match the service certificate");
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

// A new secret for an existing ledger would make its private tables
// unreadable: a missing secret with ledger files present refuses to start.
bank::Status CheckSecretPresent(const std::string& directory, const std::string& secret_file) {
  std::error_code ec;
  if (std::filesystem::exists(secret_file, ec)) return bank::Status::OK();
  bl::ListOptions list;
  list.uncommitted = true;
  BANK_ASSIGN_OR_RETURN(auto files, bl::ListLedgerFiles({directory}, list));
  if (files.empty()) return bank::Status::OK();
  return bank::Status::InputFile(secret_file + ": ledger secret missing, but " + files.front().path +
                                 " is encrypted under it (restore the file; a new secret cannot read it)");
}

}  // namespace

std::optional<bank::TxId> Engine::Impl::AppendLocked(bl::WriteSet&& writes, const bank::Digest& claims_digest,
                                                     bool signature,
                                                     const std::optional<bank::Digest>& signed_root,
                                                     bool snapshot) {
  const bank::TxId txid{view, state.last_seqno() + 1};
  const bool new_chunk = state.chunks.empty() || state.chunks.back().last_seqno.has_value();
  const uint64_t chunk_offset = new_chunk ? bl::kChunkHeaderSize : state.chunks.back().bytes;
  // A chunk is completed at the first signature once it is big enough,
  // and at a snapshot (so that the ledger after it starts a chunk).
  const bool ends_chunk = signature && (chunk_offset >= options.chunk_bytes || snapshot);
  auto serialised = serialiser.Serialise(txid, writes, claims_digest, evidence.For(txid),
                                         ends_chunk ? bl::kForceChunkAfter : 0, std::move(entry_buffer));
  if (!serialised.ok())
    Fatal("cannot serialise transaction " + txid.ToString() + ": " + serialised.status().message());
  if (serialised->bytes.size() > bl::kMaxEntrySize || chunk_offset + serialised->bytes.size() > UINT32_MAX) {
    std::fprintf(stderr, "bankd: ledger: discarded a transaction of %zu bytes (too large for a chunk)\n",
                 serialised->bytes.size());
    return std::nullopt;
  }
  uint64_t chunk_first_seqno;
  std::optional<GroupCommit::ChunkEnd> end;
  {
    std::unique_lock lock(state_mu);
    if (new_chunk) state.chunks.push_back({txid.seqno, std::nullopt, bl::kChunkHeaderSize, {}});
    ChunkInfo& info = state.chunks.back();
    chunk_first_seqno = info.first_seqno;
    EntryLocation location{static_cast<uint32_t>(state.chunks.size() - 1),
                           static_cast<uint32_t>(serialised->bytes.size()), info.bytes};
    info.positions.push_back(static_cast<uint32_t>(info.bytes));
    info.bytes += serialised->bytes.size();
    if (ends_chunk) {
      info.last_seqno = txid.seqno;
      end = GroupCommit::ChunkEnd{txid.seqno, std::move(info.positions)};
      info.positions = {};
    }
    state.tree.Append(serialised->leaf);
    state.Record(txid, std::move(writes), location, signed_root);
  }
  // Still under write_mu: entries reach the queue in seqno order.
  commit->Append(chunk_first_seqno, txid.seqno, serialised->bytes, std::move(end));
  ledger_bytes_since_snapshot += serialised->bytes.size();
  if (serialised->bytes.capacity() <= (size_t{1} << 20)) entry_buffer = std::move(serialised->bytes);
  return txid;
}

void Engine::Impl::RecordNodeCertificateLocked() {
  auto recorded = state.store.Get(bl::kEndorsedNodeCerts, node_id);
  if (recorded && *recorded == cert_pem) return;
  bl::WriteSet writes{{std::string(bl::kEndorsedNodeCerts), node_id, cert_pem}};
  AppendLocked(std::move(writes), bank::Digest{}, false, std::nullopt);
}

bl::WriteSet Engine::Impl::SignatureWritesLocked(const bank::TxId& txid, const bank::Digest& root) {
  bl::PrimarySignature sig;
  sig.txid = txid;
  uint64_t durable = commit->durable_seqno();
  sig.commit = durable == 0 ? bank::TxId{view, 0} : bank::TxId{state.ViewOf(durable), durable};
  sig.node_id = node_id;
  sig.root = root;
  auto der = options.node_key.SignDigest(root);
  if (!der.ok()) Fatal("cannot sign the Merkle root: " + der.status().message());
  sig.signature = std::move(*der);
  sig.cert_pem = cert_pem;

  auto cose = bank::SignRootCose(options.service_key, {root, txid, NowSeconds()});
  if (!cose.ok()) Fatal("cannot COSE-sign the Merkle root: " + cose.status().message());
  bank::Bytes sign1 = bank::cbor::Encode(bank::cbor::Value::Tag(
      bank::cose::kSign1Tag,
      bank::cbor::Value::MakeArray({bank::cbor::Value::Bytes(cose->protected_header),
                                    bank::cbor::Value::MakeMap(), bank::cbor::Value::Null(),
                                    bank::cbor::Value::Bytes(cose->signature)})));

  // The tree as merklecpp serialises it: the leaves since the previous
  // signature, and the subtrees before them.
  const auto& sigs = state.signature_seqnos();
  bl::SerialisedTree tree;
  tree.first_leaf = sigs.empty() ? 0 : sigs.back();
  for (uint64_t i = tree.first_leaf; i < txid.seqno; ++i) tree.leaves.push_back(state.tree.leaf(i));
  auto peaks = state.tree.PrefixPeaks(tree.first_leaf);
  tree.flushed.assign(peaks.rbegin(), peaks.rend());

  return {{std::string(bl::kCoseSignatures), bl::kSingletonKey, JsonString(bank::Base64Encode(sign1))},
          {std::string(bl::kSignatures), bl::kSingletonKey, sig.ToJson()},
          {std::string(bl::kTree), bl::kSingletonKey, bl::SerialiseTree(tree)}};
}

bank::TxId Engine::Impl::SignLocked() {
  RecordNodeCertificateLocked();
  const bank::TxId txid{view, state.last_seqno() + 1};
  const bank::Digest root = state.tree.Root();  // leaves 0 .. seqno - 1
  // A signature entry is a few kilobytes: it always fits.
  // Decided once: the signature ends its chunk exactly when it is captured.
  const bool snapshot = SnapshotDueLocked(txid.seqno);
  AppendLocked(SignatureWritesLocked(txid, root), bank::Digest{}, true, root, snapshot);
  if (snapshot) CaptureSnapshotLocked(txid);
  std::lock_guard lock(signer_mu);
  last_signature = std::chrono::steady_clock::now();
  return txid;
}

void Engine::Impl::CaptureSnapshotLocked(const bank::TxId& txid) {
  // Under the writer lock nothing else changes the state: an image of the
  // rows (shared, not copied) is consistent; serialising it is the
  // snapshotter's work.
  last_snapshot_seqno = txid.seqno;
  ledger_bytes_since_snapshot = 0;
  snapshotter->Submit(
      {txid, state.tree.leaf(txid.seqno), state.ViewHistory(txid.seqno), state.store.Capture()});
}

bank::Status Engine::Impl::WritableLocked() {
  if (!commit->failed()) return bank::Status::OK();
  // A full replay per refused write would be a denial of service of its
  // own: at most one attempt per backoff period.
  const auto now = std::chrono::steady_clock::now();
  if (now < next_recovery) return commit->failure();
  next_recovery = now + kRecoveryBackoff;
  commit->Abandon();
  const uint64_t durable = commit->durable_seqno();
  BANK_RETURN_IF_ERROR(DiscardUndurable(options.directory, state, durable));
  BANK_ASSIGN_OR_RETURN(auto loaded, LoadLedger(options.directory, options.snapshot_directory,
                                                options.service_cert, serialiser, options.chunk_bytes));
  if (loaded->state.last_seqno() < durable)  // DiscardUndurable keeps every durable entry
    return bank::Status::Internal("the ledger lost durable transactions; not accepting writes");
  {
    std::unique_lock lock(state_mu);
    state = std::move(loaded->state);
    // A new view, as after a restart: the ids of the transactions dropped
    // read Invalid instead of naming the ones that reuse their seqnos.
    view = std::max(view, state.last_seqno() == 0 ? 0 : state.ViewOf(state.last_seqno())) + 1;
  }
  last_snapshot_seqno = std::min(last_snapshot_seqno, state.last_seqno());
  commit->Restart(std::move(loaded->writer), state.last_seqno());
  // Every view starts with a signature; once it is durable the disk takes
  // writes again.
  SignLocked();
  commit->Flush();
  if (commit->failed()) return commit->failure();
  std::fprintf(stderr, "bankd: ledger: consistent again at %s; accepting writes\n",
               LastTxId().ToString().c_str());
  return bank::Status::OK();
}

std::optional<bank::TxId> Engine::Impl::AppendEvidence(uint64_t seqno, const bank::Digest& digest) {
  std::lock_guard writer(write_mu);
  if (commit->failed()) return std::nullopt;
  bl::WriteSet writes{
      {std::string(kSnapshotEvidence), bl::kSingletonKey, SnapshotEvidenceValue(digest, seqno)}};
  // As CCF: the evidence's claims digest is the snapshot's digest.
  auto txid = AppendLocked(std::move(writes), digest, false, std::nullopt);
  if (txid && UnsignedLocked() >= options.signature_tx_count) SignLocked();
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
      if (commit->failed()) {
        // Recovery waits for the next write: a failed disk is not retried
        // in the background.
        std::lock_guard again(signer_mu);
        last_signature = std::chrono::steady_clock::now();
      } else if (UnsignedLocked() > 0) {
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
  BANK_RETURN_IF_ERROR(CheckSecretPresent(options.directory, options.secret_file));
  BANK_ASSIGN_OR_RETURN(std::string secret, LoadOrCreateLedgerSecret(options.secret_file));
  BANK_ASSIGN_OR_RETURN(auto evidence, CommitEvidence::FromSecret(secret));
  BANK_ASSIGN_OR_RETURN(int lock_fd, LockDirectory(options.directory));
  auto impl = std::make_unique<Impl>(std::move(options), std::move(secret), std::move(evidence), lock_fd);
  const EngineOptions& o = impl->options;
  BANK_RETURN_IF_ERROR(CheckSecretOpens(o.directory, impl->serialiser, o.secret_file));
  BANK_ASSIGN_OR_RETURN(auto loaded, LoadLedger(o.directory, o.snapshot_directory, o.service_cert,
                                                impl->serialiser, o.chunk_bytes));
  impl->state = std::move(loaded->state);
  impl->last_snapshot_seqno = loaded->last_snapshot_seqno;
  const LedgerState& state = impl->state;
  for (const ChunkInfo& chunk : state.chunks)
    if (chunk.first_seqno > impl->last_snapshot_seqno) impl->ledger_bytes_since_snapshot += chunk.bytes;
  impl->view = state.last_seqno() == 0 ? o.view : std::max(o.view, state.ViewOf(state.last_seqno()) + 1);
  impl->commit =
      std::make_unique<GroupCommit>(std::move(loaded->writer), state.last_seqno(), o.flush_interval);
  std::unique_ptr<Engine> engine(new Engine(std::move(impl)));
  Impl* m = engine->impl_.get();
  if (!m->options.snapshot_directory.empty() && m->options.snapshot_tx_interval > 0) {
    Snapshotter::Hooks hooks;
    hooks.append_evidence = [m](uint64_t seqno, const bank::Digest& d) {
      return m->AppendEvidence(seqno, d);
    };
    hooks.receipt = [e = engine.get()](const bank::TxId& txid) -> std::optional<std::string> {
      auto material = e->Receipt(txid);
      if (!material) return std::nullopt;
      return bank::ReceiptToJson(JsonReceiptOf(*material)).dump();
    };
    m->snapshotter = std::make_unique<Snapshotter>(m->options.snapshot_directory, m->serialiser,
                                                   std::move(hooks), loaded->last_snapshot_bytes);
  }
  m->signer = std::thread([m] {
    ::pthread_setname_np(::pthread_self(), "bankd-signer");  // as top -H shows it
    m->RunSigner();
  });
  return engine;
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Engine::~Engine() { Stop(); }

void Engine::Stop() {
  if (impl_->snapshotter) impl_->snapshotter->Stop();  // it uses the writer and the flusher
  {
    std::lock_guard lock(impl_->signer_mu);
    impl_->signer_stop = true;
  }
  impl_->signer_cv.notify_all();
  if (impl_->signer.joinable()) impl_->signer.join();
  impl_->commit->Stop();
}

Engine::WriteResult Engine::Write(const WriteFn& fn) {
  Impl& m = *impl_;
  std::lock_guard writer(m.write_mu);
  if (bank::Status writable = m.WritableLocked(); !writable.ok()) return {false, m.LastTxId(), writable};
  kv::Tx tx(m.state.store);
  if (!fn(tx) || (tx.empty() && !tx.claim())) return {false, m.LastTxId(), {}};
  // As CCF: SHA-256 of the application claim, or zeros without one.
  bank::Digest claims = tx.claim() ? bank::Sha256(*tx.claim()) : bank::Digest{};
  bl::WriteSet writes = tx.TakeWrites();
  if (tx.claim() && std::none_of(writes.begin(), writes.end(), [](const bl::Write& w) {
        return w.table == kClaimTable && w.key == kClaimKey;
      }))
    // {"claim": text} as nlohmann writes it, without building the object.
    writes.push_back({kClaimTable, kClaimKey, "{\"claim\":" + JsonString(*tx.claim()) + "}"});
  auto txid = m.AppendLocked(std::move(writes), claims, false, std::nullopt);
  if (!txid) return {false, m.LastTxId(), {}};
  if (m.UnsignedLocked() >= m.options.signature_tx_count) m.SignLocked();
  return {true, *txid, {}};
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

bank::TxId Engine::Sign() {
  std::lock_guard writer(impl_->write_mu);
  if (!impl_->WritableLocked().ok()) return impl_->LastTxId();
  return impl_->SignLocked();
}

void Engine::Flush() { impl_->commit->Flush(); }

}  // namespace bankd::ledger
