#include "bank/cbor.hpp"

#include <cbor.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace bank::cbor {

const char* TypeName(Type t) {
  switch (t) {
    case Type::kUnsigned:
      return "unsigned integer";
    case Type::kNegative:
      return "negative integer";
    case Type::kBytes:
      return "byte string";
    case Type::kText:
      return "text string";
    case Type::kArray:
      return "array";
    case Type::kMap:
      return "map";
    case Type::kTag:
      return "tag";
    case Type::kBool:
      return "bool";
    case Type::kNull:
      return "null";
    case Type::kUndefined:
      return "undefined";
    case Type::kFloat:
      return "float";
  }
  return "?";
}

// ---- Value -------------------------------------------------------------------

Value Value::Int(int64_t v) {
  if (v >= 0) return Unsigned(static_cast<uint64_t>(v));
  // -1 - v without overflow for INT64_MIN.
  return Negative(static_cast<uint64_t>(-(v + 1)));
}

Value Value::Unsigned(uint64_t v) {
  Value out(Type::kUnsigned);
  out.uint_ = v;
  return out;
}

Value Value::Negative(uint64_t magnitude) {
  Value out(Type::kNegative);
  out.uint_ = magnitude;
  return out;
}

Value Value::Bytes(std::span<const uint8_t> b) {
  Value out(Type::kBytes);
  out.bytes_.assign(b.begin(), b.end());
  return out;
}

Value Value::Text(std::string_view s) {
  Value out(Type::kText);
  out.bytes_.assign(s.begin(), s.end());
  return out;
}

Value Value::MakeArray(Array items) {
  Value out(Type::kArray);
  out.items_ = std::move(items);
  return out;
}

Value Value::MakeMap(Map entries) {
  Value out(Type::kMap);
  out.entries_ = std::move(entries);
  return out;
}

Value Value::Tag(uint64_t tag, Value item) {
  Value out(Type::kTag);
  out.uint_ = tag;
  out.items_.push_back(std::move(item));
  return out;
}

Value Value::Bool(bool b) {
  Value out(Type::kBool);
  out.bool_ = b;
  return out;
}

Value Value::Undefined() { return Value(Type::kUndefined); }

Value Value::Float(double d) {
  Value out(Type::kFloat);
  out.float_ = d;
  return out;
}

std::optional<int64_t> Value::AsInt() const {
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (type_ == Type::kUnsigned && uint_ <= kMax) return static_cast<int64_t>(uint_);
  if (type_ == Type::kNegative && uint_ <= kMax) return -1 - static_cast<int64_t>(uint_);
  return std::nullopt;
}

const Value* Value::Find(const Value& key) const {
  if (type_ != Type::kMap) return nullptr;
  for (const auto& [k, v] : entries_)
    if (k == key) return &v;
  return nullptr;
}

void Value::Set(Value key, Value value) {
  for (auto& [k, v] : entries_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case Type::kUnsigned:
    case Type::kNegative:
      return a.uint_ == b.uint_;
    case Type::kBytes:
    case Type::kText:
      return a.bytes_ == b.bytes_;
    case Type::kArray:
      return a.items_ == b.items_;
    case Type::kMap:
      return a.entries_ == b.entries_;
    case Type::kTag:
      return a.uint_ == b.uint_ && a.items_ == b.items_;
    case Type::kBool:
      return a.bool_ == b.bool_;
    case Type::kNull:
    case Type::kUndefined:
      return true;
    case Type::kFloat: {
      // Bit equality: keeps -0.0 apart from 0.0 and makes NaN equal itself.
      uint64_t x, y;
      std::memcpy(&x, &a.float_, sizeof x);
      std::memcpy(&y, &b.float_, sizeof y);
      return x == y || (std::isnan(a.float_) && std::isnan(b.float_));
    }
  }
  return false;
}

// ---- encoding ----------------------------------------------------------------

namespace {

// Bytewise lexicographic order of encoded keys (RFC 8949 section 4.2.1).
// Spelled out rather than Bytes::operator<: GCC 12 at -O3 inlines that into
// a memcmp whose length it cannot bound and warns (-Wstringop-overread) on
// a read that cannot happen; here the length is visibly min(a, b).
bool BytewiseLess(const bank::Bytes& a, const bank::Bytes& b) {
  const size_t common = std::min(a.size(), b.size());
  for (size_t i = 0; i < common; ++i)
    if (a[i] != b[i]) return a[i] < b[i];
  return a.size() < b.size();
}

// Appends what one libcbor head encoder writes (at most 9 bytes).
template <typename Fn>
void AppendHead(bank::Bytes& out, Fn&& encode) {
  unsigned char head[9];
  size_t n = encode(head, sizeof head);
  out.insert(out.end(), head, head + n);
}

bool SameBits(double a, double b) {
  uint64_t x, y;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  return x == y;
}

// Decodes the float a head encodes (used to check half precision round trips
// with libcbor's own conversion rather than a second hand-written one).
double DecodeFloatHead(const unsigned char* head, size_t size) {
  struct cbor_callbacks cb = cbor_empty_callbacks;
  double value = std::numeric_limits<double>::quiet_NaN();
  cb.float2 = [](void* ctx, float f) { *static_cast<double*>(ctx) = f; };
  cbor_stream_decode(head, size, &cb, &value);
  return value;
}

void EncodeFloat(double d, bank::Bytes& out) {
  if (std::isnan(d)) {
    // The deterministic NaN is the half-precision quiet NaN 0xf97e00.
    AppendHead(out, [](unsigned char* b, size_t n) { return cbor_encode_half(NAN, b, n); });
    return;
  }
  float f = static_cast<float>(d);
  if (SameBits(static_cast<double>(f), d)) {
    unsigned char half[3];
    size_t n = cbor_encode_half(f, half, sizeof half);
    if (n == 3 && SameBits(DecodeFloatHead(half, n), d)) {
      out.insert(out.end(), half, half + 3);
      return;
    }
    AppendHead(out, [f](unsigned char* b, size_t n2) { return cbor_encode_single(f, b, n2); });
    return;
  }
  AppendHead(out, [d](unsigned char* b, size_t n) { return cbor_encode_double(d, b, n); });
}

void EncodeInto(const Value& v, bank::Bytes& out) {
  switch (v.type()) {
    case Type::kUnsigned:
      AppendHead(out, [&](unsigned char* b, size_t n) { return cbor_encode_uint(v.raw_uint(), b, n); });
      return;
    case Type::kNegative:
      AppendHead(out, [&](unsigned char* b, size_t n) { return cbor_encode_negint(v.raw_uint(), b, n); });
      return;
    case Type::kBytes:
      AppendHead(out, [&](unsigned char* b, size_t n) {
        return cbor_encode_bytestring_start(v.bytes().size(), b, n);
      });
      out.insert(out.end(), v.bytes().begin(), v.bytes().end());
      return;
    case Type::kText:
      AppendHead(
          out, [&](unsigned char* b, size_t n) { return cbor_encode_string_start(v.bytes().size(), b, n); });
      out.insert(out.end(), v.bytes().begin(), v.bytes().end());
      return;
    case Type::kArray:
      AppendHead(out,
                 [&](unsigned char* b, size_t n) { return cbor_encode_array_start(v.array().size(), b, n); });
      for (const auto& item : v.array()) EncodeInto(item, out);
      return;
    case Type::kMap: {
      // Core deterministic order: bytewise order of the encoded keys.
      std::vector<std::pair<bank::Bytes, const Value*>> entries;
      entries.reserve(v.map().size());
      for (const auto& [key, value] : v.map()) entries.emplace_back(Encode(key), &value);
      std::sort(entries.begin(), entries.end(),
                [](const auto& a, const auto& b) { return BytewiseLess(a.first, b.first); });
      AppendHead(out,
                 [&](unsigned char* b, size_t n) { return cbor_encode_map_start(entries.size(), b, n); });
      for (const auto& [key, value] : entries) {
        out.insert(out.end(), key.begin(), key.end());
        EncodeInto(*value, out);
      }
      return;
    }
    case Type::kTag:
      AppendHead(out, [&](unsigned char* b, size_t n) { return cbor_encode_tag(v.tag(), b, n); });
      EncodeInto(v.tagged(), out);
      return;
    case Type::kBool:
      AppendHead(out, [&](unsigned char* b, size_t n) { return cbor_encode_bool(v.AsBool(), b, n); });
      return;
    case Type::kNull:
      AppendHead(out, [](unsigned char* b, size_t n) { return cbor_encode_null(b, n); });
      return;
    case Type::kUndefined:
      AppendHead(out, [](unsigned char* b, size_t n) { return cbor_encode_undef(b, n); });
      return;
    case Type::kFloat:
      EncodeFloat(v.AsFloat(), out);
      return;
  }
}

}  // namespace

bank::Bytes Encode(const Value& v) {
  bank::Bytes out;
  EncodeInto(v, out);
  return out;
}

// ---- decoding ----------------------------------------------------------------

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
    std::sort(keys.begin(), keys.end(), BytewiseLess);
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

// ---- diagnostic notation -----------------------------------------------------

namespace {

void DiagInto(const Value& v, std::string& out, int depth) {
  if (depth > 64) {
    out += "...";
    return;
  }
  switch (v.type()) {
    case Type::kUnsigned:
      out += std::to_string(v.raw_uint());
      return;
    case Type::kNegative:
      if (auto i = v.AsInt())
        out += std::to_string(*i);
      else
        out += "-18446744073709551616";  // -1 - UINT64_MAX, the only one not an int64
      return;
    case Type::kBytes:
      out += "h'" + ToHex(v.bytes()) + "'";
      return;
    case Type::kText: {
      out += '"';
      for (char c : v.text()) {
        if (c == '"' || c == '\\') {
          out += '\\';
          out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", c);
          out += esc;
        } else {
          out += c;
        }
      }
      out += '"';
      return;
    }
    case Type::kArray:
      out += '[';
      for (size_t i = 0; i < v.array().size(); ++i) {
        if (i) out += ", ";
        DiagInto(v.array()[i], out, depth + 1);
      }
      out += ']';
      return;
    case Type::kMap:
      out += '{';
      for (size_t i = 0; i < v.map().size(); ++i) {
        if (i) out += ", ";
        DiagInto(v.map()[i].first, out, depth + 1);
        out += ": ";
        DiagInto(v.map()[i].second, out, depth + 1);
      }
      out += '}';
      return;
    case Type::kTag:
      out += std::to_string(v.tag()) + "(";
      DiagInto(v.tagged(), out, depth + 1);
      out += ')';
      return;
    case Type::kBool:
      out += v.AsBool() ? "true" : "false";
      return;
    case Type::kNull:
      out += "null";
      return;
    case Type::kUndefined:
      out += "undefined";
      return;
    case Type::kFloat: {
      double d = v.AsFloat();
      if (std::isnan(d))
        out += "NaN";
      else if (std::isinf(d))
        out += d > 0 ? "Infinity" : "-Infinity";
      else {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", d);
        out += buf;
        if (std::string_view(buf).find_first_of(".e") == std::string_view::npos) out += ".0";
      }
      return;
    }
  }
}

}  // namespace

std::string Diagnostic(const Value& v) {
  std::string out;
  DiagInto(v, out, 0);
  return out;
}

}  // namespace bank::cbor
