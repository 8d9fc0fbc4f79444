// Who is calling: the outcome of a successful authentication policy, handed
// to the endpoint handler in Request::caller.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "bank/encoding.hpp"

namespace bankd::auth {

// What a COSE_Sign1 policy verified (governance): the handler acts on the
// signed payload, never on the raw body.
struct CoseSign1Caller {
  // Protected header, keyed by label: integer labels as decimal strings
  // ("1" alg, "4" kid), text labels as they are ("ccf.gov.msg.type",
  // "ccf.gov.msg.created_at", "ccf.gov.msg.proposal_id").
  nlohmann::json protected_header = nlohmann::json::object();
  std::string payload;
  bank::Bytes signature;  // raw r||s, as in the envelope
};

struct Caller {
  // CCF's name of the policy that accepted the request ("user_cert",
  // "member_cert", "member_cose_sign1", ...); "no_auth" for open endpoints.
  std::string policy = "no_auth";
  // The user or member id (64 lowercase hex); empty for no_auth.
  std::string id;
  // Set by COSE_Sign1 policies only.
  std::optional<CoseSign1Caller> cose;
};

}  // namespace bankd::auth
