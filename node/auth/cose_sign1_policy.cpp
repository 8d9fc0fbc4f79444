#include "auth/cose_sign1_policy.hpp"

#include <fmt/format.h>

#include "auth/tables.hpp"
#include "bank/certificate.hpp"
#include "bank/cose.hpp"

namespace bankd::auth {
namespace {

// Governance envelopes are small and flat: tight bounds cost nothing.
constexpr bank::cbor::DecodeLimits kEnvelopeLimits{.max_depth = 8, .max_items = 4096};

class CoseSign1Policy final : public AuthPolicy {
 public:
  CoseSign1Policy(bool require_active, std::optional<std::string> msg_type)
      : require_active_(require_active), msg_type_(std::move(msg_type)) {}

  const char* name() const override {
    return require_active_ ? "active_member_cose_sign1" : "member_cose_sign1";
  }

  std::vector<std::pair<std::string, std::string>> Challenge() const override {
    return {{"WWW-Authenticate", "COSE-SIGN1 realm=\"Signed request access\""}};
  }

  bank::Result<Caller> Authenticate(const http::Request& request, const StateReader& state) const override {
    const std::string* content_type = request.FindHeader("content-type");
    if (content_type == nullptr) return bank::Status::Auth("Missing Content-Type header");
    if (*content_type != "application/cose")
      return bank::Status::Auth("Content type is not set to application/cose");

    auto sign1 = bank::cose::ParseSign1(bank::AsBytes(request.body), kEnvelopeLimits);
    if (!sign1.ok()) return bank::Status::Auth("Failed to parse COSE_Sign1: " + sign1.status().message());
    auto phdr = bank::cose::ParseGovProtectedHeader(sign1->protected_header);
    if (!phdr.ok()) return bank::Status::Auth("Failed to parse COSE_Sign1: " + phdr.status().message());
    if (!sign1->payload)
      return bank::Status::Auth("Failed to parse COSE_Sign1: the payload must be embedded");
    if (bank::cose::HashBitsFor(phdr->alg) == 0)
      return bank::Status::Auth(fmt::format("Unsupported algorithm: {}", phdr->alg));

    auto pem = state.Get(tables::kMemberCerts, phdr->kid);
    if (!pem) return bank::Status::Auth("Signer is not a known member");
    auto cert = bank::Certificate::FromPem(*pem);
    if (!cert.ok()) return bank::Status::Auth("Signer's registered certificate cannot be read");
    if (!bank::cose::VerifySign1(*sign1, phdr->alg, cert->public_key()).ok())
      return bank::Status::Auth("Failed to validate COSE Sign1");

    if (msg_type_) {
      if (!phdr->msg_type)
        return bank::Status::Auth(
            fmt::format("Missing ccf.gov.msg.type, expected ccf.gov.msg.type to be {}", *msg_type_));
      if (*phdr->msg_type != *msg_type_)
        return bank::Status::Auth(
            fmt::format("Found ccf.gov.msg.type set to {}, expected ccf.gov.msg.type to be {}",
                        *phdr->msg_type, *msg_type_));
    }
    if (require_active_) {
      auto info = state.Get(tables::kMemberInfo, phdr->kid);
      auto parsed = info ? nlohmann::json::parse(*info, nullptr, false) : nlohmann::json();
      if (!parsed.is_object() || parsed.value("status", "") != "Active")
        return bank::Status::Auth("Signer is not an ACTIVE member");
    }

    Caller caller;
    caller.policy = name();
    caller.id = phdr->kid;
    CoseSign1Caller cose;
    cose.protected_header = {
        {"1", phdr->alg}, {"4", phdr->kid}, {bank::cose::kHeaderCreatedAt, phdr->created_at}};
    if (phdr->msg_type) cose.protected_header[bank::cose::kHeaderMsgType] = *phdr->msg_type;
    if (phdr->proposal_id) cose.protected_header[bank::cose::kHeaderProposalId] = *phdr->proposal_id;
    cose.payload = bank::AsString(*sign1->payload);
    cose.signature = sign1->signature;
    caller.cose = std::move(cose);
    return caller;
  }

 private:
  bool require_active_;
  std::optional<std::string> msg_type_;
};

}  // namespace

PolicyPtr MemberCoseSign1Policy(std::optional<std::string> msg_type) {
  return std::make_shared<CoseSign1Policy>(false, std::move(msg_type));
}

PolicyPtr ActiveMemberCoseSign1Policy(std::optional<std::string> msg_type) {
  return std::make_shared<CoseSign1Policy>(true, std::move(msg_type));
}

}  // namespace bankd::auth
