// CCF's COSE_Sign1 authentication policies for governance requests:
// member_cose_sign1 (any registered member) and active_member_cose_sign1
// (the member must be Active), each optionally bound to one
// ccf.gov.msg.type, as CCF binds every governance endpoint to its type.
//
// In CCF's order, a request is refused (401 InvalidAuthenticationInfo with
// the reason in `details`, and WWW-Authenticate: COSE-SIGN1) when:
//   the Content-Type is missing or not exactly application/cose; the body is
//   not a COSE_Sign1 governance envelope (tag 18, alg/kid/created_at with
//   CCF's types, an embedded payload); alg is not ES256/ES384/ES512; kid
//   names no member ("Signer is not a known member"); the signature does
//   not verify under that member's certificate ("Failed to validate COSE
//   Sign1"); ccf.gov.msg.type is missing or another type; for the active
//   policy, the member is not Active ("Signer is not an ACTIVE member").
// Deviation: CCF answers an undecodable body with 500 InternalError (an
// uncaught decode exception); bankd refuses it like any other bad
// credential, with 401 and the decoder's reason.
#pragma once

#include <optional>
#include <string>

#include "auth/policy.hpp"

namespace bankd::auth {

// `msg_type`: the ccf.gov.msg.type the endpoint requires (nullopt: any).
PolicyPtr MemberCoseSign1Policy(std::optional<std::string> msg_type);
PolicyPtr ActiveMemberCoseSign1Policy(std::optional<std::string> msg_type);

}  // namespace bankd::auth
