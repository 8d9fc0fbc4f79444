// CBOR diagnostic notation (RFC 8949 section 8) of a Value, for messages
// and `bankctl` output.
#include <cmath>
#include <cstdio>
#include <string>

#include "bank/cbor.hpp"

namespace bank::cbor {

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
