// Byte-string encodings used on CCF's wire: lowercase hex, base64, base64url.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bank/status.hpp"

namespace bank {

using Bytes = std::vector<uint8_t>;

inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string AsString(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::string ToHex(std::span<const uint8_t> bytes);
// Accepts upper or lower case; fails on odd length or a non-hex character.
Result<Bytes> FromHex(std::string_view hex);
// True for exactly 64 lowercase hex characters (CCF entity ids, digests).
bool IsHexId(std::string_view s);

std::string Base64Encode(std::span<const uint8_t> bytes);
// Standard alphabet, padding optional, whitespace not allowed.
Result<Bytes> Base64Decode(std::string_view text);
std::string Base64UrlEncode(std::span<const uint8_t> bytes);  // no padding
// Accepts base64url with or without padding (and the standard alphabet too).
Result<Bytes> Base64UrlDecode(std::string_view text);

}  // namespace bank
