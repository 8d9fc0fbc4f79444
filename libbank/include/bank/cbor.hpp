// CBOR (RFC 8949): a small value model, a deterministic encoder and a bounded
// decoder, built on libcbor.
//
// Contract:
//  - Encode() always writes RFC 8949 §4.2.1 core deterministic encoding:
//    shortest integer and length heads, definite lengths only, map entries
//    sorted by the bytewise order of their encoded keys, floats in the
//    shortest of half/single/double that keeps the value.
//  - Decode() accepts any well-formed CBOR item (indefinite lengths
//    included) that spans exactly the input, within DecodeLimits. It never
//    crashes or allocates in proportion to a length the input merely
//    claims; every failure is a Status (Code::kRejected) saying what and at
//    which byte offset. Maps with duplicate keys are refused (RFC 8949 §5.6).
//  - Values are plain data: copyable, comparable, no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bank/encoding.hpp"
#include "bank/status.hpp"

namespace bank::cbor {

enum class Type {
  kUnsigned,   // major type 0
  kNegative,   // major type 1: the value is -1 - magnitude
  kBytes,      // major type 2
  kText,       // major type 3 (UTF-8 is not checked)
  kArray,      // major type 4
  kMap,        // major type 5
  kTag,        // major type 6: a tag number and one enclosed item
  kBool,       // simple values 20/21
  kNull,       // simple value 22
  kUndefined,  // simple value 23
  kFloat,      // major type 7, half/single/double
};

// Name for error messages ("unsigned integer", "byte string", ...).
const char* TypeName(Type t);

class Value {
 public:
  using Array = std::vector<Value>;
  using Entry = std::pair<Value, Value>;
  using Map = std::vector<Entry>;  // in insertion order; Encode() sorts

  Value() : type_(Type::kNull) {}

  static Value Int(int64_t v);
  static Value Unsigned(uint64_t v);
  // -1 - magnitude: reaches down to -2^64.
  static Value Negative(uint64_t magnitude);
  static Value Bytes(std::span<const uint8_t> b);
  static Value Text(std::string_view s);
  static Value MakeArray(Array items = {});
  static Value MakeMap(Map entries = {});
  static Value Tag(uint64_t tag, Value item);
  static Value Bool(bool b);
  static Value Null() { return Value(); }
  static Value Undefined();
  static Value Float(double d);

  Type type() const { return type_; }
  bool is_int() const { return type_ == Type::kUnsigned || type_ == Type::kNegative; }
  bool is_bytes() const { return type_ == Type::kBytes; }
  bool is_text() const { return type_ == Type::kText; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_map() const { return type_ == Type::kMap; }
  bool is_tag() const { return type_ == Type::kTag; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_null() const { return type_ == Type::kNull; }

  // The integer when it fits an int64_t; nullopt otherwise (or not an int).
  std::optional<int64_t> AsInt() const;
  // Unsigned value, or magnitude of a negative one.
  uint64_t raw_uint() const { return uint_; }
  bool AsBool() const { return bool_; }
  double AsFloat() const { return float_; }
  // Byte string content / text content (valid for kBytes / kText).
  const bank::Bytes& bytes() const { return bytes_; }
  std::string_view text() const { return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()}; }
  const Array& array() const { return items_; }
  Array& array() { return items_; }
  const Map& map() const { return entries_; }
  Map& map() { return entries_; }
  uint64_t tag() const { return uint_; }
  // The item a tag encloses (valid for kTag).
  const Value& tagged() const { return items_.front(); }

  // Map lookup (nullptr when absent or not a map).
  const Value* Find(const Value& key) const;
  const Value* Find(int64_t key) const { return Find(Int(key)); }
  const Value* Find(std::string_view key) const { return Find(Text(key)); }
  // Map insert-or-replace; keeps a map free of duplicate keys.
  void Set(Value key, Value value);

  // Structural equality; map entries are compared in their order (two maps
  // that differ only in order have equal encodings, not equal Values).
  friend bool operator==(const Value& a, const Value& b);

 private:
  explicit Value(Type t) : type_(t) {}

  Type type_;
  uint64_t uint_ = 0;  // integer / magnitude / tag number
  bool bool_ = false;
  double float_ = 0;
  bank::Bytes bytes_;  // byte or text string
  Array items_;        // array elements, or the one tagged item
  Map entries_;
};

// Deterministic encoding of `v`.
bank::Bytes Encode(const Value& v);
// The core deterministic order of encoded map keys (RFC 8949 section 4.2.1):
// bytewise lexicographic, a shorter prefix first.
bool EncodedKeyLess(const bank::Bytes& a, const bank::Bytes& b);

struct DecodeLimits {
  size_t max_depth = 32;        // nesting of arrays, maps and tags
  size_t max_items = 1u << 20;  // data items in total (keys and values count)
};

// Decodes exactly one item spanning all of `data`.
Result<Value> Decode(std::span<const uint8_t> data, const DecodeLimits& limits = {});

// Diagnostic notation (RFC 8949 §8), for messages and `--output` dumps:
// h'..' byte strings, "..." text, 18([...]) tags.
std::string Diagnostic(const Value& v);

}  // namespace bank::cbor
