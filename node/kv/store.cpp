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
  return it == t->rows.end() ? nullptr : &it->second.value;
}

std::optional<std::string> Store::Get(std::string_view table, std::string_view key) const {
  const std::string* value = Find(table, key);
  if (value == nullptr) return std::nullopt;
  return *value;
}

const Store::Order& Store::OrderOf(const Table& table) {
  std::call_once(table.order_once, [&] {
    for (const auto& row : table.rows) table.order.emplace(row.first, &row);
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
    if (!visit(it->second->first, it->second->second.value)) return;
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

void Store::Apply(WriteSet&& writes, uint64_t version) {
  for (auto& w : writes) {
    auto t = tables_.find(w.table);
    if (w.value) {
      if (t == tables_.end()) t = tables_.try_emplace(std::move(w.table)).first;
      Table& table = t->second;
      table.version = version;
      auto it = table.rows.find(w.key);
      if (it != table.rows.end()) {
        it->second = {std::move(*w.value), version};  // an update: no ordered-index work
        continue;
      }
      it = table.rows.emplace(std::move(w.key), Row{std::move(*w.value), version}).first;
      if (table.ordered) table.order.emplace(it->first, &*it);
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

std::vector<bank::ledger::Table> Store::Export() const {
  std::vector<bank::ledger::Table> out;
  out.reserve(tables_.size());
  for (const auto& [name, table] : tables_) {
    bank::ledger::Table t;
    t.name = name;
    t.version = table.version;
    t.writes.reserve(table.rows.size());
    for (const auto& [key, row] : table.rows)
      t.writes.push_back({key, row.value, static_cast<int64_t>(row.version)});
    out.push_back(std::move(t));
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
      table.rows.insert_or_assign(std::move(w.key),
                                  Row{std::move(*w.value), static_cast<uint64_t>(w.version)});
    }
  }
}

}  // namespace bankd::kv
