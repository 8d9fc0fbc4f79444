// The rows of one table in slot order, held in chunks that a capture shares
// instead of copying.
//
// A snapshot's capture runs under the writer's lock. Copying a pointer per
// row there grew with the store: 1.6 ms at 700,000 rows, every snapshot
// (bench/RESULTS-write-path.md, round 8). Sharing the chunks costs one
// reference per kChunkRows rows instead. The chunks are copy-on-write:
// after a capture, the writer's first change to a chunk copies it, unless
// no image lives any more (the caller answers, under the lock that orders
// an image's last read before its release: kv/tx.hpp's RetiredRows). A
// table that only grows (bank.history) copies its last chunk only.
//
// RowSlots holds pointers; the store owns the rows (kv/tx.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace bankd::kv {

struct Row;

using RowChunk = std::vector<const Row*>;

// The rows of one table as a capture saw them: a range of `const Row*`.
class RowsImage {
 public:
  class Iterator {
   public:
    using value_type = const Row*;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    const Row* operator*() const { return (**chunk_)[index_]; }
    Iterator& operator++() {
      if (++index_ == (*chunk_)->size()) {
        ++chunk_;
        index_ = 0;
      }
      return *this;
    }
    Iterator operator++(int) {
      Iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const Iterator& other) const { return chunk_ == other.chunk_ && index_ == other.index_; }

   private:
    friend class RowsImage;
    using ChunkIt = std::vector<std::shared_ptr<const RowChunk>>::const_iterator;
    explicit Iterator(ChunkIt chunk) : chunk_(chunk) {}
    ChunkIt chunk_{};
    size_t index_ = 0;
  };

  RowsImage() = default;
  RowsImage(std::vector<std::shared_ptr<const RowChunk>> chunks, size_t size)
      : chunks_(std::move(chunks)), size_(size) {}
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Iterator begin() const { return Iterator(chunks_.begin()); }
  Iterator end() const { return Iterator(chunks_.end()); }

 private:
  std::vector<std::shared_ptr<const RowChunk>> chunks_;  // none empty
  size_t size_ = 0;
};

class RowSlots {
 public:
  static constexpr size_t kChunkRows = 4096;

  size_t size() const { return size_; }
  const Row* operator[](size_t slot) const { return (*chunks_[slot / kChunkRows].rows)[slot % kChunkRows]; }
  const Row* back() const { return (*this)[size_ - 1]; }

  // Changes. `images_live()` answers whether an image may still read a
  // chunk shared by an earlier Share(); it is asked at most once per chunk
  // and Share().
  template <typename ImagesLive>
  void Set(size_t slot, const Row* row, const ImagesLive& images_live) {
    (*Writable(slot / kChunkRows, images_live))[slot % kChunkRows] = row;
  }
  template <typename ImagesLive>
  void PushBack(const Row* row, const ImagesLive& images_live) {
    if (size_ % kChunkRows == 0) AddChunk();
    Writable(chunks_.size() - 1, images_live)->push_back(row);
    ++size_;
  }
  template <typename ImagesLive>
  void PopBack(const ImagesLive& images_live) {
    if (size_-- % kChunkRows == 1)
      chunks_.pop_back();  // its only row: the chunk goes (an image keeps its own reference)
    else
      Writable(chunks_.size() - 1, images_live)->pop_back();
  }
  // Room for `rows` rows in all without reallocating the chunk list.
  void Reserve(size_t rows) { chunks_.reserve((rows + kChunkRows - 1) / kChunkRows); }

  // Every row, for a capture: the chunks are shared from now on.
  RowsImage Share();

  // Calls f(row) for every row, in slot order.
  template <typename F>
  void ForEach(const F& f) const {
    for (const auto& chunk : chunks_)
      for (const Row* row : *chunk.rows) f(row);
  }

 private:
  struct Chunk {
    std::shared_ptr<RowChunk> rows;
    bool shared = false;  // by a Share() since it was made or copied
  };
  void AddChunk();
  template <typename ImagesLive>
  RowChunk* Writable(size_t chunk, const ImagesLive& images_live) {
    Chunk& c = chunks_[chunk];
    if (c.shared) {
      if (images_live()) Copy(&c);
      c.shared = false;
    }
    return c.rows.get();
  }
  static void Copy(Chunk* chunk);

  std::vector<Chunk> chunks_;  // all full but the last, which is not empty
  size_t size_ = 0;
};

}  // namespace bankd::kv
