#include "governance/proposals.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "auth/tables.hpp"
#include "bank/cose.hpp"
#include "bank/encoding.hpp"
#include "bank/hash.hpp"
#include "governance/actions.hpp"
#include "governance/ballot.hpp"
#include "governance/tables.hpp"
#include "governance/validation.hpp"

namespace bankd::governance {

using nlohmann::json;

// ---- stored shape and views ---------------------------------------------------------

std::optional<ProposalInfo> ProposalInfo::Parse(const std::string& stored) {
  json j = json::parse(stored, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  ProposalInfo info;
  info.proposer_id = j.value("proposer_id", "");
  info.state = j.value("state", "");
  if (auto b = j.find("ballots"); b != j.end() && b->is_object())
    for (const auto& [mid, js] : b->items())
      if (js.is_string()) info.ballots[mid] = js.get<std::string>();
  if (auto v = j.find("final_votes"); v != j.end() && v->is_object()) {
    info.final_votes.emplace();
    for (const auto& [mid, vote] : v->items())
      if (vote.is_boolean()) (*info.final_votes)[mid] = vote.get<bool>();
  }
  info.vote_failures = j.value("vote_failures", json());
  info.failure = j.value("failure", json());
  return info;
}

json ProposalInfo::ToJson() const {
  json j = {{"proposer_id", proposer_id}, {"state", state}, {"ballots", ballots}};
  if (final_votes) j["final_votes"] = *final_votes;
  if (!vote_failures.is_null()) j["vote_failures"] = vote_failures;
  if (!failure.is_null()) j["failure"] = failure;
  return j;
}

json ProposalJson(const std::string& id, const ProposalInfo& info) {
  json submitters = json::array();
  for (const auto& [mid, _] : info.ballots) submitters.push_back(mid);
  json j = {{"proposalId", id},
            {"proposerId", info.proposer_id},
            {"proposalState", info.state},
            {"ballotCount", info.ballots.size()},
            {"ballotSubmitters", submitters}};
  if (info.final_votes) j["finalVotes"] = *info.final_votes;
  if (!info.vote_failures.is_null()) j["voteFailures"] = info.vote_failures;
  if (!info.failure.is_null()) j["failure"] = info.failure;
  return j;
}

json ClassicSummaryJson(const std::string& id, const ProposalInfo& info) {
  json j = {{"proposal_id", id},
            {"proposer_id", info.proposer_id},
            {"state", info.state},
            {"ballot_count", info.ballots.size()}};
  if (info.final_votes) j["votes"] = *info.final_votes;
  if (!info.vote_failures.is_null()) j["vote_failures"] = info.vote_failures;
  if (!info.failure.is_null()) j["failure"] = info.failure;
  return j;
}

std::string ResolveStrictMajority(size_t yes, size_t no, size_t active_members) {
  const size_t half = active_members / 2;
  if (yes > half) return "Accepted";
  if (no >= active_members - half) return "Rejected";
  return "Open";
}

// ---- resolution -----------------------------------------------------------------------

namespace {

std::optional<ProposalInfo> ReadInfo(const kv::Tx& tx, const std::string& id) {
  auto stored = tx.Get(tables::kProposalsInfo, id);
  if (!stored) return std::nullopt;
  return ProposalInfo::Parse(*stored);
}

void WriteInfo(kv::Tx& tx, const std::string& id, const ProposalInfo& info) {
  tx.Put(tables::kProposalsInfo, id, info.ToJson().dump());
}

size_t ActiveMembers(const kv::Tx& tx) {
  size_t active = 0;
  tx.ForEach(bankd::tables::kMemberInfo, [&](const std::string&, const std::string& v) {
    json m = json::parse(v, nullptr, false);
    if (m.is_object() && m.value("status", "") == "Active") ++active;
    return true;
  });
  return active;
}

// Other proposals in `state`, by id.
std::vector<std::string> OtherProposals(const kv::Tx& tx, const std::string& id, bool open) {
  std::vector<std::string> out;
  tx.ForEach(tables::kProposalsInfo, [&](const std::string& pid, const std::string& v) {
    auto info = ProposalInfo::Parse(v);
    if (pid != id && info && (info->state == "Open") == open) out.push_back(pid);
    return true;
  });
  return out;
}

void RemoveOtherClosedProposals(kv::Tx& tx, const std::string& id) {
  for (const auto& pid : OtherProposals(tx, id, /*open=*/false)) {
    tx.Remove(tables::kProposals, pid);
    tx.Remove(tables::kProposalsInfo, pid);
  }
}

std::optional<Refusal> Apply(kv::Tx& tx, const GovContext& ctx, const std::string& id,
                             const std::string& text) {
  auto validated = ValidateProposal(text);
  if (const Refusal* r = RefusalOf(validated))
    return Refusal{500, "InternalError", "Failed to apply(): " + r->message};
  ApplyContext apply{tx, id, ctx.last_signed_root, ctx.txid};
  bool drop_open = false;
  for (const Action& action : std::get<std::vector<Action>>(validated)) {
    const ActionDefinition* def = FindAction(action.name);
    if (auto reason = def->apply(action.args, apply))
      return Refusal{500, "InternalError", "Failed to apply(): Error: " + *reason};
    drop_open = drop_open || def->drops_other_open_proposals;
  }
  if (drop_open) {
    for (const auto& pid : OtherProposals(tx, id, /*open=*/true)) {
      auto info = ReadInfo(tx, pid);
      info->state = "Dropped";
      WriteInfo(tx, pid, *info);
    }
  }
  return std::nullopt;
}

// Counts the ballots, decides, and on leaving Open records the final votes
// and applies an accepted proposal.
std::optional<Refusal> Resolve(kv::Tx& tx, const GovContext& ctx, const std::string& id,
                               const std::string& text, ProposalInfo& info) {
  std::map<std::string, bool> votes;
  size_t yes = 0, no = 0;
  for (const auto& [mid, js] : info.ballots) {
    // Only constant ballots are ever stored (SubmitBallot refuses others).
    bool vote = ConstantBallotVote(js).value_or(false);
    votes[mid] = vote;
    ++(vote ? yes : no);
  }
  info.state = ResolveStrictMajority(yes, no, ActiveMembers(tx));
  if (info.state != "Open") {
    RemoveOtherClosedProposals(tx, id);
    info.final_votes = votes;
    info.vote_failures = json::object();
  }
  WriteInfo(tx, id, info);
  if (info.state == "Accepted") return Apply(tx, ctx, id, text);
  return std::nullopt;
}

}  // namespace

// ---- operations ---------------------------------------------------------------------

Outcome<Created> CreateProposal(kv::Tx& tx, const GovContext& ctx, const auth::Caller& caller) {
  const auth::CoseSign1Caller& cose = *caller.cose;
  const std::string& text = cose.payload;
  auto validated = ValidateProposal(text);
  if (const Refusal* r = RefusalOf(validated)) return *r;

  // As CCF: SHA-256(root || SHA-256(signature)), binding the id to the state.
  const bank::Digest request_digest = bank::Sha256(cose.signature);
  const std::string id = bank::DigestHex(bank::Sha256Concat({ctx.current_root, request_digest}));
  if (tx.Get(tables::kProposals, id)) return Refusal{500, "InternalError", "Proposal ID collision."};
  tx.Put(tables::kProposals, id, text);
  ProposalInfo info;
  info.proposer_id = caller.id;
  info.state = "Open";
  WriteInfo(tx, id, info);

  // Replay protection: created_at as zero-padded decimal, compared as text.
  const int64_t created_at = cose.protected_header.value(bank::cose::kHeaderCreatedAt, int64_t{0});
  if (created_at > 9'999'999'999)
    return Refusal{400, "InvalidCreatedAt", "Header parameter created_at value is too large"};
  const std::string created = fmt::format("{:0>10}", created_at);
  const std::string key = created + ":" + bank::DigestHex(request_digest);
  if (auto existing = tx.Get(tables::kCoseRecentProposals, key))
    return Refusal{400, "ProposalReplay",
                   "Proposal submission replay, already exists as proposal " + *existing};
  std::vector<std::string> keys;
  tx.ForEach(tables::kCoseRecentProposals, [&](const std::string& k, const std::string&) {
    keys.push_back(k);
    return true;
  });  // in key order
  if (!keys.empty()) {
    const std::string median = keys[keys.size() / 2].substr(0, keys[keys.size() / 2].find(':'));
    if (created < median)
      return Refusal{400, "ProposalCreatedTooLongAgo",
                     "Proposal created too long ago, created_at must be greater than " + median};
  }
  tx.Put(tables::kCoseRecentProposals, key, id);
  if (keys.size() + 1 > tables::kRecentProposalsWindow)
    for (size_t i = 0; i < keys.size() + 1 - tables::kRecentProposalsWindow; ++i)
      tx.Remove(tables::kCoseRecentProposals, keys[i]);

  if (auto refusal = Resolve(tx, ctx, id, text, info)) return *refusal;
  return Created{id, std::move(info)};
}

Outcome<ProposalInfo> SubmitBallot(kv::Tx& tx, const GovContext& ctx, const auth::Caller& caller,
                                   const std::string& proposal_id, Flavor flavor) {
  auto info = ReadInfo(tx, proposal_id);
  auto text = tx.Get(tables::kProposals, proposal_id);
  const std::string not_found = flavor == Flavor::kClassic
                                    ? fmt::format("Proposal {} does not exist.", proposal_id)
                                    : fmt::format("Could not find proposal {}.", proposal_id);
  if (!info || !text) return Refusal{404, "ProposalNotFound", not_found};
  if (info->state != "Open")
    return Refusal{400, "ProposalNotOpen",
                   fmt::format("Proposal {} is currently in state {} - only Open proposals can receive votes",
                               proposal_id, info->state)};

  json body = json::parse(caller.cose->payload, nullptr, false);
  if (!body.is_object() || !body.contains("ballot") || !body["ballot"].is_string())
    return Refusal{400, "InvalidInput",
                   "Signed request body is not a JSON object containing required string field \"ballot\""};
  const std::string ballot = body["ballot"].get<std::string>();

  if (auto it = info->ballots.find(caller.id); it != info->ballots.end()) {
    if (flavor == Flavor::kClassic) return Refusal{400, "VoteAlreadyExists", "Vote already submitted."};
    if (it->second == ballot) return *info;  // idempotent: nothing changes
    return Refusal{400, "VoteAlreadyExists",
                   fmt::format("Different ballot already submitted by {} for {}.", caller.id, proposal_id)};
  }
  if (!ConstantBallotVote(ballot))
    return Refusal{
        400, "InvalidInput",
        "bankd evaluates constant ballots only (export function vote (proposal, proposerId) { return "
        "true } or { return false }); conditional ballots need a CCF service"};

  info->ballots[caller.id] = ballot;
  if (auto refusal = Resolve(tx, ctx, proposal_id, *text, *info)) return *refusal;
  return *info;
}

Outcome<std::optional<ProposalInfo>> WithdrawProposal(kv::Tx& tx, const auth::Caller& caller,
                                                      const std::string& proposal_id, Flavor flavor) {
  auto info = ReadInfo(tx, proposal_id);
  if (!info) {
    if (flavor == Flavor::k20240701) return std::optional<ProposalInfo>();
    return Refusal{400, "ProposalNotFound", fmt::format("Proposal {} does not exist.", proposal_id)};
  }
  if (info->proposer_id != caller.id)
    return Refusal{403, "AuthorizationFailed",
                   fmt::format("Proposal {} can only be withdrawn by proposer {}, not caller {}.",
                               proposal_id, info->proposer_id, caller.id)};
  const bool idempotent = flavor == Flavor::k20240701 && info->state == "Withdrawn";
  if (info->state != "Open" && !idempotent)
    return Refusal{400, "ProposalNotOpen",
                   fmt::format("Proposal {} is currently in state {} and cannot be withdrawn.", proposal_id,
                               info->state)};
  if (info->state == "Open") {
    info->state = "Withdrawn";
    WriteInfo(tx, proposal_id, *info);
    RemoveOtherClosedProposals(tx, proposal_id);
  }
  return std::optional<ProposalInfo>(*info);
}

}  // namespace bankd::governance
