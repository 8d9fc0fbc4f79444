#include <algorithm>

#include "kv/tx.hpp"

namespace bankd::kv {

const Store::Table* Store::FindTable(std::string_view table) const {
  auto t = tables_.find(table);
  return t == tables_.end() ? nullptr : &t->second;
}

const std::string* Store::Find(std::string_view table, std::string_view key) const {
  const Table* t = FindTable(table);
  if (t == nullptr) return nullptr;
  auto slot = t->rows.Find(key);
  return slot ? &t->slots[*slot]->value : nullptr;
}

std::optional<std::string> Store::Get(std::string_view table, std::string_view key) const {
  const std::string* value = Find(table, key);
  if (value == nullptr) return std::nullopt;
  return *value;
}

const Store::Order& Store::OrderOf(const Table& table) {
  std::call_once(table.order_once, [&] {
    table.slots.ForEach([&](const Row* row) { table.order.emplace(RowKey{row->key}, row); });
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

Store& Store::operator=(Store&& other) {
  if (this != &other) {
    RetireAll();
    tables_ = std::move(other.tables_);
    retired_ = std::move(other.retired_);
  }
  return *this;
}

Store::~Store() { RetireAll(); }

ImagePin::ImagePin(std::shared_ptr<RetiredRows> retired) : retired_(std::move(retired)) {
  std::lock_guard lock(retired_->mu);
  ++retired_->images;
}

ImagePin& ImagePin::operator=(ImagePin&& other) noexcept {
  if (this != &other) {
    Release();
    retired_ = std::move(other.retired_);
  }
  return *this;
}

size_t ImagePin::kept() const {
  if (!retired_) return 0;
  std::lock_guard lock(retired_->mu);
  return retired_->rows.size();
}

void ImagePin::Release() {
  if (!retired_) return;
  std::vector<RowPtr> done;  // freed after the lock
  {
    std::lock_guard lock(retired_->mu);
    if (--retired_->images == 0) done.swap(retired_->rows);
  }
  retired_.reset();
}

void Store::Retire(RowPtr row) {
  if (!retired_) return;  // never captured: `row` goes now
  std::lock_guard lock(retired_->mu);
  if (retired_->images > 0) retired_->rows.push_back(std::move(row));
  // else `row` goes when this returns: after the last image's release
}

void Store::RetireAll() {
  std::unique_lock<std::mutex> lock;
  if (retired_) lock = std::unique_lock(retired_->mu);
  const bool keep = retired_ && retired_->images > 0;
  for (auto& [name, table] : tables_)
    table.slots.ForEach([&](const Row* row) {
      if (keep)
        retired_->rows.emplace_back(row);
      else
        delete row;
    });
}

bool Store::ImagesLive() const {
  if (!retired_) return false;
  std::lock_guard lock(retired_->mu);
  return retired_->images > 0;
}

void Store::Put(Table& table, RowPtr row) {
  auto images_live = [this] { return ImagesLive(); };
  auto [slot, inserted] = table.rows.InsertOrRepoint(row->key, table.slots.size());
  if (inserted) {
    if (table.ordered) table.order.emplace(RowKey{row->key}, row.get());
    table.slots.PushBack(row.get(), images_live);
    row.release();  // the store's now
    return;
  }
  // Both indexes key the old row by its own key: re-pointed at the new
  // row's (the hash index's by InsertOrRepoint) before the old one may go.
  if (table.ordered) {
    auto o = table.order.find(row->key);
    o->first.text = row->key;
    o->second = row.get();
  }
  // The old row is taken over only once the slot no longer holds it (a
  // chunk's copy may throw).
  const Row* old = table.slots[slot];
  table.slots.Set(slot, row.get(), images_live);
  row.release();  // the store's now
  Retire(RowPtr(old));
}

bool Store::Remove(Table& table, std::string_view key) {
  if (table.ordered) {
    auto o = table.order.find(key);
    if (o == table.order.end()) return false;
    table.order.erase(o);
  }
  auto erased = table.rows.Erase(key);
  if (!erased) return false;
  const size_t slot = *erased;
  auto images_live = [this] { return ImagesLive(); };
  const Row* old = table.slots[slot];
  // The last row moves into the freed slot.
  if (slot + 1 != table.slots.size()) {
    table.slots.Set(slot, table.slots.back(), images_live);
    table.rows.SetSlot(table.slots[slot]->key, slot);
  }
  table.slots.PopBack(images_live);
  Retire(RowPtr(old));
  return true;
}

void Store::Apply(WriteSet&& writes, uint64_t version) {
  for (auto& w : writes) {
    auto t = tables_.find(w.table);
    if (w.value) {
      if (t == tables_.end()) t = tables_.try_emplace(std::move(w.table)).first;
      t->second.version = version;
      Put(t->second, std::make_unique<const Row>(Row{std::move(w.key), std::move(*w.value), version}));
    } else if (t != tables_.end() && Remove(t->second, w.key)) {
      t->second.version = version;
    }
  }
}

void Store::Clear() {
  RetireAll();
  tables_.clear();
}

StoreImage Store::Capture() {
  StoreImage out;
  if (!retired_) retired_ = std::make_shared<RetiredRows>();
  out.pin = ImagePin(retired_);
  out.tables.reserve(tables_.size());
  for (auto& [name, table] : tables_) {
    TableImage& image = out.tables.emplace_back(TableImage{name, table.version, {}});
    image.rows = table.slots.Share();
  }
  return out;
}

void Store::Restore(std::vector<bank::ledger::Table>&& tables) {
  Clear();
  for (auto& t : tables) {
    Table& table = tables_[std::move(t.name)];
    table.version = t.version;
    table.rows.Reserve(t.writes.size());
    table.slots.Reserve(t.writes.size());
    for (auto& w : t.writes) {
      if (!w.value) continue;  // a tombstone: nothing to hold
      Put(table, std::make_unique<const Row>(
                     Row{std::move(w.key), std::move(*w.value), static_cast<uint64_t>(w.version)}));
    }
  }
}

}  // namespace bankd::kv
