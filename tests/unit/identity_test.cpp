// Identities: keygen round trips, CCF ids against openssl, bad files.
#include "bank/identity.hpp"

#include <sys/stat.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "bank/hash.hpp"
#include "support/temp_dir.hpp"

using namespace bank;
using bank::test::TempDir;

namespace {

std::string Run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 512> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  ::pclose(p);
  return out;
}

// What `openssl x509 -noout -fingerprint -sha256` prints, colons stripped, lowercased.
std::string OpensslId(const std::string& cert_path) {
  std::string out = Run("openssl x509 -noout -fingerprint -sha256 -in '" + cert_path + "'");
  std::string hex;
  for (char c : out.substr(out.find('=') + 1))
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += static_cast<char>(std::tolower(c));
  return hex;
}

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

TEST_CASE("keygen writes a CCF-style identity on both curves", "[identity]") {
  auto curve = GENERATE(Curve::kP384, Curve::kP256);
  TempDir dir;
  KeygenOptions o;
  o.name = "member0";
  o.directory = dir.path().string();
  o.curve = curve;
  o.encryption_key = true;
  auto r = GenerateIdentity(o);
  INFO(r.status().message());
  REQUIRE(r.ok());

  struct stat st {};
  REQUIRE(::stat(r->privk_path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat(r->enc_privk_path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  auto id = LoadIdentity(r->cert_path, r->privk_path);
  REQUIRE(id.ok());
  CHECK(id->cert.CommonName() == "member0");
  CHECK(*id->key.curve() == curve);
  CHECK(id->id() == r->id);
  CHECK(id->id() == OpensslId(r->cert_path));
  CHECK(id->cert.not_after() - id->cert.not_before() == 365 * 86400);
  // The key file is what `openssl ecparam -genkey` writes.
  auto pem = ReadFile(r->privk_path);
  CHECK(pem->find("-----BEGIN EC PARAMETERS-----") == 0);
  CHECK(pem->find("-----BEGIN EC PRIVATE KEY-----") != std::string::npos);
  CHECK(Run("openssl ec -noout -check -in '" + r->privk_path + "' 2>&1").find("valid") != std::string::npos);
  CHECK(Run("openssl rsa -pubin -noout -text -in '" + r->enc_pubk_path + "'").find("2048 bit") !=
        std::string::npos);

  // Signatures made with the loaded key verify with the certificate.
  auto sig = id->key.SignMessage(CurveHashBits(curve), AsBytes("hello"));
  REQUIRE(sig.ok());
  CHECK(id->cert.public_key().VerifyMessage(CurveHashBits(curve), AsBytes("hello"), *sig));
  CHECK_FALSE(id->cert.public_key().VerifyMessage(CurveHashBits(curve), AsBytes("hellO"), *sig));
}

TEST_CASE("keygen never overwrites without force", "[identity]") {
  TempDir dir;
  KeygenOptions o{.name = "user0", .directory = dir.path().string()};
  auto first = GenerateIdentity(o);
  REQUIRE(first.ok());
  auto second = GenerateIdentity(o);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Code::kExists);
  CHECK(LoadIdentity(first->cert_path, first->privk_path)->id() == first->id);  // untouched
  o.force = true;
  auto third = GenerateIdentity(o);
  REQUIRE(third.ok());
  CHECK(third->id != first->id);
}

TEST_CASE("keys made by openssl the way keygenerator.sh does load", "[identity]") {
  TempDir dir;
  std::string key = dir / "k_privk.pem", cert = dir / "k_cert.pem";
  Run("openssl ecparam -out '" + key + "' -name secp384r1 -genkey 2>&1");
  Run("openssl req -new -key '" + key + "' -x509 -nodes -days 365 -out '" + cert +
      "' -sha384 -subj=/CN=k 2>&1");
  auto id = LoadIdentity(cert, key);
  REQUIRE(id.ok());
  CHECK(id->id() == OpensslId(cert));
}

TEST_CASE("ids of real CCF service certificates equal openssl's", "[identity]") {
  std::string path = bank::test::VectorPath("receipts/acl-staging-2.35.service_cert.pem");
  auto cert = Certificate::LoadFile(path);
  REQUIRE(cert.ok());
  CHECK(cert->Id() == OpensslId(path));
  CHECK(IsHexId(cert->Id()));
}

TEST_CASE("bad key and certificate files give one-line errors naming the file", "[identity]") {
  TempDir dir;
  KeygenOptions o{.name = "x", .directory = dir.path().string()};
  auto good = GenerateIdentity(o);
  REQUIRE(good.ok());
  std::string goodkey = *ReadFile(good->privk_path), goodcert = *ReadFile(good->cert_path);

  struct Case {
    std::string name, content;
  };
  std::vector<Case> cases = {
      {"empty.pem", ""},
      {"garbage.pem", "this is not pem at all\n"},
      {"truncated.pem", goodkey.substr(0, goodkey.size() / 2)},
      {"truncated_cert.pem", goodcert.substr(0, goodcert.size() / 2)},
      {"binary.pem", std::string("\x30\x82\x01\x00\xff\x00", 6)},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    std::string path = dir / c.name;
    WriteText(path, c.content);
    auto k = PrivateKey::LoadFile(path);
    REQUIRE_FALSE(k.ok());
    CHECK(k.status().code() == Code::kInputFile);
    CHECK(k.status().message().find(path) != std::string::npos);
    CHECK(k.status().message().find('\n') == std::string::npos);
    auto cert = Certificate::LoadFile(path);
    REQUIRE_FALSE(cert.ok());
    CHECK(cert.status().code() == Code::kInputFile);
    CHECK(cert.status().message().find(path) != std::string::npos);
  }

  SECTION("missing") {
    auto k = PrivateKey::LoadFile(dir / "nope.pem");
    CHECK(k.status().code() == Code::kInputFile);
    CHECK(k.status().message().find("no such file") != std::string::npos);
  }
  SECTION("wrong type: a certificate where a key is expected, and back") {
    auto k = PrivateKey::LoadFile(good->cert_path);
    CHECK(k.status().code() == Code::kInputFile);
    CHECK(k.status().message().find("no private key") != std::string::npos);
    auto c = Certificate::LoadFile(good->privk_path);
    CHECK(c.status().code() == Code::kInputFile);
  }
  SECTION("passphrase-protected") {
    std::string enc = dir / "enc.pem";
    Run("openssl pkcs8 -topk8 -in '" + good->privk_path + "' -out '" + enc + "' -passout pass:secret 2>&1");
    auto k = PrivateKey::LoadFile(enc);
    CHECK(k.status().code() == Code::kInputFile);
    CHECK(k.status().message().find("passphrase") != std::string::npos);
  }
  SECTION("key that does not match the certificate") {
    KeygenOptions other{.name = "y", .directory = dir.path().string()};
    auto y = GenerateIdentity(other);
    auto id = LoadIdentity(good->cert_path, y->privk_path);
    CHECK(id.status().code() == Code::kInputFile);
  }
}

TEST_CASE("certificates issued by a service key are endorsed by it", "[identity]") {
  auto service_key = PrivateKey::GenerateEc(Curve::kP384);
  auto service = Certificate::SelfSigned(
      *service_key, {.common_name = "CCF Service", .is_ca = true, .path_length = 0, .subject_alt_names = {}});
  REQUIRE(service.ok());
  auto node_key = PrivateKey::GenerateEc(Curve::kP384);
  auto node = Certificate::Issue(node_key->Public(),
                                 {.common_name = "CCF Node", .subject_alt_names = {"IP:127.0.0.1"}}, *service,
                                 *service_key);
  REQUIRE(node.ok());
  CHECK(node->IsSignedBy(service->public_key()));
  CHECK_FALSE(node->IsSignedBy(node_key->Public()));
  CHECK(IsHexId(node->PublicKeyId()));
}
