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

// Spelled out rather than Bytes::operator<: GCC 12 at -O3 inlines that into
// a memcmp whose length it cannot bound and warns (-Wstringop-overread) on
// a read that cannot happen; here the length is visibly min(a, b).
bool EncodedKeyLess(const bank::Bytes& a, const bank::Bytes& b) {
  const size_t common = std::min(a.size(), b.size());
  for (size_t i = 0; i < common; ++i)
    if (a[i] != b[i]) return a[i] < b[i];
  return a.size() < b.size();
}

namespace {

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
                [](const auto& a, const auto& b) { return EncodedKeyLess(a.first, b.first); });
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

}  // namespace bank::cbor
