// The transactional store: committed state (Store) and one transaction's
// view of it (Tx), which buffers writes until the engine commits them.
//
// Tables and keys are strings; values are opaque strings (JSON for most
// tables). Iteration is in key order. A Store is not synchronised: the
// ledger::Engine owns the one Store and serialises access to it.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bank/ledger_format.hpp"

namespace bankd::kv {

using bank::ledger::WriteSet;
// Return false to stop iterating.
using Visitor = std::function<bool(const std::string& key, const std::string& value)>;

class Store {
 public:
  std::optional<std::string> Get(std::string_view table, std::string_view key) const;
  // Keys in [from, to) in order; empty `to` means to the end.
  void ForEach(std::string_view table, const Visitor& visit, std::string_view from = {},
               std::string_view to = {}) const;
  size_t Size(std::string_view table) const;
  void Apply(const WriteSet& writes);
  void Apply(WriteSet&& writes);  // moves the values in (replay)
  void Clear();

 private:
  using Table = std::map<std::string, std::string, std::less<>>;
  // Few tables, many keys: ordered maps allow lookups by string_view.
  std::map<std::string, Table, std::less<>> tables_;
};

class Tx {
 public:
  explicit Tx(const Store& base) : base_(base) {}

  // Reads see this transaction's own writes first.
  std::optional<std::string> Get(std::string_view table, std::string_view key) const;
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
