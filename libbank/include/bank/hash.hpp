// SHA-256 (CCF's hash for ids, Merkle leaves and claims) and friends.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "bank/encoding.hpp"

namespace bank {

using Digest = std::array<uint8_t, 32>;

Digest Sha256(std::span<const uint8_t> data);
inline Digest Sha256(std::string_view data) { return Sha256(AsBytes(data)); }
// SHA-256 of the concatenation of the parts, without copying them together.
Digest Sha256Concat(std::initializer_list<std::span<const uint8_t>> parts);
// SHA-384 / SHA-512, for signature structures hashed with the key's hash.
Bytes Sha(int bits, std::span<const uint8_t> data);

std::string DigestHex(const Digest& d);
// Parses exactly 64 hex characters.
Result<Digest> DigestFromHex(std::string_view hex);

}  // namespace bank
