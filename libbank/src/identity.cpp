#include "bank/identity.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace bank {
namespace fs = std::filesystem;

Status WriteFileAtomic(const std::string& path, const std::string& data, unsigned mode) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::InputFile(path + ": cannot write (" + std::strerror(errno) + ")");
  ::fchmod(fd, mode);  // umask must not widen or narrow what we ask for
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::InputFile(path + ": write failed (" + std::strerror(e) + ")");
    }
    off += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Status::InputFile(path + ": cannot rename into place (" + std::strerror(e) + ")");
  }
  return Status::OK();
}

Result<KeygenResult> GenerateIdentity(const KeygenOptions& o) {
  if (o.name.empty() || o.name.find('/') != std::string::npos)
    return Status::Usage("identity name must be non-empty and contain no '/'");
  std::error_code ec;
  fs::create_directories(o.directory, ec);
  if (ec) return Status::InputFile(o.directory + ": cannot create directory (" + ec.message() + ")");

  KeygenResult r;
  fs::path dir(o.directory);
  r.privk_path = (dir / (o.name + "_privk.pem")).string();
  r.cert_path = (dir / (o.name + "_cert.pem")).string();
  std::vector<std::string> paths = {r.privk_path, r.cert_path};
  if (o.encryption_key) {
    r.enc_privk_path = (dir / (o.name + "_enc_privk.pem")).string();
    r.enc_pubk_path = (dir / (o.name + "_enc_pubk.pem")).string();
    paths.push_back(r.enc_privk_path);
    paths.push_back(r.enc_pubk_path);
  }
  if (!o.force) {
    for (const auto& p : paths)
      if (fs::exists(p)) return Status::Exists(p + ": already exists (use --force to overwrite)");
  }

  auto key = PrivateKey::GenerateEc(o.curve);
  if (!key.ok()) return key.status();
  CertificateSpec spec;
  spec.common_name = o.name;
  spec.validity_days = o.validity_days;
  spec.is_ca = true;  // as `openssl req -x509` with the default v3_ca section
  auto cert = Certificate::SelfSigned(*key, spec);
  if (!cert.ok()) return cert.status();

  BANK_RETURN_IF_ERROR(WriteFileAtomic(r.privk_path, key->Pem(), 0600));
  BANK_RETURN_IF_ERROR(WriteFileAtomic(r.cert_path, cert->Pem(), 0644));
  if (o.encryption_key) {
    auto enc = PrivateKey::GenerateRsa(2048);
    if (!enc.ok()) return enc.status();
    BANK_RETURN_IF_ERROR(WriteFileAtomic(r.enc_privk_path, enc->Pem(), 0600));
    BANK_RETURN_IF_ERROR(WriteFileAtomic(r.enc_pubk_path, enc->Public().Pem(), 0644));
  }
  r.id = cert->Id();
  return r;
}

Result<Identity> LoadIdentity(const std::string& cert_path, const std::string& key_path) {
  auto cert = Certificate::LoadFile(cert_path);
  if (!cert.ok()) return cert.status();
  auto key = PrivateKey::LoadFile(key_path);
  if (!key.ok()) return key.status();
  if (EVP_PKEY_eq(cert->public_key().get(), key->get()) != 1)
    return Status::InputFile(key_path + ": private key does not match certificate " + cert_path);
  return Identity{*cert, *key};
}

}  // namespace bank
