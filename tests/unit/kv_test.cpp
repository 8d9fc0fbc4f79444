// The transactional store: a Tx sees its own writes, merges them with the
// committed rows in key order, and hands over one write per key in the
// order of first touch; the Store applies write sets.
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <thread>

#include "kv/tx.hpp"

using bank::ledger::Write;
using bank::ledger::WriteSet;
using bankd::kv::Store;
using bankd::kv::StoreImage;
using bankd::kv::Tx;

namespace {

// "key=value," for every row a visitor sees.
template <typename Source>
std::string Rows(const Source& source, std::string_view table, std::string_view from = {},
                 std::string_view to = {}) {
  std::string out;
  source.ForEach(
      table,
      [&](const std::string& k, const std::string& v) {
        out += k + "=" + v + ",";
        return true;
      },
      from, to);
  return out;
}

Store Seeded() {
  Store store;
  store.Apply(WriteSet{{"t", "b", "1"}, {"t", "d", "2"}, {"t", "f", "3"}, {"other", "x", "9"}});
  return store;
}

}  // namespace

TEST_CASE("store applies puts and removals and iterates ranges in key order", "[kv]") {
  Store store = Seeded();
  CHECK(store.Get("t", "d") == "2");
  CHECK(store.Get("t", "missing") == std::nullopt);
  CHECK(store.Get("no-such-table", "b") == std::nullopt);
  CHECK(store.Size("t") == 3);
  CHECK(Rows(store, "t") == "b=1,d=2,f=3,");
  CHECK(Rows(store, "t", "c") == "d=2,f=3,");
  CHECK(Rows(store, "t", "b", "f") == "b=1,d=2,");
  CHECK(Rows(store, "t", "f", "b").empty());

  // The scans above built the ordered index: later writes keep it.
  store.Apply(
      WriteSet{{"t", "d", std::nullopt}, {"t", "b", "10"}, {"t", "zz", std::nullopt}, {"t", "c", "4"}});
  CHECK(Rows(store, "t") == "b=10,c=4,f=3,");
  CHECK(store.Size("t") == 3);
  store.Clear();
  CHECK(store.Size("t") == 0);
}

TEST_CASE("a table's first scans, from several threads at once, see every row in key order", "[kv]") {
  // Rows written before any scan (and restored from an export, as at a
  // restart) have no ordered index yet: the first scan builds it, once,
  // however many readers start at the same time.
  Store source;
  WriteSet writes;
  std::vector<std::string> keys;
  for (int i = 0; i < 2000; ++i) {
    keys.push_back(fmt::format("k{:05}", (i * 7919) % 2000));
    writes.push_back({"t", keys.back(), std::to_string(i)});
  }
  source.Apply(std::move(writes), 5);
  std::sort(keys.begin(), keys.end());
  auto images = source.Capture().tables;
  REQUIRE(images.size() == 1);
  REQUIRE(images[0].rows.size() == keys.size());
  std::vector<bank::ledger::Table> tables{{images[0].name, images[0].version, {}}};
  for (const auto& row : images[0].rows)
    tables[0].writes.push_back({row->key, row->value, static_cast<int64_t>(row->version)});
  Store store;
  store.Restore(std::move(tables));

  auto scan_keys = [&] {
    std::vector<std::string> seen;
    store.ForEach("t", [&](const std::string& k, const std::string&) {
      seen.push_back(k);
      return true;
    });
    return seen;
  };
  std::vector<std::vector<std::string>> seen(4);
  {
    std::vector<std::thread> readers;
    for (auto& s : seen) readers.emplace_back([&s, &scan_keys] { s = scan_keys(); });
    for (auto& r : readers) r.join();
  }
  for (const auto& s : seen) CHECK(s == keys);

  store.Apply(WriteSet{{"t", "a", "first"}, {"t", keys[0], std::nullopt}, {"t", "zzz", "last"}}, 6);
  auto after = scan_keys();
  REQUIRE(after.size() == keys.size() + 1);
  CHECK(after.front() == "a");
  CHECK(after[1] == keys[1]);
  CHECK(after.back() == "zzz");
}

TEST_CASE("a capture keeps the rows as they were while the store goes on", "[kv]") {
  Store store = Seeded();
  store.Apply(WriteSet{{"t", "b", "1b"}}, 7);
  (void)Rows(store, "t");  // with the ordered index too
  auto image = store.Capture();
  const auto& images = image.tables;
  store.Apply(
      WriteSet{{"t", "b", "later"}, {"t", "d", std::nullopt}, {"t", "new", "n"}, {"other", "x", "10"}}, 8);

  std::map<std::string, std::string> seen;
  REQUIRE(images.size() == 2);
  CHECK(images[0].name == "other");
  CHECK(images[1].name == "t");
  CHECK(images[1].version == 7);
  for (const auto& image : images)
    for (const auto& row : image.rows)
      seen[image.name + "/" + row->key] = row->value + "@" + std::to_string(row->version);
  CHECK(seen == std::map<std::string, std::string>{
                    {"other/x", "9@0"}, {"t/b", "1b@7"}, {"t/d", "2@0"}, {"t/f", "3@0"}});
  CHECK(Rows(store, "t") == "b=later,f=3,new=n,");
  CHECK(store.Get("t", "f") == "3");  // moved into the removed row's slot
  CHECK(store.Size("t") == 3);
  CHECK(store.Capture().tables[1].rows.size() == 3);
  CHECK(store.Get("other", "x") == "10");
  CHECK(store.Find("t", "b") != nullptr);
}

TEST_CASE("an image outlives the rows its store replaced and the store itself", "[kv]") {
  // The snapshotter encodes an image on its own thread while the writer
  // goes on, restarts (a rollback replaces the store) or stops: under ASan
  // a row freed too early is a failure here.
  auto store = std::make_unique<Store>(Seeded());
  StoreImage first = store->Capture();
  store->Apply(WriteSet{{"t", "b", "b2"}, {"t", "d", std::nullopt}}, 2);
  StoreImage second = store->Capture();  // shares the first's retired rows
  store->Apply(WriteSet{{"t", "b", "b3"}, {"t", "f", std::nullopt}}, 3);
  store->Clear();
  store->Apply(WriteSet{{"t", "z", "new"}}, 4);
  *store = Seeded();  // a replaced store hands its rows over too
  store.reset();
  auto text = [](const StoreImage& image) {
    std::string out;
    for (const auto& t : image.tables)
      for (const auto* row : t.rows) out += t.name + "/" + row->key + "=" + row->value + ",";
    return out;
  };
  CHECK(text(first) == "other/x=9,t/b=1,t/d=2,t/f=3,");
  CHECK(text(second) == "other/x=9,t/b=b2,t/f=3,");

  // Without a live image nothing is kept: the rows go as they are replaced.
  Store plain = Seeded();
  { StoreImage gone = plain.Capture(); }
  plain.Apply(WriteSet{{"t", "b", "again"}}, 5);
  CHECK(plain.Capture().pin.kept() == 0);
  StoreImage live = plain.Capture();
  plain.Apply(WriteSet{{"t", "b", "once more"}}, 6);
  CHECK(live.pin.kept() == 1);  // the replaced row, for `live` to read
}

// A capture shares the slots' chunks (kv/row_slots.hpp): every change the
// writer makes after it, in the first, a middle and the last chunk, by a
// replacement, a removal (the last row moving into the freed slot) or an
// append, leaves the image as it was; with no image left the store changes
// its chunks in place, and the next image sees the store as it is.
TEST_CASE("an image of a table of many chunks stays as captured while the writer changes every chunk",
          "[kv]") {
  constexpr size_t kChunk = bankd::kv::RowSlots::kChunkRows;
  constexpr size_t kRows = 3 * kChunk + kChunk / 2;
  auto key = [](size_t i) { return fmt::format("k{:06}", i); };
  Store store;
  std::map<std::string, std::string> expected;
  for (size_t i = 0; i < kRows; ++i) {
    store.Apply(WriteSet{{"t", key(i), "v" + std::to_string(i)}}, i + 1);
    expected[key(i)] = "v" + std::to_string(i);
  }
  auto contents = [](const StoreImage& image) {
    std::map<std::string, std::string> out;
    size_t rows = 0;
    for (const auto& t : image.tables)
      for (const auto* row : t.rows) {
        out[row->key] = row->value;
        ++rows;
      }
    CHECK(rows == out.size());  // each row once
    return out;
  };
  auto live = [&] {
    std::map<std::string, std::string> out;
    store.ForEach("t", [&](const std::string& k, const std::string& v) {
      out[k] = v;
      return true;
    });
    return out;
  };

  StoreImage image = store.Capture();
  REQUIRE(image.tables.size() == 1);
  CHECK(image.tables[0].rows.size() == kRows);
  WriteSet changes{{"t", key(3), "changed"},                  // first chunk
                   {"t", key(kChunk + 7), "changed"},         // a middle one
                   {"t", key(kRows - 2), "changed"},          // the last
                   {"t", key(2 * kChunk + 1), std::nullopt},  // a removal: the last row moves
                   {"t", key(kChunk), std::nullopt},          // another
                   {"t", "zz-new", "appended"}};
  for (size_t i = 0; i < kChunk; ++i) changes.push_back({"t", fmt::format("zz{:06}", i), "more"});
  store.Apply(changes, kRows + 1);
  CHECK(contents(image) == expected);

  std::map<std::string, std::string> now = expected;
  for (const auto& w : changes)
    if (w.value)
      now[w.key] = *w.value;
    else
      now.erase(w.key);
  CHECK(live() == now);
  CHECK(store.Size("t") == now.size());
  CHECK(contents(store.Capture()) == now);

  image = {};  // no image left: the next changes are made in place
  store.Apply(WriteSet{{"t", key(5), "in place"}, {"t", key(kChunk + 9), std::nullopt}}, kRows + 2);
  now[key(5)] = "in place";
  now.erase(key(kChunk + 9));
  CHECK(live() == now);
  StoreImage again = store.Capture();
  CHECK(contents(again) == now);
  for (size_t i = 0; i < kRows; i += 3) store.Apply(WriteSet{{"t", key(i), std::nullopt}}, kRows + 3);
  CHECK(contents(again) == now);
  CHECK(store.Get("t", key(1)) == "v1");
  CHECK(store.Get("t", key(0)) == std::nullopt);
}

// Past RowIndex::kSplitRows keys a table's hash index splits into shards
// (kv/row_index.hpp): every key written before and after the split is
// found, updated and removed, and a restored big table is split at once.
TEST_CASE("a table past the index's split point keeps every row", "[kv]") {
  constexpr int kRows = 3 * bankd::kv::RowIndex::kSplitRows;
  Store store;
  for (int i = 0; i < kRows; i += 1000) {
    WriteSet writes;
    for (int j = i; j < std::min(i + 1000, kRows); ++j)
      writes.push_back({"big", fmt::format("k{}", j), fmt::format("v{}", j)});
    store.Apply(std::move(writes));
  }
  REQUIRE(store.Size("big") == kRows);
  // Every third row updated, every seventh removed (moving the last row
  // into its slot), on both sides of the split.
  WriteSet changes;
  for (int j = 0; j < kRows; j += 3) changes.push_back({"big", fmt::format("k{}", j), "new"});
  for (int j = 0; j < kRows; j += 7) changes.push_back({"big", fmt::format("k{}", j), std::nullopt});
  store.Apply(std::move(changes));
  auto expected = [](int j) -> std::optional<std::string> {
    if (j % 7 == 0) return std::nullopt;
    return j % 3 == 0 ? "new" : fmt::format("v{}", j);
  };
  int present = 0, wrong = 0;
  for (int j = 0; j < kRows; ++j) {
    present += expected(j).has_value();
    wrong += store.Get("big", fmt::format("k{}", j)) != expected(j);
  }
  CHECK(wrong == 0);
  CHECK(store.Size("big") == static_cast<size_t>(present));
  CHECK_FALSE(store.Get("big", "absent").has_value());

  // The same rows through a snapshot's restore.
  std::vector<bank::ledger::Table> tables(1);
  tables[0].name = "big";
  store.ForEach("big", [&](const std::string& k, const std::string& v) {
    tables[0].writes.push_back({k, v, 1});
    return true;
  });
  Store restored;
  restored.Restore(std::move(tables));
  CHECK(restored.Size("big") == static_cast<size_t>(present));
  wrong = 0;
  for (int j = 0; j < kRows; ++j) wrong += restored.Get("big", fmt::format("k{}", j)) != expected(j);
  CHECK(wrong == 0);
}

TEST_CASE("a transaction reads its own writes and leaves the store alone", "[kv]") {
  Store store = Seeded();
  Tx tx(store);
  tx.Put("t", "b", "100");
  tx.Put("t", "new", "7");
  tx.Remove("t", "d");
  CHECK(tx.Get("t", "b") == "100");
  CHECK(tx.Get("t", "new") == "7");
  CHECK(tx.Get("t", "d") == std::nullopt);
  CHECK(tx.Get("t", "f") == "3");  // untouched: from the store
  CHECK(tx.Get("other", "x") == "9");

  // The committed state does not change until the write set is applied.
  CHECK(store.Get("t", "b") == "1");
  CHECK(store.Get("t", "new") == std::nullopt);
  CHECK(store.Get("t", "d") == "2");
}

TEST_CASE("iteration merges a transaction's writes with the committed rows", "[kv]") {
  Store store = Seeded();
  Tx tx(store);
  tx.Put("t", "a", "0");   // before every committed key
  tx.Put("t", "d", "20");  // replaces
  tx.Remove("t", "f");     // hides
  tx.Put("t", "e", "5");   // between
  tx.Put("t", "g", "6");   // after
  tx.Remove("t", "zz");    // removing what does not exist shows nothing
  CHECK(Rows(tx, "t") == "a=0,b=1,d=20,e=5,g=6,");
  CHECK(Rows(tx, "t", "c", "g") == "d=20,e=5,");
  CHECK(Rows(tx, "t", "e") == "e=5,g=6,");
  CHECK(Rows(tx, "other") == "x=9,");

  Tx fresh(store);
  fresh.Put("brand-new", "k", "v");
  CHECK(Rows(fresh, "brand-new") == "k=v,");

  // A visitor returning false stops the walk, whichever side the row is on.
  for (size_t stop_after = 1; stop_after <= 5; ++stop_after) {
    size_t seen = 0;
    tx.ForEach("t", [&](const std::string&, const std::string&) { return ++seen < stop_after; });
    CHECK(seen == stop_after);
  }
}

TEST_CASE("write sets keep first-touch order, one write per key, last value wins", "[kv]") {
  Store store = Seeded();
  Tx tx(store);
  CHECK(tx.empty());
  tx.Put("t", "z", "1");
  tx.Put("u", "a", "2");
  tx.Remove("t", "b");
  tx.Put("t", "z", "3");
  tx.Put("t", "b", "back");
  CHECK_FALSE(tx.empty());

  WriteSet writes = tx.TakeWrites();
  CHECK(writes == WriteSet{{"t", "z", "3"}, {"u", "a", "2"}, {"t", "b", "back"}});
  CHECK(tx.empty());

  store.Apply(writes);
  CHECK(store.Get("t", "z") == "3");
  CHECK(store.Get("t", "b") == "back");
}

TEST_CASE("a claim is carried by the transaction", "[kv]") {
  Store store;
  Tx tx(store);
  CHECK_FALSE(tx.claim().has_value());
  tx.SetClaim("alice sent 5 to bob");
  CHECK(tx.claim() == "alice sent 5 to bob");
}
