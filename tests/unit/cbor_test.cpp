// CBOR value model, deterministic encoder and bounded decoder.
#include "bank/cbor.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "bank/encoding.hpp"

using bank::cbor::Decode;
using bank::cbor::Diagnostic;
using bank::cbor::Encode;
using bank::cbor::Value;

namespace {

std::string Hex(const Value& v) { return bank::ToHex(Encode(v)); }

Value FromHex(const std::string& hex) {
  auto bytes = bank::FromHex(hex);
  REQUIRE(bytes.ok());
  auto v = Decode(*bytes);
  INFO(hex << ": " << v.status().message());
  REQUIRE(v.ok());
  return *v;
}

bank::Status DecodeError(const std::string& hex) {
  auto bytes = bank::FromHex(hex);
  REQUIRE(bytes.ok());
  auto v = Decode(*bytes);
  REQUIRE_FALSE(v.ok());
  return v.status();
}

}  // namespace

TEST_CASE("cbor: integers use the shortest head (RFC 8949 Appendix A)") {
  CHECK(Hex(Value::Int(0)) == "00");
  CHECK(Hex(Value::Int(23)) == "17");
  CHECK(Hex(Value::Int(24)) == "1818");
  CHECK(Hex(Value::Int(1000)) == "1903e8");
  CHECK(Hex(Value::Int(1000000)) == "1a000f4240");
  CHECK(Hex(Value::Int(1000000000000)) == "1b000000e8d4a51000");
  CHECK(Hex(Value::Unsigned(18446744073709551615u)) == "1bffffffffffffffff");
  CHECK(Hex(Value::Negative(18446744073709551615u)) == "3bffffffffffffffff");
  CHECK(Hex(Value::Int(-1)) == "20");
  CHECK(Hex(Value::Int(-35)) == "3822");
  CHECK(Hex(Value::Int(-1000)) == "3903e7");
  CHECK(Hex(Value::Int(INT64_MIN)) == "3b7fffffffffffffff");
  CHECK(FromHex("3b7fffffffffffffff").AsInt() == INT64_MIN);
  CHECK_FALSE(FromHex("3bffffffffffffffff").AsInt().has_value());
  CHECK(FromHex("1818").AsInt() == 24);
}

TEST_CASE("cbor: strings, arrays, tags and simple values") {
  CHECK(Hex(Value::Text("IETF")) == "6449455446");
  CHECK(Hex(Value::Bytes(bank::Bytes{1, 2, 3, 4})) == "4401020304");
  CHECK(Hex(Value::MakeArray({Value::Int(1), Value::MakeArray({Value::Int(2), Value::Int(3)})})) ==
        "8201820203");
  CHECK(Hex(Value::Tag(18, Value::MakeArray())) == "d280");
  for (uint64_t tag : {0, 6, 18, 20, 23, 24, 1000})
    CHECK(FromHex(Hex(Value::Tag(tag, Value::Int(1)))).tag() == tag);
  CHECK(Hex(Value::Bool(false)) == "f4");
  CHECK(Hex(Value::Bool(true)) == "f5");
  CHECK(Hex(Value::Null()) == "f6");
  CHECK(Hex(Value::Undefined()) == "f7");
}

TEST_CASE("cbor: floats take the shortest exact form") {
  CHECK(Hex(Value::Float(0.0)) == "f90000");
  CHECK(Hex(Value::Float(-0.0)) == "f98000");
  CHECK(Hex(Value::Float(1.5)) == "f93e00");
  CHECK(Hex(Value::Float(65504.0)) == "f97bff");
  CHECK(Hex(Value::Float(100000.0)) == "fa47c35000");
  CHECK(Hex(Value::Float(1.1)) == "fb3ff199999999999a");
  CHECK(Hex(Value::Float(INFINITY)) == "f97c00");
  CHECK(Hex(Value::Float(NAN)) == "f97e00");
  CHECK(FromHex("fb3ff199999999999a").AsFloat() == 1.1);
  CHECK(FromHex("f93e00").AsFloat() == 1.5);
}

TEST_CASE("cbor: map keys are sorted by their encoded bytes") {
  Value m = Value::MakeMap();
  m.Set(Value::Text("ccf.gov.msg.type"), Value::Text("proposal"));
  m.Set(Value::Int(4), Value::Bytes(bank::Bytes{0xaa}));
  m.Set(Value::Text("aa"), Value::Int(0));
  m.Set(Value::Int(-1), Value::Int(0));
  m.Set(Value::Int(1), Value::Int(-35));
  m.Set(Value::Int(100), Value::Int(0));
  // 01 < 04 < 1864 (100) < 20 (-1) < 62"aa" < 70"ccf.gov.msg.type"
  std::string hex = Hex(m);
  CHECK(hex.substr(0, 2) == "a6");
  auto decoded = FromHex(hex);
  std::vector<std::string> order;
  for (const auto& [k, v] : decoded.map()) order.push_back(Diagnostic(k));
  CHECK(order == std::vector<std::string>{"1", "4", "100", "-1", "\"aa\"", "\"ccf.gov.msg.type\""});
  // Set replaces rather than duplicating.
  m.Set(Value::Int(1), Value::Int(-7));
  CHECK(m.map().size() == 6);
  CHECK(m.Find(1)->AsInt() == -7);
  CHECK(m.Find("aa") != nullptr);
  CHECK(m.Find("absent") == nullptr);
}

TEST_CASE("cbor: decode and re-encode round trip") {
  for (const char* hex : {"a201020304", "d28443a10126a0f642abcd", "83010203", "a26161016162820203",
                          "c249010000000000000000", "f5", "60", "40"}) {
    auto v = FromHex(hex);
    CHECK(bank::ToHex(Encode(v)) == hex);
  }
}

TEST_CASE("cbor: indefinite lengths decode, and encode definite") {
  CHECK(Hex(FromHex("9f018202039f0405ffff")) == "8301820203820405");
  CHECK(Hex(FromHex("bf61610161629f0203ffff")) == "a26161016162820203");
  CHECK(FromHex("5f42010243030405ff").bytes() == bank::Bytes{1, 2, 3, 4, 5});
  CHECK(FromHex("7f657374726561646d696e67ff").text() == "streaming");
}

TEST_CASE("cbor: decoding refuses malformed input with a message") {
  CHECK(DecodeError("").message().find("empty") != std::string::npos);
  CHECK(DecodeError("18").message().find("truncated") != std::string::npos);
  CHECK(DecodeError("83010203ff").message().find("trailing") != std::string::npos);
  CHECK(DecodeError("0001").message().find("trailing") != std::string::npos);
  CHECK(DecodeError("8301").message().find("array claims 3 items but only 1 bytes follow") !=
        std::string::npos);
  CHECK(DecodeError("9f01").message().find("truncated") != std::string::npos);
  CHECK(DecodeError("1c").message().find("head 0x1c") != std::string::npos);
  CHECK(DecodeError("ff").message().find("break") != std::string::npos);
  CHECK(DecodeError("a2010201ff").code() == bank::Code::kRejected);
  CHECK(DecodeError("a201020103").message().find("duplicate") != std::string::npos);
  CHECK(DecodeError("5f01ff").message().find("chunk") != std::string::npos);
  CHECK(DecodeError("bf01ff").message().find("between a key and its value") != std::string::npos);
  // A length that exceeds what the input holds is refused up front.
  CHECK(DecodeError("9bffffffffffffffff").message().find("claims") != std::string::npos);
  CHECK(DecodeError("bb7fffffffffffffff").message().find("claims") != std::string::npos);
  CHECK(DecodeError("5a7fffffff00").message().find("truncated") != std::string::npos);
}

TEST_CASE("cbor: decoding is bounded in depth and item count") {
  bank::Bytes deep(100000, 0x81);
  deep.push_back(0x00);
  auto v = Decode(deep);
  REQUIRE_FALSE(v.ok());
  CHECK(v.status().message().find("nesting") != std::string::npos);

  bank::Bytes tags(1000, 0xc1);
  tags.push_back(0x00);
  CHECK_FALSE(Decode(tags).ok());

  bank::Bytes many = {0x9f};
  many.insert(many.end(), 5000, 0x00);
  many.push_back(0xff);
  CHECK(Decode(many).ok());
  auto limited = Decode(many, {.max_depth = 4, .max_items = 100});
  REQUIRE_FALSE(limited.ok());
  CHECK(limited.status().message().find("items") != std::string::npos);
}

TEST_CASE("cbor: diagnostic notation") {
  Value m = Value::MakeMap();
  m.Set(Value::Int(4), Value::Bytes(bank::AsBytes("11")));
  auto v = Value::Tag(18, Value::MakeArray({Value::Bytes(bank::Bytes{0xa1, 0x01, 0x26}), m,
                                            Value::Text("say \"hi\""), Value::Int(-35), Value::Null()}));
  CHECK(Diagnostic(v) == "18([h'a10126', {4: h'3131'}, \"say \\\"hi\\\"\", -35, null])");
  CHECK(Decode(Encode(v)).value() == v);
}
