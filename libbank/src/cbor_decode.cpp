// The bounded CBOR decoder of bank/cbor.hpp (Decode), on libcbor's
// streaming decoder.
#include <cbor.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "bank/cbor.hpp"

namespace bank::cbor {

namespace {

// What libcbor's streaming decoder reported for one head.
struct Event {
  enum Kind {
    kNone,
    kUint,
    kNegint,
    kBytes,
    kText,
    kBytesStart,
    kTextStart,
    kArray,
    kIndefArray,
    kMap,
    kIndefMap,
    kTag,
    kFloat,
    kBool,
    kNull,
    kUndefined,
    kBreak,
  } kind = kNone;
  uint64_t number = 0;
  const uint8_t* data = nullptr;
  size_t size = 0;
  double real = 0;
  bool flag = false;
};

Event& Ev(void* ctx) { return *static_cast<Event*>(ctx); }

const struct cbor_callbacks& Callbacks() {
  static const struct cbor_callbacks cb = [] {
    struct cbor_callbacks c = cbor_empty_callbacks;
    c.uint8 = [](void* x, uint8_t v) { Ev(x) = {Event::kUint, v}; };
    c.uint16 = [](void* x, uint16_t v) { Ev(x) = {Event::kUint, v}; };
    c.uint32 = [](void* x, uint32_t v) { Ev(x) = {Event::kUint, v}; };
    c.uint64 = [](void* x, uint64_t v) { Ev(x) = {Event::kUint, v}; };
    c.negint8 = [](void* x, uint8_t v) { Ev(x) = {Event::kNegint, v}; };
    c.negint16 = [](void* x, uint16_t v) { Ev(x) = {Event::kNegint, v}; };
    c.negint32 = [](void* x, uint32_t v) { Ev(x) = {Event::kNegint, v}; };
    c.negint64 = [](void* x, uint64_t v) { Ev(x) = {Event::kNegint, v}; };
    // libcbor 0.8 names these crosswise: `byte_string` is the definite one.
    c.byte_string = [](void* x, cbor_data d, size_t n) { Ev(x) = {Event::kBytes, 0, d, n}; };
    c.byte_string_start = [](void* x) { Ev(x) = {Event::kBytesStart}; };
    c.string = [](void* x, cbor_data d, size_t n) { Ev(x) = {Event::kText, 0, d, n}; };
    c.string_start = [](void* x) { Ev(x) = {Event::kTextStart}; };
    c.array_start = [](void* x, size_t n) { Ev(x) = {Event::kArray, n}; };
    c.indef_array_start = [](void* x) { Ev(x) = {Event::kIndefArray}; };
    c.map_start = [](void* x, size_t n) { Ev(x) = {Event::kMap, n}; };
    c.indef_map_start = [](void* x) { Ev(x) = {Event::kIndefMap}; };
    c.tag = [](void* x, uint64_t v) { Ev(x) = {Event::kTag, v}; };
    c.float2 = [](void* x, float f) { Ev(x) = {Event::kFloat, 0, nullptr, 0, f}; };
    c.float4 = [](void* x, float f) { Ev(x) = {Event::kFloat, 0, nullptr, 0, f}; };
    c.float8 = [](void* x, double d) { Ev(x) = {Event::kFloat, 0, nullptr, 0, d}; };
    c.boolean = [](void* x, bool b) { Ev(x) = {Event::kBool, 0, nullptr, 0, 0, b}; };
    c.null = [](void* x) { Ev(x) = {Event::kNull}; };
    c.undefined = [](void* x) { Ev(x) = {Event::kUndefined}; };
    c.indef_break = [](void* x) { Ev(x) = {Event::kBreak}; };
    return c;
  }();
  return cb;
}

// Builds the value tree from head events with an explicit stack, so nesting
// depth costs heap frames bounded by the limits, never C++ recursion.
// Integer, byte string and text keys are equal Values exactly when their
// deterministic encodings are equal; a few of them are compared pairwise
// rather than encoded and sorted (COSE headers and receipts' maps).
bool SmallScalarKeys(const Value& map) {
  constexpr size_t kPairwiseMax = 16;
  if (map.map().size() > kPairwiseMax) return false;
  return std::all_of(map.map().begin(), map.map().end(), [](const Value::Entry& e) {
    return e.first.is_int() || e.first.is_bytes() || e.first.is_text();
  });
}

constexpr uint64_t kReserveCap = 16;

class Builder {
 public:
  Builder(size_t input_size, const DecodeLimits& limits) : input_size_(input_size), limits_(limits) {}

  // Feeds the event decoded at `offset`, `consumed` bytes long.
  Status Feed(const Event& e, size_t offset, size_t consumed) {
    offset_ = offset;
    size_t remaining = input_size_ - offset - consumed;
    if (++items_ > limits_.max_items)
      return Error("more than " + std::to_string(limits_.max_items) + " items");
    if (!stack_.empty() && stack_.back().chunks) return FeedChunk(e);
    switch (e.kind) {
      case Event::kUint:
        return Emit(Value::Unsigned(e.number));
      case Event::kNegint:
        return Emit(Value::Negative(e.number));
      case Event::kBytes:
        return Emit(Value::Bytes({e.data, e.size}));
      case Event::kText:
        return Emit(Value::Text({reinterpret_cast<const char*>(e.data), e.size}));
      case Event::kFloat:
        return Emit(Value::Float(e.real));
      case Event::kBool:
        return Emit(Value::Bool(e.flag));
      case Event::kNull:
        return Emit(Value::Null());
      case Event::kUndefined:
        return Emit(Value::Undefined());
      case Event::kBytesStart:
        return Open(Value::Bytes({}), true, 0, true);
      case Event::kTextStart:
        return Open(Value::Text({}), true, 0, true);
      case Event::kArray:
        // Every element takes at least one byte: a count beyond what is left
        // is a lie, refused before anything is reserved for it.
        if (e.number > remaining)
          return Error("array claims " + std::to_string(e.number) + " items but only " +
                       std::to_string(remaining) + " bytes follow");
        if (e.number == 0) return Emit(Value::MakeArray());
        return Open(Value::MakeArray(), false, e.number, false);
      case Event::kIndefArray:
        return Open(Value::MakeArray(), true, 0, false);
      case Event::kMap:
        if (e.number > remaining / 2)
          return Error("map claims " + std::to_string(e.number) + " entries but only " +
                       std::to_string(remaining) + " bytes follow");
        if (e.number == 0) return Emit(Value::MakeMap());
        return Open(Value::MakeMap(), false, 2 * e.number, false);
      case Event::kIndefMap:
        return Open(Value::MakeMap(), true, 0, false);
      case Event::kTag:
        return Open(Value::Tag(e.number, Value()), false, 1, false);
      case Event::kBreak:
        return Break();
      case Event::kNone:
        break;
    }
    return Error("unsupported item");
  }

  bool done() const { return done_; }
  size_t open_containers() const { return stack_.size(); }
  Value take() { return std::move(root_); }

 private:
  struct Frame {
    Value value;
    bool indefinite = false;
    uint64_t remaining = 0;  // definite: items still expected
    bool chunks = false;     // indefinite string collecting chunks
    std::optional<Value> key;
    bank::Bytes chunk_data;
  };

  Status Error(const std::string& what) const {
    return Status::Rejected("invalid CBOR at byte " + std::to_string(offset_) + ": " + what);
  }

  Status Open(Value v, bool indefinite, uint64_t count, bool chunks) {
    if (done_) return Error("trailing data after the item");
    if (stack_.size() >= limits_.max_depth)
      return Error("nesting deeper than " + std::to_string(limits_.max_depth));
    // One allocation for the common small container instead of a regrowth
    // per doubling; capped, so that a claimed count reserves little.
    if (!indefinite && v.is_array()) v.array().reserve(std::min<uint64_t>(count, kReserveCap));
    if (!indefinite && v.is_map()) v.map().reserve(std::min<uint64_t>(count / 2, kReserveCap));
    if (stack_.capacity() == 0) stack_.reserve(std::min<size_t>(limits_.max_depth, kReserveCap));
    stack_.push_back({std::move(v), indefinite, count, chunks, std::nullopt, {}});
    return Status::OK();
  }

  Status FeedChunk(const Event& e) {
    Frame& f = stack_.back();
    if (e.kind == Event::kBreak) return Break();
    bool want_text = f.value.type() == Type::kText;
    if (e.kind != (want_text ? Event::kText : Event::kBytes))
      return Error("a chunk of an indefinite-length string must be a definite string of the same type");
    f.chunk_data.insert(f.chunk_data.end(), e.data, e.data + e.size);
    return Status::OK();
  }

  Status Break() {
    if (stack_.empty() || !stack_.back().indefinite) return Error("unexpected break");
    Frame& f = stack_.back();
    if (f.key) return Error("map ends between a key and its value");
    Value v = std::move(f.value);
    if (f.chunks)
      v = v.is_text() ? Value::Text({reinterpret_cast<const char*>(f.chunk_data.data()), f.chunk_data.size()})
                      : Value::Bytes(f.chunk_data);
    stack_.pop_back();
    if (v.is_map()) BANK_RETURN_IF_ERROR(CheckUniqueKeys(v));
    return Emit(std::move(v));
  }

  // Adds a complete item to the enclosing container, closing every
  // definite container the item completes.
  Status Emit(Value v) {
    while (true) {
      if (done_) return Error("trailing data after the item");
      if (stack_.empty()) {
        root_ = std::move(v);
        done_ = true;
        return Status::OK();
      }
      Frame& f = stack_.back();
      switch (f.value.type()) {
        case Type::kArray:
          f.value.array().push_back(std::move(v));
          break;
        case Type::kMap:
          if (!f.key) {
            f.key = std::move(v);
          } else {
            f.value.map().emplace_back(std::move(*f.key), std::move(v));
            f.key.reset();
          }
          break;
        case Type::kTag:
          f.value = Value::Tag(f.value.tag(), std::move(v));
          break;
        default:
          return Error("unexpected item");
      }
      if (f.indefinite || --f.remaining > 0) return Status::OK();
      v = std::move(f.value);
      stack_.pop_back();
      if (v.is_map()) BANK_RETURN_IF_ERROR(CheckUniqueKeys(v));
    }
  }

  Status CheckUniqueKeys(const Value& map) const {
    if (SmallScalarKeys(map)) {
      const auto& m = map.map();
      for (size_t i = 0; i < m.size(); ++i)
        for (size_t j = i + 1; j < m.size(); ++j)
          if (m[i].first == m[j].first) return Error("map has a duplicate key");
      return Status::OK();
    }
    std::vector<bank::Bytes> keys;
    keys.reserve(map.map().size());
    for (const auto& entry : map.map()) keys.push_back(Encode(entry.first));
    std::sort(keys.begin(), keys.end(), EncodedKeyLess);
    if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) return Error("map has a duplicate key");
    return Status::OK();
  }

  size_t input_size_;
  DecodeLimits limits_;
  size_t offset_ = 0;
  size_t items_ = 0;
  std::vector<Frame> stack_;
  Value root_;
  bool done_ = false;
};

}  // namespace

Result<Value> Decode(std::span<const uint8_t> data, const DecodeLimits& limits) {
  if (data.empty()) return Status::Rejected("invalid CBOR: empty input");
  Builder builder(data.size(), limits);
  size_t offset = 0;
  while (offset < data.size()) {
    if (builder.done())
      return Status::Rejected("invalid CBOR at byte " + std::to_string(offset) +
                              ": trailing data after the item");
    Event event;
    struct cbor_decoder_result r {};
    if (data[offset] >= 0xc6 && data[offset] <= 0xd4) {
      // A tag 6..20 in the initial byte. libcbor 0.8 reports these heads as
      // malformed (they are well-formed; COSE_Sign1 is tag 18 = 0xd2).
      event = {Event::kTag, static_cast<uint64_t>(data[offset] - 0xc0)};
      r.status = CBOR_DECODER_FINISHED;
      r.read = 1;
    } else {
      r = cbor_stream_decode(data.data() + offset, data.size() - offset, &Callbacks(), &event);
    }
    if (r.status == CBOR_DECODER_NEDATA)
      return Status::Rejected("invalid CBOR at byte " + std::to_string(offset) + ": truncated");
    if (r.status != CBOR_DECODER_FINISHED || r.read == 0 || event.kind == Event::kNone) {
      char head[8];
      std::snprintf(head, sizeof head, "0x%02x", data[offset]);
      return Status::Rejected("invalid CBOR at byte " + std::to_string(offset) +
                              ": malformed or reserved head " + head);
    }
    BANK_RETURN_IF_ERROR(builder.Feed(event, offset, r.read));
    offset += r.read;
  }
  if (!builder.done())
    return Status::Rejected("invalid CBOR: truncated (" + std::to_string(builder.open_containers()) +
                            " unfinished containers)");
  return builder.take();
}

}  // namespace bank::cbor
