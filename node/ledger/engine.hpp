// The transaction engine: executes transactions one writer at a time, makes
// them durable in the ledger, tracks commit, builds the Merkle tree and emits
// signature transactions, and rebuilds everything from the ledger on start.
//
// Contract:
//  - Write(fn): runs fn(tx) under the single writer lock. If fn returns true
//    and tx wrote something (or set a claim), the write set becomes the next
//    transaction: seqno assigned, entry queued for the ledger, store
//    updated, Merkle leaf added. Returns its TxId immediately (before it is
//    durable), as CCF does. A transaction that wrote nothing gets no seqno
//    (CCF does not record empty write sets). fn must not call Write or Sign
//    (the writer lock is not recursive); it may call the const methods.
//  - A transaction is Committed once a group-commit fsync covers it; Status()
//    says Pending before that. Nothing reported Committed is ever lost.
//  - Read(fn): runs fn against the latest in-memory state (durable or not)
//    under a shared lock; returns the TxId of the last write fn could read.
//  - The ledger is a CCF ledger (bank/ledger_entry.hpp, ledger_files.hpp):
//    CCF's chunk files, entries, public domain and AES-256-GCM private
//    domain under the ledger secret (options.secret_file, 0600, outside
//    the ledger directory), CCF's Merkle tree (leaf 0 is zeros, leaf i is
//    seqno i).
//  - Signature transactions are appended after every `signature_tx_count`
//    transactions, and by a background thread when `signature_interval`
//    passed with transactions since the last one, exactly as CCF writes
//    them (bank/ledger_tables.hpp): the node's JSON signature of the root,
//    the service's COSE_Sign1 over it, and the tree. Before the first
//    signature by a node, its certificate (endorsed by the service) is
//    recorded in public:ccf.gov.nodes.endorsed_certificates. A chunk is
//    completed after the first signature at which it holds `chunk_bytes`.
//  - A transaction's claim is recorded as CCF's banking app records it,
//    private table `current_claim`, key "key", {"claim": text} (unless the
//    transaction wrote that key itself); receipts read it back.
//  - I/O failures (ENOSPC, EROFS, EIO on a write or fsync) never end the
//    process. The group commit stops (ledger/group_commit.hpp); Write()
//    and Sign() then refuse (WriteResult::unavailable, fn is not run),
//    while reads go on against the in-memory state. The next Write() at
//    least a second later recovers: the files are cut back to the last
//    durable transaction (ledger/rollback.hpp), the state is replayed from
//    them (so ledger and state agree), a new view starts with a signature,
//    and once that signature is durable writes are accepted again. Only
//    Pending transactions are lost (their ids read Invalid); nothing
//    reported Committed is.
//  - Open() replays the ledger directory. A torn tail (a partial last entry
//    of the open chunk) is truncated with a warning; any other damage
//    refuses to start with a message naming file, offset and transaction.
//  - Each Open() of a non-empty ledger starts a new view (one past the last
//    recorded view, and at least options.view), as CCF's recovery does:
//    transactions still queued in memory when a node dies are lost (they
//    were only ever Pending), and the new view makes their ids read Invalid
//    instead of naming whichever transaction later reuses the seqno.
//  - Snapshots (ledger/snapshotter.hpp): with `snapshot_directory` set,
//    at the first signature `snapshot_tx_interval` transactions after the
//    previous snapshot (and once the ledger since it is
//    `snapshot_min_ledger_growth` x its size) the chunk ends and a CCF
//    snapshot of the store at that signature is written off the writer
//    thread, with its evidence transaction and, once a signature covers
//    that, its receipt. Open()
//    starts from the latest snapshot that verifies (ledger/
//    snapshot_restore.hpp) and replays only the ledger after it; receipts
//    and Status() of the transactions it covers work as after a full
//    replay.
//  - The directory also holds ledger.lock (an flock: one engine per
//    directory at a time), which readers of the ledger ignore.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bank/certificate.hpp"
#include "bank/key.hpp"
#include "bank/merkle.hpp"
#include "bank/receipt.hpp"
#include "bank/txid.hpp"
#include "kv/tx.hpp"

namespace bankd::ledger {

struct EngineOptions {
  std::string directory;  // ledger chunk files (created if missing)
  bank::Certificate node_cert;
  bank::PrivateKey node_key;
  bank::Certificate service_cert;  // must have signed node_cert
  bank::PrivateKey service_key;    // signs the COSE root signatures
  std::string secret_file;         // the ledger secret, created if missing
  size_t signature_tx_count = 5000;
  std::chrono::milliseconds signature_interval{1000};  // > 0
  // Group commit cadence: the shortest time between the starts of two
  // fsyncs (0: fsync again as soon as the previous one finished).
  std::chrono::milliseconds flush_interval{2};
  size_t chunk_bytes = 5 << 20;  // complete a chunk at a signature after this (CCF's default)
  uint64_t view = 2;             // of a new ledger; CCF services show view 2
  // CCF snapshots, as CCF's `snapshots.directory` and `snapshots.tx_count`:
  // empty directory: none written or read; interval 0: none written (the
  // latest is still started from). 10,000 is CCF's default interval.
  std::string snapshot_directory;
  size_t snapshot_tx_interval = 10000;
  // Beyond CCF: a snapshot is also not taken before the ledger written
  // since the previous one is G (this) times that snapshot's size. A
  // snapshot is the whole store, so at a fixed interval its cost per
  // transaction grows with the store; with this bound the snapshot bytes
  // written never exceed 1/G of the ledger bytes, and a restart replays
  // at most about G x the snapshot's size of ledger after it. 0: every
  // `snapshot_tx_interval` transactions, as CCF.
  double snapshot_min_ledger_growth = 1.0;
};

// Everything a receipt for one transaction needs: `proof` walks the leaf of
// `txid` (index seqno) up to `root`, the root signed by the first
// signature transaction after it. For a signature transaction itself
// (CCF's signature receipt), `root` and `signature` are its own, the proof
// is empty and the root is the receipt's leaf.
struct ReceiptMaterial {
  bank::TxId txid;
  bank::Digest write_set_digest;
  std::string commit_evidence;
  std::optional<bank::Digest> claims_digest;
  std::optional<std::string> claim;
  std::vector<bank::ProofStep> proof;
  bank::Digest root;
  bank::Bytes signature;  // DER ECDSA by the node key over root (prehashed)
  bank::TxId signature_txid;
  std::string node_cert_pem;
  // The service's COSE_Sign1 over `root` from the signature transaction.
  bank::Bytes cose_protected_header;
  bank::Bytes cose_signature;  // raw r || s
  bool is_signature_transaction = false;
};

// CCF's JSON receipt of that material (served by /app/receipt, appended
// to snapshots).
bank::Receipt JsonReceiptOf(const ReceiptMaterial& material);

class Engine {
 public:
  static bank::Result<std::unique_ptr<Engine>> Open(EngineOptions options);
  ~Engine();  // Stop(), then frees the state

  // Flushes and stops the background threads (snapshotter, signer, group
  // commit); later calls do nothing. For when nothing writes any more.
  void Stop();

  using WriteFn = std::function<bool(kv::Tx&)>;
  struct WriteResult {
    bool committed = false;  // false: fn returned false or wrote nothing
    bank::TxId txid;         // the new transaction, or the last one when !committed
    // Not OK: the ledger cannot be written (fn did not run); why.
    bank::Status unavailable;
  };
  WriteResult Write(const WriteFn& fn);

  bank::TxId Read(const std::function<void(const kv::Store&)>& fn) const;

  bank::TxStatus Status(const bank::TxId& txid) const;
  bank::TxId LastWritten() const;
  bank::TxId LastCommitted() const;  // durable
  // Blocks until `txid` is durable or `timeout` passes; true when durable.
  bool WaitCommitted(const bank::TxId& txid, std::chrono::milliseconds timeout) const;

  // Root recorded by the latest signature transaction (CCF's state digest);
  // nullopt before the first signature.
  std::optional<bank::Digest> LastSignedRoot() const;
  // Root of the tree as of the last written transaction.
  bank::Digest CurrentRoot() const;
  // Receipt data once a committed signature covers `txid`; nullopt while it
  // does not (callers answer 202), or when txid is not a transaction.
  std::optional<ReceiptMaterial> Receipt(const bank::TxId& txid) const;
  // Appends a signature transaction now, even with nothing new to sign.
  bank::TxId Sign();
  // Writes and fsyncs everything buffered.
  void Flush();

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bankd::ledger
