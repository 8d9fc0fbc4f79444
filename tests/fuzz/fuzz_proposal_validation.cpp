// Fuzz target: bankd's proposal validation (governance/validation.hpp), the
// JSON a proposal envelope carries: parsing, action lookup and each
// action's argument checks (certificates, keys, ids, types).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "governance/validation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto outcome = bankd::governance::ValidateProposal(text);
  if (const auto* refusal = bankd::governance::RefusalOf(outcome)) {
    // Refusals are CCF's: 400 ProposalFailedToValidate or 500 InternalError.
    if (!(refusal->status == 400 && refusal->code == "ProposalFailedToValidate") &&
        !(refusal->status == 500 && refusal->code == "InternalError"))
      std::abort();
    if (refusal->message.empty()) std::abort();
  }
  return 0;
}
