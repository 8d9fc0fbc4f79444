#include "kv/row_index.hpp"

#include <algorithm>

namespace bankd::kv {

static_assert(sizeof(size_t) == 8, "the shard is the hash's top kShardBits of 64");

std::optional<size_t> RowIndex::Find(std::string_view key) const {
  const Key k = KeyOf(key);
  const Map& shard = ShardOf(k);
  auto it = shard.find(k);
  if (it == shard.end()) return std::nullopt;
  return it->second;
}

std::pair<size_t, bool> RowIndex::InsertOrRepoint(std::string_view key, size_t slot) {
  const Key k = KeyOf(key);
  auto [it, inserted] = ShardOf(k).try_emplace(k, slot);
  if (!inserted) {
    it->first.text = key;
    return {it->second, false};
  }
  if (++size_ >= kSplitRows && shards_.size() == 1) Split(size_);
  return {slot, true};
}

void RowIndex::SetSlot(std::string_view key, size_t slot) {
  const Key k = KeyOf(key);
  ShardOf(k).find(k)->second = slot;
}

std::optional<size_t> RowIndex::Erase(std::string_view key) {
  const Key k = KeyOf(key);
  Map& shard = ShardOf(k);
  auto it = shard.find(k);
  if (it == shard.end()) return std::nullopt;
  const size_t slot = it->second;
  shard.erase(it);
  --size_;
  return slot;
}

void RowIndex::Reserve(size_t rows) {
  if (rows >= kSplitRows && shards_.size() == 1) return Split(rows);
  if (shards_.size() == 1) return shards_[0].reserve(rows);
  for (Map& shard : shards_) shard.reserve(rows / kShards + 1);
}

void RowIndex::Split(size_t rows) {
  Map whole = std::move(shards_[0]);
  shards_ = std::vector<Map>(kShards);
  // Shards fill at the same pace (the hash spreads keys evenly), so shards
  // of equal size would all rehash within a few hundred inserts of each
  // other: one pause as long as the whole table's. Staggered sizes, from
  // 1x to 2x a shard's share, spread the rehashes evenly over each
  // doubling of the table.
  const size_t share = std::max(rows, whole.size()) / kShards + 1;
  for (size_t i = 0; i < kShards; ++i) shards_[i].reserve(share + share * i / kShards);
  // The nodes move; nothing is allocated or copied but the buckets.
  while (!whole.empty()) {
    auto node = whole.extract(whole.begin());
    ShardOf(node.key()).insert(std::move(node));
  }
}

}  // namespace bankd::kv
