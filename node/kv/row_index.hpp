// The hash index of one table of the store: key -> the row's slot.
//
// As std::unordered_map, except that growing never rehashes the whole
// index at once. A hash map doubles its buckets as it grows, and that
// rehash walks every entry with the writer's lock held: for bank.history
// (two rows per transfer) it was about half of the p99 latency at a
// steady 20,000 transfers/s (bench/RESULTS-write-path-rounds-4-5.md). So past
// kSplitRows keys the index splits into kShards maps by the high bits of
// each key's hash, and each shard then grows, and rehashes, on its own
// (their sizes staggered, so that they do not all rehash at once): a
// pause is at most about 1/kShards of the table's keys. Small tables (one
// per user) stay one map.
//
// The index stores each key as a view of the row's own key text. An insert
// of a key already present re-points it at the new text instead (the new
// row's equal key), so replacing a row costs one lookup and no node.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bankd::kv {

class RowIndex {
 public:
  static constexpr size_t kShardBits = 8;
  static constexpr size_t kShards = size_t{1} << kShardBits;
  static constexpr size_t kSplitRows = 1 << 16;

  RowIndex() : shards_(1) {}

  size_t size() const { return size_; }
  // The slot of `key`, or nullopt.
  std::optional<size_t> Find(std::string_view key) const;
  // Adds `key` -> `slot` when `key` is absent: {slot, true}. Otherwise the
  // stored key is re-pointed at `key`'s text (equal, and the one that stays
  // valid from now on): {its slot, false}.
  std::pair<size_t, bool> InsertOrRepoint(std::string_view key, size_t slot);
  // Moves the present `key` to `slot`.
  void SetSlot(std::string_view key, size_t slot);
  // Removes `key`: its slot, or nullopt when absent.
  std::optional<size_t> Erase(std::string_view key);
  // Room for `rows` keys without a rehash (a snapshot's table, restored).
  void Reserve(size_t rows);

 private:
  struct Key {
    mutable std::string_view text;
    size_t hash;
  };
  struct Hash {
    size_t operator()(const Key& k) const noexcept { return k.hash; }
  };
  struct Equal {
    bool operator()(const Key& a, const Key& b) const noexcept {
      return a.hash == b.hash && a.text == b.text;
    }
  };
  using Map = std::unordered_map<Key, size_t, Hash, Equal>;

  static Key KeyOf(std::string_view text) { return {text, std::hash<std::string_view>{}(text)}; }
  Map& ShardOf(const Key& k) { return shards_[shards_.size() == 1 ? 0 : k.hash >> (64 - kShardBits)]; }
  const Map& ShardOf(const Key& k) const {
    return shards_[shards_.size() == 1 ? 0 : k.hash >> (64 - kShardBits)];
  }
  // One map -> kShards maps, with room for 1x to 2x their share of `rows`.
  void Split(size_t rows);

  std::vector<Map> shards_;  // 1, or kShards once split
  size_t size_ = 0;
};

}  // namespace bankd::kv
