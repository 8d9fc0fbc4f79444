// Fuzz target: bankd's COSE_Sign1 envelope parsing and authentication, as a
// governance request body meets it (auth/cose_sign1_policy.hpp), plus the
// CBOR layer's round trip on whatever decodes.
//
// A fixed member identity (test data: tests/fuzz/keys/cose_envelope_member_*,
// never used elsewhere) is registered and Active, so that corpus envelopes
// signed by it reach the checks after signature verification (message
// type, Active status). Regenerate the corpus with `bankctl gov sign
// --signing-cert ... --signing-key ...`.
#include <cstdint>
#include <cstdlib>

#include "auth/cose_sign1_policy.hpp"
#include "auth/tables.hpp"
#include "bank/cbor.hpp"
#include "bank/certificate.hpp"
#include "http/message.hpp"
#include "kv/tx.hpp"

namespace {

constexpr const char* kMemberCert = R"(-----BEGIN CERTIFICATE-----
MIIBwDCCAUagAwIBAgIUHYozW3yMXVFLGxaZQzn5031u0YgwCgYIKoZIzj0EAwMw
FjEUMBIGA1UEAwwLZnV6el9tZW1iZXIwIBcNMjYxMTIxMTg1NzExWhgPMjEyNjEw
MjgxODU3MTFaMBYxFDASBgNVBAMMC2Z1enpfbWVtYmVyMHYwEAYHKoZIzj0CAQYF
K4EEACIDYgAEgmGHbdzU+leu/HQC5HDm9YezMe91kAOjy1BoruNfvcJ2pJb54h/e
/cHQlC1nxMBc8KRgy45jgSzVoIC98Kp6OG2z64489XXEKA3Q/aDyBneWK4OO0gLH
rjOV+LDs3fsgo1MwUTAdBgNVHQ4EFgQU+JXlPPFzZZL9l33nlQEinJ33dnIwHwYD
VR0jBBgwFoAU+JXlPPFzZZL9l33nlQEinJ33dnIwDwYDVR0TAQH/BAUwAwEB/zAK
BggqhkjOPQQDAwNoADBlAjAIehuZmFlRH2r/gN7CH7INEVRv6aJ7CQr+VsdknMz6
5e0oMn1astdpJYdb4PEYhLACMQCZ1uFqMFGbLtRq0Mdo6p5OfrH0TasgOvIn70uD
tBxZgwn1JsvyG8U3+Ilq4z2CpNQ=
-----END CERTIFICATE-----
)";
struct Service {
  bankd::kv::Store store;
  Service() {
    auto cert = bank::Certificate::FromPem(kMemberCert);
    if (!cert.ok()) std::abort();
    bankd::kv::Tx tx(store);
    tx.Put(bankd::tables::kMemberCerts, cert->Id(), kMemberCert);
    tx.Put(bankd::tables::kMemberInfo, cert->Id(), R"({"status":"Active","member_data":null})");
    store.Apply(tx.TakeWrites());
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Service service;
  static const bankd::auth::PolicyPtr policies[] = {
      bankd::auth::ActiveMemberCoseSign1Policy(std::string("proposal")),
      bankd::auth::MemberCoseSign1Policy(std::nullopt)};

  bankd::http::Request request;
  request.method = "POST";
  request.path = "/gov/members/proposals:create";
  request.AddHeader("content-type", "application/cose");
  request.body.assign(reinterpret_cast<const char*>(data), size);
  bankd::auth::StoreReader reader(service.store);
  for (const auto& policy : policies) {
    auto caller = policy->Authenticate(request, reader);
    if (caller.ok() && (!caller->cose || caller->id.size() != 64)) std::abort();
  }

  // Whatever decodes re-encodes deterministically, and that encoding is a
  // fixed point (maps may come back in another order: encoding sorts them).
  auto value = bank::cbor::Decode({data, size});
  if (value.ok()) {
    bank::Bytes encoded = bank::cbor::Encode(*value);
    auto again = bank::cbor::Decode(encoded);
    if (!again.ok() || bank::cbor::Encode(*again) != encoded) std::abort();
    (void)bank::cbor::Diagnostic(*value);
  }
  return 0;
}
