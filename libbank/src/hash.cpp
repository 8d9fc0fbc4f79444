#include "bank/hash.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace bank {

Digest Sha256(std::span<const uint8_t> data) {
  Digest d;
  SHA256(data.data(), data.size(), d.data());
  return d;
}

Digest Sha256Concat(std::initializer_list<std::span<const uint8_t>> parts) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(md, EVP_sha256(), nullptr);
  for (auto p : parts) EVP_DigestUpdate(md, p.data(), p.size());
  Digest d;
  unsigned int len = 0;
  EVP_DigestFinal_ex(md, d.data(), &len);
  EVP_MD_CTX_free(md);
  return d;
}

Bytes Sha(int bits, std::span<const uint8_t> data) {
  const EVP_MD* md = bits == 512 ? EVP_sha512() : bits == 384 ? EVP_sha384() : EVP_sha256();
  Bytes out(static_cast<size_t>(EVP_MD_get_size(md)));
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr);
  return out;
}

std::string DigestHex(const Digest& d) { return ToHex(d); }

Result<Digest> DigestFromHex(std::string_view hex) {
  if (hex.size() != 64) return Status::Rejected("digest must be 64 hex characters");
  auto bytes = FromHex(hex);
  if (!bytes.ok()) return bytes.status();
  Digest d;
  std::copy(bytes->begin(), bytes->end(), d.begin());
  return d;
}

}  // namespace bank
