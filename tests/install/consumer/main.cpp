// A program outside the project that uses the installed libbank: prints the
// CCF id (SHA-256 of the DER certificate) of each certificate named.
#include <cstdio>

#include "bank/certificate.hpp"

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    auto cert = bank::Certificate::LoadFile(argv[i]);
    if (!cert.ok()) {
      std::fprintf(stderr, "%s\n", cert.status().message().c_str());
      return cert.status().exit_code();
    }
    std::printf("%s\n", cert->Id().c_str());
  }
  return 0;
}
