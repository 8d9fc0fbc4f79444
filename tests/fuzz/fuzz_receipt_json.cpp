// Fuzz target: the JSON receipt parser (bank/receipt.hpp) and the verifier
// behind it. Any input must give a receipt or one kInputFile error line;
// a parsed receipt must survive a serialise/parse round trip unchanged and
// be verifiable (pass or fail, never crash) against a fixed service
// certificate.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bank/receipt.hpp"
#include "bank/receipt_verify.hpp"

namespace {

// The service certificate of the real CCF receipt in the seed corpus.
constexpr std::string_view kServiceCert = R"(-----BEGIN CERTIFICATE-----
MIIBejCCASCgAwIBAgIQcmv2rRjksVYvqdOOHxp5UjAKBggqhkjOPQQDAjAWMRQw
EgYDVQQDDAtDQ0YgTmV0d29yazAeFw0yMjExMDExODU0MzNaFw0yMzAxMzAxODU0
MzJaMBYxFDASBgNVBAMMC0NDRiBOZXR3b3JrMFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEEFi2//FtAFoJvS+4jzQte+hjhhtBee8yjZ28ntukjeqWbG8XCncx4e0j
eoQbFmGC9BnMb+t3t6FskQZkvgobrqNQME4wDAYDVR0TBAUwAwEB/zAdBgNVHQ4E
FgQUQgzYFOQLy0vDkm3wqLSlcJsbQm8wHwYDVR0jBBgwFoAUQgzYFOQLy0vDkm3w
qLSlcJsbQm8wCgYIKoZIzj0EAwIDSAAwRQIhAN/DrvHLpwRa7PeuN7q4ZztPjEY6
R8r2IuT+wd5lMe7UAiAu7FftNooRjWIJ6pVFQO1xPtjCI5/JyvBUcJqfWT+Q2g==
-----END CERTIFICATE-----
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bank::Certificate service = *bank::Certificate::FromPem(kServiceCert);
  auto receipt = bank::ParseReceipt(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!receipt.ok()) {
    const std::string& m = receipt.status().message();
    if (receipt.status().code() != bank::Code::kInputFile || m.find('\n') != std::string::npos) std::abort();
    return 0;
  }
  auto again = bank::ReceiptFromJson(bank::ReceiptToJson(*receipt));
  if (!again.ok() || bank::ReceiptToJson(*again) != bank::ReceiptToJson(*receipt)) std::abort();

  bank::ReceiptVerifier verifier(service);
  auto report = verifier.Verify(*receipt, std::string("a sent 1 to b"));
  if (report.checks.empty() || report.verified()) std::abort();  // no claim of that text exists in a seed
  (void)report.ToJson().dump();
  return 0;
}
