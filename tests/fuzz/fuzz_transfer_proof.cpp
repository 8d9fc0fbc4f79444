// Fuzz target: the transfer proof reader (bank/transfer_proof.hpp) behind
// `bankctl receipt verify proof.json --trust ...`. Any input must be told
// apart (a proof or not), parsed or refused with one error, and a parsed
// proof verified (pass or fail, never crash) against its own identity and
// against its own certificate.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bank/transfer_proof.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!bank::LooksLikeTransferProof(text)) return 0;
  auto proof = bank::ParseTransferProof(text);
  if (!proof.ok()) {
    if (proof.status().message().empty()) std::abort();
    return 0;
  }
  // A round trip keeps every field.
  auto again = bank::ParseTransferProof(proof->ToJson().dump());
  if (!again.ok() || again->ToJson() != proof->ToJson()) std::abort();
  (void)bank::VerifyTransferProof(*proof, proof->service_identity);
  (void)bank::VerifyTransferProof(*proof, proof->service_certificate);
  return 0;
}
