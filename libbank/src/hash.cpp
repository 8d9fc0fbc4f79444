#include "bank/hash.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <memory>

namespace bank {

namespace {

// OpenSSL 3 looks the algorithm up, under a global lock, on every SHA256()
// or EVP_sha256() use. Fetching it once and reusing a context per thread
// makes a small hash about 3x cheaper: it matters for Merkle trees and
// ledger replay, which hash millions of small inputs.
const EVP_MD* Sha256Md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}
EVP_MD_CTX* ThreadContext() {
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return ctx.get();
}

}  // namespace

Digest Sha256(std::span<const uint8_t> data) { return Sha256Concat({data}); }

Digest Sha256Concat(std::initializer_list<std::span<const uint8_t>> parts) {
  EVP_MD_CTX* md = ThreadContext();
  EVP_DigestInit_ex(md, Sha256Md(), nullptr);
  for (auto p : parts) EVP_DigestUpdate(md, p.data(), p.size());
  Digest d;
  unsigned int len = 0;
  EVP_DigestFinal_ex(md, d.data(), &len);
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

// DigestFromHex is in encoding.cpp, next to the hex table.

}  // namespace bank
