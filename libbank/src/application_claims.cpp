#include "bank/application_claims.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "bank/encoding.hpp"

namespace bank {
namespace {

using nlohmann::json;

constexpr std::string_view kLedgerEntry = "LedgerEntry";
constexpr std::string_view kClaimDigest = "ClaimDigest";
constexpr std::string_view kLedgerEntryV1 = "LedgerEntryV1";

Status Bad(const std::string& what) { return Status::InputFile("application claims: " + what); }

Result<std::string> Text(const json& obj, const char* name, const std::string& where) {
  auto it = obj.find(name);
  if (it == obj.end()) return Bad(where + " has no \"" + name + "\"");
  if (!it->is_string()) return Bad(where + "." + name + " must be a string");
  return it->get<std::string>();
}

Digest HmacSha256(std::span<const uint8_t> key, std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const uint8_t*>(data.data()),
       data.size(), out.data(), &len);
  return out;
}

Result<Digest> LedgerEntryClaim(const json& claim, const std::string& where) {
  auto entry = claim.find("ledgerEntry");
  if (entry == claim.end() || !entry->is_object()) return Bad(where + ".ledgerEntry must be an object");
  const std::string at = where + ".ledgerEntry";
  BANK_ASSIGN_OR_RETURN(std::string protocol, Text(*entry, "protocol", at));
  if (protocol != kLedgerEntryV1) return Bad(at + ".protocol \"" + protocol + "\" is not LedgerEntryV1");
  BANK_ASSIGN_OR_RETURN(std::string collection, Text(*entry, "collectionId", at));
  BANK_ASSIGN_OR_RETURN(std::string contents, Text(*entry, "contents", at));
  BANK_ASSIGN_OR_RETURN(std::string secret_b64, Text(*entry, "secretKey", at));
  auto secret = Base64Decode(secret_b64);
  if (!secret.ok()) return Bad(at + ".secretKey must be base64");
  Digest c = HmacSha256(*secret, collection);
  Digest d = HmacSha256(*secret, contents);
  Digest entry_digest = Sha256Concat({c, d});
  return Sha256Concat({AsBytes(protocol), entry_digest});
}

Result<Digest> ClaimDigestClaim(const json& claim, const std::string& where) {
  auto digest = claim.find("digest");
  if (digest == claim.end() || !digest->is_object()) return Bad(where + ".digest must be an object");
  const std::string at = where + ".digest";
  BANK_ASSIGN_OR_RETURN(std::string protocol, Text(*digest, "protocol", at));
  BANK_ASSIGN_OR_RETURN(std::string value_hex, Text(*digest, "value", at));
  auto value = FromHex(value_hex);
  if (!value.ok()) return Bad(at + ".value must be hex");
  return Sha256Concat({AsBytes(protocol), *value});
}

}  // namespace

Result<Digest> ApplicationClaimsDigest(const json& claims) {
  if (!claims.is_array()) return Bad("expected a JSON array of claims");
  if (claims.empty()) return Bad("the list of claims is empty");
  Bytes all(4);
  const uint32_t n = static_cast<uint32_t>(claims.size());
  for (int i = 0; i < 4; ++i) all[i] = static_cast<uint8_t>(n >> (8 * i));
  for (size_t i = 0; i < claims.size(); ++i) {
    const json& claim = claims[i];
    const std::string where = "[" + std::to_string(i) + "]";
    if (!claim.is_object()) return Bad(where + " must be an object");
    BANK_ASSIGN_OR_RETURN(std::string kind, Text(claim, "kind", where));
    Result<Digest> d =
        kind == kLedgerEntry ? LedgerEntryClaim(claim, where)
        : kind == kClaimDigest
            ? ClaimDigestClaim(claim, where)
            : Result<Digest>(Bad(where + ".kind \"" + kind + "\" is neither LedgerEntry nor ClaimDigest"));
    if (!d.ok()) return d.status();
    all.insert(all.end(), d->begin(), d->end());
  }
  return Sha256(all);
}

Result<Digest> ApplicationClaimsDigestFromText(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad("not valid JSON");
  return ApplicationClaimsDigest(j);
}

}  // namespace bank
