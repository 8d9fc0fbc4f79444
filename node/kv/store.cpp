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
  return it == t->rows.end() ? nullptr : &it->second;
}

std::optional<std::string> Store::Get(std::string_view table, std::string_view key) const {
  const std::string* value = Find(table, key);
  if (value == nullptr) return std::nullopt;
  return *value;
}

void Store::ForEach(std::string_view table, const Visitor& visit, std::string_view from,
                    std::string_view to) const {
  const Table* t = FindTable(table);
  if (t == nullptr) return;
  if (!to.empty() && to <= from) return;
  auto it = from.empty() ? t->order.begin() : t->order.lower_bound(from);
  auto end = to.empty() ? t->order.end() : t->order.lower_bound(to);
  for (; it != end; ++it)
    if (!visit(it->second->first, it->second->second)) return;
}

size_t Store::Size(std::string_view table) const {
  const Table* t = FindTable(table);
  return t == nullptr ? 0 : t->rows.size();
}

void Store::Apply(const WriteSet& writes) {
  WriteSet copy = writes;
  Apply(std::move(copy));
}

void Store::Apply(WriteSet&& writes) {
  for (auto& w : writes) {
    auto t = tables_.find(w.table);
    if (w.value) {
      if (t == tables_.end()) t = tables_.emplace(std::move(w.table), Table{}).first;
      Table& table = t->second;
      auto it = table.rows.find(w.key);
      if (it != table.rows.end()) {
        it->second = std::move(*w.value);  // an update: no ordered-index work
        continue;
      }
      it = table.rows.emplace(std::move(w.key), std::move(*w.value)).first;
      table.order.emplace(it->first, &*it);
    } else if (t != tables_.end()) {
      auto it = t->second.rows.find(w.key);
      if (it == t->second.rows.end()) continue;
      t->second.order.erase(it->first);
      t->second.rows.erase(it);
    }
  }
}

void Store::Clear() { tables_.clear(); }

}  // namespace bankd::kv
