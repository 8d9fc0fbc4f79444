// Identities as CCF's keygenerator.sh makes them, and loading them back.
#pragma once

#include <string>

#include "bank/certificate.hpp"
#include "bank/key.hpp"

namespace bank {

struct KeygenOptions {
  std::string name;  // CN and file prefix
  std::string directory = ".";
  Curve curve = Curve::kP384;
  bool encryption_key = false;  // also NAME_enc_{privk,pubk}.pem (RSA-2048)
  bool force = false;           // overwrite existing files
  int validity_days = 365;
};

struct KeygenResult {
  std::string cert_path, privk_path, enc_pubk_path, enc_privk_path;  // enc_* empty unless requested
  std::string id;
};

// Writes NAME_privk.pem (mode 0600) and NAME_cert.pem, plus the encryption
// pair when asked. Refuses (Code::kExists) to overwrite any existing file
// unless `force`; nothing is written in that case.
Result<KeygenResult> GenerateIdentity(const KeygenOptions& options);

// A signing identity: certificate and matching private key.
struct Identity {
  Certificate cert;
  PrivateKey key;
  std::string id() const { return cert.Id(); }
};

// Loads and checks that the key matches the certificate.
Result<Identity> LoadIdentity(const std::string& cert_path, const std::string& key_path);

// Writes `data` to `path` atomically with the given mode (write to a
// temporary file in the same directory, fsync, rename).
Status WriteFileAtomic(const std::string& path, const std::string& data, unsigned mode = 0644);

}  // namespace bank
