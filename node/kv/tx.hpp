// The transactional store: committed state (Store) and one transaction's
// view of it (Tx), which buffers writes until the engine commits them.
//
// Tables and keys are strings; values are opaque bytes. Iteration is in key order. A Store is not
// synchronised: the ledger::Engine owns the one Store and serialises access to it.
//
// As CCF's store, each row remembers the version (seqno) that last wrote
// it and each table the version that last changed it (a write or a
// removal): a CCF snapshot records both (bank/ledger_entry.hpp).
//
// A stored row is immutable: an update stores a new one. So a snapshot's
// capture points at the rows instead of copying them (CCF's CHAMP maps
// share theirs the same way), and the writer goes on while the snapshotter
// encodes them: the store keeps the rows it replaces or removes for as
// long as a capture may read them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bank/ledger_entry.hpp"
#include "bank/write_set.hpp"
#include "kv/row_index.hpp"
#include "kv/row_slots.hpp"

namespace bankd::kv {

using bank::ledger::WriteSet;
// Return false to stop iterating.
using Visitor = std::function<bool(const std::string& key, const std::string& value)>;

// One row as stored; never changed once stored.
struct Row {
  std::string key;
  std::string value;
  uint64_t version = 0;  // the seqno that wrote it
};
using RowPtr = std::unique_ptr<const Row>;

// One table as a capture saw it: every row, in no particular order.
struct TableImage {
  std::string name;
  uint64_t version = 0;
  RowsImage rows;
};

// What a store shares with its images: the rows it replaced or removed
// while an image lived, kept for the images to read, and how many images
// live. The mutex orders an image's release after its last read of a row
// and before the store frees a row it no longer needs to keep (a weak_ptr
// that fails to lock would not: it reads its count without that order).
struct RetiredRows {
  std::mutex mu;
  size_t images = 0;
  std::vector<RowPtr> rows;
};

// One image's hold on the retired rows; the last image to go frees them.
class ImagePin {
 public:
  ImagePin() = default;
  explicit ImagePin(std::shared_ptr<RetiredRows> retired);
  ImagePin(ImagePin&& other) noexcept = default;
  ImagePin& operator=(ImagePin&& other) noexcept;
  ~ImagePin() { Release(); }
  // How many retired rows it keeps (for tests).
  size_t kept() const;

 private:
  void Release();
  std::shared_ptr<RetiredRows> retired_;
};

// A consistent image of a store: its rows stay valid, whatever the store
// does meanwhile (even once it is gone), for as long as the image lives.
struct StoreImage {
  std::vector<TableImage> tables;  // in name order
  ImagePin pin;
};

class Store {
 public:
  Store() = default;
  // The ordered index points into the rows: moving keeps it valid, a copy
  // would not.
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  Store(Store&&) = default;
  Store& operator=(Store&& other);
  ~Store();  // hands its rows to the images that still need them

  std::optional<std::string> Get(std::string_view table, std::string_view key) const;
  // The stored value without a copy; null when absent. Valid until the
  // next Apply or Clear.
  const std::string* Find(std::string_view table, std::string_view key) const;
  // Keys in [from, to) in order; empty `to` means to the end.
  void ForEach(std::string_view table, const Visitor& visit, std::string_view from = {},
               std::string_view to = {}) const;
  size_t Size(std::string_view table) const;
  // The names of the tables that start with `prefix`, in order (tables
  // that are one per user, as CCF's banking app's user_accounts:<user>).
  void ForEachTable(std::string_view prefix, const std::function<bool(const std::string& name)>& visit) const;
  // Applies the writes of the transaction `version`.
  void Apply(const WriteSet& writes, uint64_t version = 0);
  void Apply(WriteSet&& writes, uint64_t version = 0);  // moves the values in (replay)
  void Clear();

  // Every table, in name order, with its rows and their versions, pointed
  // at and not copied (the slots' chunks are shared, kv/row_slots.hpp): a
  // consistent image for a snapshot (no tombstones, as CCF's). The rows are
  // in slot order (the order they were first written,
  // a removal moving the last row into its slot), not key order: sorting
  // them would cost more than the capture (CCF's snapshots follow its
  // CHAMP maps' hash order, and no reader relies on an order). The image
  // may go to another thread; the store goes on meanwhile (the writer's
  // exclusion is needed only for the call).
  StoreImage Capture();
  // Replaces the whole content with `tables` (a parsed snapshot's).
  void Restore(std::vector<bank::ledger::Table>&& tables);

 private:
  // Point reads and updates (most of what a transaction does) go through a
  // hash index (kv/row_index.hpp), so a transfer touches exactly its rows
  // instead of comparing long keys down a tree. It maps each key to the
  // row's slot in `slots`, whose chunks a capture shares instead of walking
  // the index or copying a pointer per row. The ordered
  // index serves range scans only: the first scan of a table builds it,
  // and from then on Apply keeps it up to date. Tables that are only read
  // by key (bank.history and bank.transactions, three new rows per
  // transfer) never pay for it. Both indexes key a row by the row's own
  // key: an update re-points the key at the new row's (equal) key in
  // place, so that replacing a row costs one lookup in each and no node.
  // `text` is mutable for that: what it reads, and so the order, never
  // changes.
  struct RowKey {
    mutable std::string_view text;
  };
  struct KeyLess {
    using is_transparent = void;
    static std::string_view Text(std::string_view s) { return s; }
    static std::string_view Text(const RowKey& k) { return k.text; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return Text(a) < Text(b);
    }
  };
  using Order = std::map<RowKey, const Row*, KeyLess>;
  struct Table {
    RowIndex rows;   // key -> slot
    RowSlots slots;  // every row, in no particular order; the store owns them
    uint64_t version = 0;
    // Readers scan concurrently (under the engine's shared lock, and the
    // writer under its own): the index is built once, under order_once.
    // Apply runs with every reader excluded, so it reads `ordered` freely.
    mutable std::once_flag order_once;
    mutable bool ordered = false;
    mutable Order order;
  };
  // Stores `row`, replacing the row of the same key.
  void Put(Table& table, RowPtr row);
  // Removes the row of `key`, if any; false if there was none.
  bool Remove(Table& table, std::string_view key);
  // A row the store no longer holds: kept while an image lives, else freed.
  void Retire(RowPtr row);
  // Every row, as Retire (before the tables go).
  void RetireAll();
  // Whether an image may still read what an earlier Capture() shared.
  bool ImagesLive() const;
  // The table's ordered index, built on first use.
  static const Order& OrderOf(const Table& table);
  const Table* FindTable(std::string_view table) const;
  std::map<std::string, Table, std::less<>> tables_;
  // Where rows go that live images may still read: the last image to go
  // (on the snapshotter's thread) frees them. Made by the first Capture().
  std::shared_ptr<RetiredRows> retired_;
};

class Tx {
 public:
  explicit Tx(const Store& base) : base_(base) {}

  // Reads see this transaction's own writes first.
  std::optional<std::string> Get(std::string_view table, std::string_view key) const;
  bool Contains(std::string_view table, std::string_view key) const;  // Get without the copy
  void ForEach(std::string_view table, const Visitor& visit, std::string_view from = {},
               std::string_view to = {}) const;
  void Put(std::string_view table, std::string_view key, std::string value);
  void Remove(std::string_view table, std::string_view key);

  // The application claim of this transaction (the banking app's transfer
  // text); its SHA-256 becomes the leaf's claims digest.
  void SetClaim(std::string claim) { claim_ = std::move(claim); }
  const std::optional<std::string>& claim() const { return claim_; }

  // Writes in the order of first touch, one per (table, key).
  WriteSet TakeWrites();
  bool empty() const { return order_.empty(); }

 private:
  // key -> value, or nullopt for a removal.
  using TableWrites = std::map<std::string, std::optional<std::string>, std::less<>>;
  const Store& base_;
  std::map<std::string, TableWrites, std::less<>> writes_;
  // First-touch order; points at the keys of writes_ (map nodes are stable).
  std::vector<std::pair<const std::string*, const std::string*>> order_;
  std::optional<std::string> claim_;
};

}  // namespace bankd::kv
