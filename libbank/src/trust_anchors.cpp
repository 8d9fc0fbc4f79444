#include "bank/trust_anchors.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "bank/encoding.hpp"
#include "bank/hash.hpp"

namespace bank {
namespace {

using nlohmann::json;

// Certificate names are attacker-controlled bytes: keep them printable.
std::string Printable(std::string s) {
  for (char& c : s)
    if (c < 0x20 || c > 0x7e) c = '?';
  return s;
}

bool IsCertificateFile(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".pem" || ext == ".crt" || ext == ".cer" || ext == ".der";
}

}  // namespace

Result<PublicKey> PublicKeyFromJwk(const json& jwk) {
  if (!jwk.is_object()) return Status::InputFile("JWK must be an object");
  auto text = [&](const char* name) -> std::string {
    auto it = jwk.find(name);
    return it != jwk.end() && it->is_string() ? it->get<std::string>() : "";
  };
  if (text("kty") != "EC") return Status::InputFile("JWK kty \"" + text("kty") + "\" is not EC");
  std::string crv = text("crv");
  const char* group = crv == "P-256"   ? "prime256v1"
                      : crv == "P-384" ? "secp384r1"
                      : crv == "P-521" ? "secp521r1"
                                       : nullptr;
  if (group == nullptr) return Status::InputFile("JWK crv \"" + crv + "\" is not P-256, P-384 or P-521");
  const size_t n = crv == "P-256" ? 32 : crv == "P-384" ? 48 : 66;
  auto x = Base64UrlDecode(text("x"));
  auto y = Base64UrlDecode(text("y"));
  if (!x.ok() || !y.ok() || x->size() != n || y->size() != n)
    return Status::InputFile("JWK x and y must be base64url coordinates of " + std::to_string(n) + " bytes");
  Bytes point{0x04};
  point.insert(point.end(), x->begin(), x->end());
  point.insert(point.end(), y->begin(), y->end());

  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(),
                                                                      OSSL_PARAM_BLD_free);
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()),
                                                                 OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 || pkey == nullptr)
    return Status::InputFile("JWK is not a point on " + crv + " (" + TakeOpensslError() + ")");
  // Check the point is on the curve: fromdata alone does not.
  std::shared_ptr<EVP_PKEY> key(pkey, EVP_PKEY_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> check(EVP_PKEY_CTX_new(pkey, nullptr),
                                                                    EVP_PKEY_CTX_free);
  if (!check || EVP_PKEY_public_check(check.get()) != 1)
    return Status::InputFile("JWK is not a point on " + crv + " (" + TakeOpensslError() + ")");
  return PublicKey(std::move(key));
}

Result<json> JwkFromPublicKey(const PublicKey& key) {
  BANK_ASSIGN_OR_RETURN(Curve curve, key.curve());
  uint8_t point[1 + 2 * 66];
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof(point),
                                      &len) != 1)
    return Status::Internal("cannot read the public point: " + TakeOpensslError());
  const size_t n = CurveCoordinateSize(curve);
  if (len != 1 + 2 * n || point[0] != 0x04) return Status::Internal("unexpected public point encoding");
  const char* crv = curve == Curve::kP256 ? "P-256" : curve == Curve::kP384 ? "P-384" : "P-521";
  return json{{"kty", "EC"},
              {"crv", crv},
              {"kid", DigestHex(Sha256(key.SpkiDer()))},
              {"x", Base64UrlEncode(std::span<const uint8_t>(point + 1, n))},
              {"y", Base64UrlEncode(std::span<const uint8_t>(point + 1 + n, n))}};
}

Status TrustAnchors::Add(TrustAnchor a) {
  if (!a.key.is_ec()) return Status::InputFile(a.origin + ": the service key is not an EC key");
  auto curve = a.key.curve();
  if (curve.ok()) a.cose_alg = CoseAlgorithm(*curve);
  a.kid = DigestHex(Sha256(a.key.SpkiDer()));
  anchors_.push_back(std::move(a));
  return Status::OK();
}

Status TrustAnchors::AddCertificate(Certificate cert, std::string origin) {
  TrustAnchor a;
  a.key = cert.public_key();
  a.name = Printable(cert.CommonName());
  a.cert = std::move(cert);
  a.origin = std::move(origin);
  return Add(std::move(a));
}

Status TrustAnchors::AddPemBundle(std::string_view pem, const std::string& origin) {
  auto certs = Certificate::BundleFromPem(pem);
  if (!certs.ok()) return certs.status().WithContext(origin);
  for (size_t i = 0; i < certs->size(); ++i)
    BANK_RETURN_IF_ERROR(
        AddCertificate((*certs)[i], certs->size() == 1 ? origin : origin + "[" + std::to_string(i) + "]"));
  return Status::OK();
}

Status TrustAnchors::AddJwks(std::string_view text, const std::string& origin) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("keys") || !j["keys"].is_array())
    return Status::InputFile(origin + ": not a JWKS ({\"keys\": [...]})");
  if (j["keys"].empty()) return Status::InputFile(origin + ": the JWKS has no keys");
  for (size_t i = 0; i < j["keys"].size(); ++i) {
    const json& jwk = j["keys"][i];
    std::string where = origin + " keys[" + std::to_string(i) + "]";
    auto key = PublicKeyFromJwk(jwk);
    if (!key.ok()) return key.status().WithContext(where);
    TrustAnchor a;
    a.key = std::move(*key);
    if (auto kid = jwk.find("kid"); kid != jwk.end()) {
      if (!kid->is_string()) return Status::InputFile(where + ": kid must be a string");
      a.jwk_kid = kid->get<std::string>();
    }
    a.origin = a.jwk_kid.empty() ? where : origin + " kid=" + Printable(a.jwk_kid);
    BANK_RETURN_IF_ERROR(Add(std::move(a)));
  }
  return Status::OK();
}

Status TrustAnchors::AddServiceParameters(std::string_view text, const std::string& origin) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return Status::InputFile(origin + ": not a service parameters file ({\"parameters\": [...]})");
  // One service's parameters, or the list the Code Transparency Service keeps.
  json list = j.contains("parameters") ? j["parameters"] : json::array({j});
  if (!list.is_array() || list.empty())
    return Status::InputFile(origin + ": \"parameters\" must be a non-empty array");
  for (size_t i = 0; i < list.size(); ++i) {
    const json& p = list[i];
    std::string where = origin + "[" + std::to_string(i) + "]";
    if (!p.is_object() || !p.contains("serviceCertificate") || !p["serviceCertificate"].is_string())
      return Status::InputFile(where + ": no \"serviceCertificate\" (base64 DER)");
    auto der = Base64Decode(p["serviceCertificate"].get<std::string>());
    if (!der.ok()) return Status::InputFile(where + ": \"serviceCertificate\" is not base64");
    auto cert = Certificate::FromDer(*der);
    if (!cert.ok()) return cert.status().WithContext(where);
    if (auto tree = p.find("treeAlgorithm"); tree != p.end() && (!tree->is_string() || *tree != "CCF"))
      return Status::InputFile(where + ": treeAlgorithm is not \"CCF\"");
    std::string id = DigestHex(Sha256(*der));
    if (auto sid = p.find("serviceId"); sid != p.end()) {
      if (!sid->is_string() || sid->get<std::string>() != id)
        return Status::InputFile(where + ": serviceId is not SHA-256 of serviceCertificate (" + id + ")");
    }
    BANK_RETURN_IF_ERROR(AddCertificate(std::move(*cert), where + " serviceId=" + id.substr(0, 16) + "..."));
  }
  return Status::OK();
}

Status TrustAnchors::AddPath(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (auto it = fs::directory_iterator(path, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
      if (it->is_regular_file() && IsCertificateFile(it->path())) files.push_back(it->path());
    if (ec) return Status::InputFile("cannot list " + path + ": " + ec.message());
    if (files.empty()) return Status::InputFile(path + ": no certificate files (*.pem, *.crt, *.cer, *.der)");
    std::sort(files.begin(), files.end());
    for (const auto& f : files) BANK_RETURN_IF_ERROR(AddPath(f.string()));
    return Status::OK();
  }
  BANK_ASSIGN_OR_RETURN(std::string content, ReadFile(path));
  auto first = std::find_if(content.begin(), content.end(), [](unsigned char c) { return !std::isspace(c); });
  if (first != content.end() && *first == '{') {
    json j = json::parse(content, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded() && j.is_object() && j.contains("keys")) return AddJwks(content, path);
    return AddServiceParameters(content, path);
  }
  if (content.find("-----BEGIN") != std::string::npos) return AddPemBundle(content, path);
  auto cert = Certificate::FromDer(AsBytes(content));
  if (!cert.ok()) return Status::InputFile(path + ": neither PEM, DER, a JWKS nor a service parameters file");
  return AddCertificate(std::move(*cert), path);
}

std::vector<const TrustAnchor*> TrustAnchors::ByKid(std::span<const uint8_t> kid) const {
  std::vector<const TrustAnchor*> out;
  const std::string as_text = AsString(kid);
  const std::string raw_hex = kid.size() == 32 ? ToHex(kid) : "";
  for (const auto& a : anchors_)
    if (as_text == a.kid || raw_hex == a.kid || (!a.jwk_kid.empty() && as_text == a.jwk_kid))
      out.push_back(&a);
  return out;
}

}  // namespace bank
