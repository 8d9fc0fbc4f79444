#include "kv/row_slots.hpp"

namespace bankd::kv {

RowsImage RowSlots::Share() {
  std::vector<std::shared_ptr<const RowChunk>> chunks;
  chunks.reserve(chunks_.size());
  for (Chunk& c : chunks_) {
    c.shared = true;
    chunks.push_back(c.rows);
  }
  return {std::move(chunks), size_};
}

void RowSlots::AddChunk() {
  auto rows = std::make_shared<RowChunk>();
  // The first chunk grows as a vector does (most tables are small: one
  // per user); a table that fills one will fill the next.
  if (!chunks_.empty()) rows->reserve(kChunkRows);
  chunks_.push_back({std::move(rows), false});
}

void RowSlots::Copy(Chunk* chunk) {
  auto rows = std::make_shared<RowChunk>();
  rows->reserve(chunk->rows->capacity());  // the last chunk keeps its room to grow
  rows->assign(chunk->rows->begin(), chunk->rows->end());
  chunk->rows = std::move(rows);
}

}  // namespace bankd::kv
