#include "kv/tx.hpp"

namespace bankd::kv {

std::optional<std::string> Store::Get(std::string_view table, std::string_view key) const {
  auto t = tables_.find(table);
  if (t == tables_.end()) return std::nullopt;
  auto it = t->second.find(key);
  if (it == t->second.end()) return std::nullopt;
  return it->second;
}

void Store::ForEach(std::string_view table, const Visitor& visit, std::string_view from,
                    std::string_view to) const {
  auto t = tables_.find(table);
  if (t == tables_.end()) return;
  if (!to.empty() && to <= from) return;
  const Table& rows = t->second;
  auto it = from.empty() ? rows.begin() : rows.lower_bound(from);
  auto end = to.empty() ? rows.end() : rows.lower_bound(to);
  for (; it != end; ++it)
    if (!visit(it->first, it->second)) return;
}

size_t Store::Size(std::string_view table) const {
  auto t = tables_.find(table);
  return t == tables_.end() ? 0 : t->second.size();
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
      t->second.insert_or_assign(std::move(w.key), std::move(*w.value));
    } else if (t != tables_.end()) {
      auto it = t->second.find(w.key);
      if (it != t->second.end()) t->second.erase(it);
    }
  }
}

void Store::Clear() { tables_.clear(); }

}  // namespace bankd::kv
