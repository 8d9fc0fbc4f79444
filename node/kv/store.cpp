#include "kv/tx.hpp"

namespace bankd::kv {

const Store::Table* Store::FindTable(std::string_view table) const {
  auto t = tables_.find(table);
  return t == tables_.end() ? nullptr : &t->second;
}

const std::string* Store::Find(std::string_view table, std::string_view key) const {
  const Table* t = FindTable(table);
  if (t == nullptr) return nullptr;
  auto it = t->rows.find(key);
  return it == t->rows.end() ? nullptr : &it->second->value;
}

std::optional<std::string> Store::Get(std::string_view table, std::string_view key) const {
  const std::string* value = Find(table, key);
  if (value == nullptr) return std::nullopt;
  return *value;
}

const Store::Order& Store::OrderOf(const Table& table) {
  std::call_once(table.order_once, [&] {
    for (const auto& [key, row] : table.rows) table.order.emplace(key, row.get());
    table.ordered = true;
  });
  return table.order;
}

void Store::ForEach(std::string_view table, const Visitor& visit, std::string_view from,
                    std::string_view to) const {
  const Table* t = FindTable(table);
  if (t == nullptr) return;
  if (!to.empty() && to <= from) return;
  const Order& order = OrderOf(*t);
  auto it = from.empty() ? order.begin() : order.lower_bound(from);
  auto end = to.empty() ? order.end() : order.lower_bound(to);
  for (; it != end; ++it)
    if (!visit(it->second->key, it->second->value)) return;
}

void Store::ForEachTable(std::string_view prefix,
                         const std::function<bool(const std::string& name)>& visit) const {
  for (auto t = tables_.lower_bound(prefix); t != tables_.end() && t->first.starts_with(prefix); ++t)
    if (!visit(t->first)) return;
}

size_t Store::Size(std::string_view table) const {
  const Table* t = FindTable(table);
  return t == nullptr ? 0 : t->rows.size();
}

void Store::Apply(const WriteSet& writes, uint64_t version) {
  WriteSet copy = writes;
  Apply(std::move(copy), version);
}

void Store::Put(Table& table, RowPtr row) {
  auto it = table.rows.find(row->key);
  if (it == table.rows.end()) {
    it = table.rows.emplace(row->key, std::move(row)).first;
  } else {
    // Both views key the old row by its own key: re-key them to the new
    // row's before the old one may go.
    if (table.ordered) table.order.erase(it->first);
    auto node = table.rows.extract(it);
    node.key() = row->key;
    node.mapped() = std::move(row);
    it = table.rows.insert(std::move(node)).position;
  }
  if (table.ordered) table.order.emplace(it->first, it->second.get());
}

void Store::Apply(WriteSet&& writes, uint64_t version) {
  for (auto& w : writes) {
    auto t = tables_.find(w.table);
    if (w.value) {
      if (t == tables_.end()) t = tables_.try_emplace(std::move(w.table)).first;
      t->second.version = version;
      Put(t->second, std::make_shared<const Row>(Row{std::move(w.key), std::move(*w.value), version}));
    } else if (t != tables_.end()) {
      auto it = t->second.rows.find(w.key);
      if (it == t->second.rows.end()) continue;
      t->second.version = version;
      if (t->second.ordered) t->second.order.erase(it->first);
      t->second.rows.erase(it);
    }
  }
}

void Store::Clear() { tables_.clear(); }

std::vector<TableImage> Store::Capture() const {
  std::vector<TableImage> out;
  out.reserve(tables_.size());
  for (const auto& [name, table] : tables_) {
    TableImage image{name, table.version, {}};
    image.rows.reserve(table.rows.size());
    for (const auto& [key, row] : table.rows) image.rows.push_back(row);
    out.push_back(std::move(image));
  }
  return out;
}

void Store::Restore(std::vector<bank::ledger::Table>&& tables) {
  tables_.clear();
  for (auto& t : tables) {
    Table& table = tables_[std::move(t.name)];
    table.version = t.version;
    table.rows.reserve(t.writes.size());
    for (auto& w : t.writes) {
      if (!w.value) continue;  // a tombstone: nothing to hold
      Put(table, std::make_shared<const Row>(
                     Row{std::move(w.key), std::move(*w.value), static_cast<uint64_t>(w.version)}));
    }
  }
}

}  // namespace bankd::kv
