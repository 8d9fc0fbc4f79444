// Proposals and ballots, as CCF's governance runs them, against one kv::Tx
// (the endpoint's transaction: everything a call changes commits together,
// or nothing does when it is refused).
//
// The constitution bankd evaluates natively:
//  - resolve: Accepted once the "true" ballots are a strict majority of the
//    Active members (yes > floor(active / 2)); Rejected once that can no
//    longer happen (no >= active - floor(active / 2)); Open otherwise. The
//    proposer has no implicit vote. Proposals are resolved at creation and
//    after every ballot (governance-scripts/constitution/resolve.js is the
//    same rule for a real CCF service).
//  - apply: every action of an Accepted proposal, in order, in the same
//    transaction. An action that cannot apply refuses the call with 500 and
//    nothing of it is kept (CCF discards the transaction the same way).
//  - When a proposal leaves Open, every *other* proposal that is not Open
//    is deleted; set_constitution marks the other Open proposals Dropped.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "auth/caller.hpp"
#include "bank/hash.hpp"
#include "bank/txid.hpp"
#include "governance/refusal.hpp"
#include "kv/tx.hpp"

namespace bankd::governance {

// Which API a call came through: messages and a few rules differ.
enum class Flavor { kClassic, k20240701 };

struct ProposalInfo {
  std::string proposer_id;
  std::string state;                           // Open, Accepted, Withdrawn, Rejected, Failed, Dropped
  std::map<std::string, std::string> ballots;  // member id -> ballot JavaScript
  std::optional<std::map<std::string, bool>> final_votes;
  nlohmann::json vote_failures;  // null, or {member: {reason, trace}}
  nlohmann::json failure;        // null, or {reason, trace}

  static std::optional<ProposalInfo> Parse(const std::string& stored);
  nlohmann::json ToJson() const;  // the stored (classic ProposalInfo) shape
};

// 2024-07-01 proposal object: proposalId, proposerId, proposalState,
// ballotCount, ballotSubmitters[, finalVotes, voteFailures, failure].
nlohmann::json ProposalJson(const std::string& id, const ProposalInfo& info);
// Classic ProposalInfoSummary (answers of POST /gov/proposals and ballots).
nlohmann::json ClassicSummaryJson(const std::string& id, const ProposalInfo& info);

// The strict-majority rule (see above) on counted votes.
std::string ResolveStrictMajority(size_t yes, size_t no, size_t active_members);

struct GovContext {
  bank::Digest current_root;                     // binds new proposal ids to the state
  std::optional<bank::Digest> last_signed_root;  // for set_member's ACK record
  bank::TxId txid;                               // the transaction the call runs in
};

struct Created {
  std::string id;
  ProposalInfo info;
};

// The caller must come from a COSE_Sign1 policy (Caller::cose set).
Outcome<Created> CreateProposal(kv::Tx& tx, const GovContext& ctx, const auth::Caller& caller);
Outcome<ProposalInfo> SubmitBallot(kv::Tx& tx, const GovContext& ctx, const auth::Caller& caller,
                                   const std::string& proposal_id, Flavor flavor);
// nullopt: the proposal is unknown and the 2024-07-01 API answers 204.
Outcome<std::optional<ProposalInfo>> WithdrawProposal(kv::Tx& tx, const auth::Caller& caller,
                                                      const std::string& proposal_id, Flavor flavor);

}  // namespace bankd::governance
