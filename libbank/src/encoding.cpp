#include "bank/encoding.hpp"

#include <array>

#include "bank/hash.hpp"

namespace bank {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Value of each byte as a hex digit, -1 for the others: one load per
// character instead of three range tests.
constexpr std::array<int8_t, 256> kHexValues = [] {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (int c = 0; c < 10; ++c) t['0' + c] = static_cast<int8_t>(c);
  for (int c = 0; c < 6; ++c) {
    t['a' + c] = static_cast<int8_t>(10 + c);
    t['A' + c] = static_cast<int8_t>(10 + c);
  }
  return t;
}();

std::string Encode(std::span<const uint8_t> in, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t v = in[i] << 16;
    if (rest == 2) v |= in[i + 1] << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) out += alphabet[(v >> 6) & 63];
    if (pad) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

// Decodes either alphabet (a receipt producer may use either); strict about
// padding placement and trailing bits being valid characters.
Result<Bytes> Decode(std::string_view text) {
  std::array<int, 256> table;
  table.fill(-1);
  for (int i = 0; i < 64; ++i) {
    table[static_cast<uint8_t>(kB64[i])] = i;
    table[static_cast<uint8_t>(kB64Url[i])] = i;
  }
  size_t end = text.size();
  while (end > 0 && text[end - 1] == '=' && text.size() - end < 2) --end;
  if ((end % 4) == 1) return Status::Rejected("invalid base64 length");
  if (end != text.size() && text.size() % 4 != 0) return Status::Rejected("invalid base64 padding");
  Bytes out;
  out.reserve(end * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < end; ++i) {
    int v = table[static_cast<uint8_t>(text[i])];
    if (v < 0) return Status::Rejected("invalid base64 character");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  return out;
}

// FromHex into a buffer of exactly hex.size() / 2 bytes, without allocating
// (receipts decode a digest per proof step); false on a size mismatch or a
// non-hex character, `out` then being unspecified.
bool FromHexInto(std::string_view hex, std::span<uint8_t> out) {
  if (hex.size() != 2 * out.size()) return false;
  // OR-ing the digits' values keeps the loop branch-free: any -1 sets the sign bit.
  int bad = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = kHexValues[static_cast<uint8_t>(hex[2 * i])];
    int lo = kHexValues[static_cast<uint8_t>(hex[2 * i + 1])];
    bad |= hi | lo;
    out[i] = static_cast<uint8_t>((hi << 4) | (lo & 15));
  }
  return bad >= 0;
}

}  // namespace

std::string ToHex(std::span<const uint8_t> bytes) {
  std::string out(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kHexDigits[bytes[i] >> 4];
    out[2 * i + 1] = kHexDigits[bytes[i] & 15];
  }
  return out;
}

Result<Bytes> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return Status::Rejected("hex string has odd length");
  Bytes out(hex.size() / 2);
  if (!FromHexInto(hex, out)) return Status::Rejected("invalid hex character");
  return out;
}

// Here rather than in hash.cpp: it shares the decoding table.
Result<Digest> DigestFromHex(std::string_view hex) {
  if (hex.size() != 64) return Status::Rejected("digest must be 64 hex characters");
  Digest d;
  if (!FromHexInto(hex, d)) return Status::Rejected("invalid hex character");
  return d;
}

bool IsHexId(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string Base64Encode(std::span<const uint8_t> bytes) { return Encode(bytes, kB64, true); }
std::string Base64UrlEncode(std::span<const uint8_t> bytes) { return Encode(bytes, kB64Url, false); }
Result<Bytes> Base64Decode(std::string_view text) { return Decode(text); }
Result<Bytes> Base64UrlDecode(std::string_view text) { return Decode(text); }

}  // namespace bank
