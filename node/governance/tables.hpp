// CCF's governance tables that the governance module owns (the member,
// user, service and node tables are in auth/tables.hpp).
//
// Values are JSON text in CCF's shapes, except where noted.
#pragma once

namespace bankd::governance::tables {

// proposal id -> the proposal JSON exactly as signed.
inline constexpr const char* kProposals = "public:ccf.gov.proposals";
// proposal id -> {"proposer_id", "state", "ballots": {member: js}
//                 [, "final_votes", "vote_failures", "failure"]}
inline constexpr const char* kProposalsInfo = "public:ccf.gov.proposals_info";
// "<created_at, 10 digits>:<hex SHA-256 of the signature>" -> proposal id
// (plain text): CCF's replay window for proposals.
inline constexpr const char* kCoseRecentProposals = "public:ccf.gov.cose_recent_proposals";
// member id -> base64 of the member's latest governance envelope.
inline constexpr const char* kCoseHistory = "public:ccf.gov.cose_history";
// member id -> {"state_digest": "<hex>"[, "cose_sign1_req": "<base64>"]}
inline constexpr const char* kMemberAcks = "public:ccf.gov.members.acks";
// single entry (key "0"): the constitution JavaScript (plain text).
inline constexpr const char* kConstitution = "public:ccf.gov.constitution";

// CCF's default recent_cose_proposals_window_size.
inline constexpr size_t kRecentProposalsWindow = 100;

}  // namespace bankd::governance::tables
