#include "kv/tx.hpp"

namespace bankd::kv {

std::optional<std::string> Tx::Get(std::string_view table, std::string_view key) const {
  auto t = writes_.find(table);
  if (t != writes_.end()) {
    auto it = t->second.find(key);
    if (it != t->second.end()) return it->second;  // nullopt when this tx removed it
  }
  return base_.Get(table, key);
}

bool Tx::Contains(std::string_view table, std::string_view key) const {
  auto t = writes_.find(table);
  if (t != writes_.end()) {
    auto it = t->second.find(key);
    if (it != t->second.end()) return it->second.has_value();
  }
  return base_.Find(table, key) != nullptr;
}

void Tx::ForEach(std::string_view table, const Visitor& visit, std::string_view from,
                 std::string_view to) const {
  auto t = writes_.find(table);
  if (t == writes_.end()) return base_.ForEach(table, visit, from, to);
  if (!to.empty() && to <= from) return;

  // Merge the committed rows with this transaction's writes, both in key
  // order; a write replaces (or, as a removal, hides) the committed row.
  const TableWrites& own = t->second;
  auto it = from.empty() ? own.begin() : own.lower_bound(from);
  auto end = to.empty() ? own.end() : own.lower_bound(to);
  // Visits own writes whose keys sort before `limit` (all when null); false
  // when the visitor asked to stop.
  auto visit_own_before = [&](const std::string* limit) {
    for (; it != end && (limit == nullptr || it->first < *limit); ++it)
      if (it->second && !visit(it->first, *it->second)) return false;
    return true;
  };
  bool stopped = false;
  base_.ForEach(
      table,
      [&](const std::string& key, const std::string& value) {
        bool keep_going = visit_own_before(&key);
        if (!keep_going) {
          stopped = true;
          return false;
        }
        if (it != end && it->first == key) {
          if (it->second) keep_going = visit(key, *it->second);
          ++it;
        } else {
          keep_going = visit(key, value);
        }
        stopped = !keep_going;
        return keep_going;
      },
      from, to);
  if (!stopped) visit_own_before(nullptr);
}

void Tx::Put(std::string_view table, std::string_view key, std::string value) {
  auto t = writes_.find(table);
  if (t == writes_.end()) t = writes_.emplace(std::string(table), TableWrites{}).first;
  auto it = t->second.find(key);
  if (it != t->second.end()) {
    it->second = std::move(value);
    return;
  }
  it = t->second.emplace(std::string(key), std::move(value)).first;
  order_.emplace_back(&t->first, &it->first);
}

void Tx::Remove(std::string_view table, std::string_view key) {
  auto t = writes_.find(table);
  if (t == writes_.end()) t = writes_.emplace(std::string(table), TableWrites{}).first;
  auto it = t->second.find(key);
  if (it != t->second.end()) {
    it->second.reset();
    return;
  }
  it = t->second.emplace(std::string(key), std::nullopt).first;
  order_.emplace_back(&t->first, &it->first);
}

WriteSet Tx::TakeWrites() {
  WriteSet out;
  out.reserve(order_.size());
  for (const auto& [table, key] : order_) {
    auto& value = writes_.find(*table)->second.find(*key)->second;
    out.push_back({*table, *key, std::move(value)});
  }
  order_.clear();
  writes_.clear();
  return out;
}

}  // namespace bankd::kv
