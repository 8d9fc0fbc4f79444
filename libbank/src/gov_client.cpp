#include "bank/gov_client.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <thread>

#include "bank/encoding.hpp"
#include "bank/hash.hpp"

namespace bank::gov {

using nlohmann::json;

const char* ApiName(Api api) {
  switch (api) {
    case Api::kAuto:
      return "auto";
    case Api::kClassic:
      return "classic";
    case Api::k20240701:
      return kApiVersion;
  }
  return "?";
}

Result<Api> ParseApi(std::string_view name) {
  if (name == "auto") return Api::kAuto;
  if (name == "classic") return Api::kClassic;
  if (name == kApiVersion || name == "v1" || name == "new") return Api::k20240701;
  return Status::Usage("unknown governance API '" + std::string(name) + "' (auto, classic or 2024-07-01)");
}

std::string BallotJs(bool accept) {
  return std::string("export function vote (proposal, proposerId) { return ") + (accept ? "true" : "false") +
         " }";
}

// ---- result shapes -------------------------------------------------------------

namespace {

// The first run of exactly `length` lowercase hex digits in `text` (a
// proposal id inside an error message), or "".
std::string FindHexRun(std::string_view text, size_t length) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && hex(text[i])) ++i;
    if (i - start == length) return std::string(text.substr(start, length));
    if (i == start) ++i;
  }
  return "";
}

// The decimal number right after `marker` in `text`, when there is one.
std::optional<int64_t> NumberAfter(std::string_view text, std::string_view marker) {
  size_t at = text.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  int64_t value = 0;
  auto digits = text.substr(at + marker.size());
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end == digits.data()) return std::nullopt;
  return value;
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The first of `keys` present in `j`, or null.
const json* Field(const json& j, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    auto it = j.find(k);
    if (it != j.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

// Any of the three proposal shapes: 2024-07-01 proposal, classic summary
// (POST answers) or classic ProposalInfo (GET answers, which lack the id).
Result<Proposal> ProposalFromJson(const json& j, const std::string& id_hint) {
  if (!j.is_object()) return Status::Rejected("unexpected proposal response: " + j.dump().substr(0, 200));
  Proposal p;
  p.id = Str(j, "proposalId");
  if (p.id.empty()) p.id = Str(j, "proposal_id");
  if (p.id.empty()) p.id = id_hint;
  p.proposer_id = Str(j, "proposerId");
  if (p.proposer_id.empty()) p.proposer_id = Str(j, "proposer_id");
  p.state = Str(j, "proposalState");
  if (p.state.empty()) p.state = Str(j, "state");
  if (p.state.empty()) return Status::Rejected("proposal response has no state: " + j.dump().substr(0, 200));
  if (const json* ballots = Field(j, {"ballots"}); ballots && ballots->is_object()) {
    for (const auto& [mid, _] : ballots->items()) p.voters.push_back(mid);
    p.ballot_count = static_cast<int>(p.voters.size());
  }
  if (const json* submitters = Field(j, {"ballotSubmitters"}); submitters && submitters->is_array())
    for (const auto& s : *submitters)
      if (s.is_string()) p.voters.push_back(s.get<std::string>());
  if (const json* count = Field(j, {"ballotCount", "ballot_count"}); count && count->is_number_integer())
    p.ballot_count = count->get<int>();
  if (const json* votes = Field(j, {"finalVotes", "final_votes", "votes"}); votes && votes->is_object())
    for (const auto& [mid, v] : votes->items())
      if (v.is_boolean()) p.final_votes[mid] = v.get<bool>();
  if (const json* failures = Field(j, {"voteFailures", "vote_failures"}); failures && failures->is_object())
    p.vote_failures = *failures;
  if (const json* failure = Field(j, {"failure"})) p.failure = *failure;
  if (p.voters.empty())
    for (const auto& [mid, _] : p.final_votes) p.voters.push_back(mid);
  return p;
}

Result<json> JsonBody(const Result<Response>& r) {
  if (!r.ok()) return r.status();
  if (!r->success()) return r->ToStatus();
  return r->json();
}

std::string ErrorCode(const Response& r) {
  auto e = r.ccf_error();
  return e ? e->code : std::string();
}

std::string ErrorMessage(const Response& r) {
  auto e = r.ccf_error();
  return e ? e->message : r.body;
}

}  // namespace

json Proposal::ToJson() const {
  json j = {{"proposalId", id},
            {"proposerId", proposer_id},
            {"proposalState", state},
            {"ballotCount", ballot_count}};
  if (!voters.empty()) j["ballotSubmitters"] = voters;
  if (!final_votes.empty()) j["finalVotes"] = final_votes;
  if (!vote_failures.empty()) j["voteFailures"] = vote_failures;
  if (!failure.is_null()) j["failure"] = failure;
  return j;
}

json Member::ToJson() const {
  json j = {{"memberId", id}, {"status", status}, {"certificate", cert}, {"memberData", member_data}};
  if (!public_encryption_key.empty()) j["publicEncryptionKey"] = public_encryption_key;
  if (!recovery_role.empty()) j["recoveryRole"] = recovery_role;
  return j;
}

json User::ToJson() const { return {{"userId", id}, {"certificate", cert}, {"userData", user_data}}; }

json Node::ToJson() const {
  json j = details.is_object() ? details : json::object();
  j["nodeId"] = id;
  j["status"] = status;
  return j;
}

json ServiceInfo::ToJson() const {
  json j = details.is_object() ? details : json::object();
  j["status"] = status;
  j["certificate"] = certificate;
  j["creationTransactionId"] = creation_txid;
  return j;
}

// ---- client --------------------------------------------------------------------

GovClient::GovClient(HttpClient& http, std::optional<Identity> signer, GovClientOptions options)
    : http_(http), signer_(std::move(signer)), options_(std::move(options)) {}

int64_t GovClient::Now() const {
  if (options_.now) return options_.now();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<Api> GovClient::api() {
  if (api_ != Api::kAuto) return api_;
  if (options_.api != Api::kAuto) return api_ = options_.api;
  auto r = http_.Get(std::string("/gov/service/info?api-version=") + kApiVersion);
  if (!r.ok()) return r.status().WithContext("detecting the governance API");
  if (r->status == 200) return api_ = Api::k20240701;
  // A service without the 2024-07-01 API does not know the path (404) or
  // the version (400 UnsupportedApiVersionValue).
  if (r->status == 404 || r->status == 400) return api_ = Api::kClassic;
  return r->ToStatus().WithContext("detecting the governance API");
}

std::string GovClient::Path(const std::string& path) const {
  return path + (path.find('?') == std::string::npos ? "?" : "&") + "api-version=" + kApiVersion;
}

Result<Bytes> GovClient::Sign(const std::string& type, std::string_view payload,
                              const std::optional<std::string>& proposal_id) const {
  if (!signer_) return Status::Usage("a signing identity (member certificate and key) is needed");
  return cose::SignGov(*signer_, {type, proposal_id, Now()}, AsBytes(payload));
}

Result<Response> GovClient::PostSigned(const std::string& path, const std::string& type,
                                       std::string_view payload,
                                       const std::optional<std::string>& proposal_id, int64_t created_at) {
  if (!signer_) return Status::Usage("a signing identity (member certificate and key) is needed");
  BANK_ASSIGN_OR_RETURN(Bytes envelope,
                        cose::SignGov(*signer_, {type, proposal_id, created_at}, AsBytes(payload)));
  // The same envelope may be re-sent safely: see the header comment.
  std::map<std::string, std::string> headers = {{"Idempotency-Key", DigestHex(Sha256(envelope))}};
  return http_.Request("POST", path, AsString(envelope), "application/cose", headers);
}

Result<Proposal> GovClient::Propose(const json& proposal) { return ProposeAt(proposal, Now(), true); }

Result<Proposal> GovClient::ProposeAt(const json& proposal, int64_t created_at, bool may_adjust_clock) {
  BANK_ASSIGN_OR_RETURN(Api a, api());
  const std::string path = a == Api::kClassic ? "/gov/proposals" : Path("/gov/members/proposals:create");
  BANK_ASSIGN_OR_RETURN(Response r,
                        PostSigned(path, cose::kProposal, proposal.dump(), std::nullopt, created_at));
  if (r.success()) {
    BANK_ASSIGN_OR_RETURN(json body, r.json());
    return ProposalFromJson(body, "");
  }
  const std::string code = ErrorCode(r);
  if (code == "ProposalReplay") {
    // Our own envelope, re-sent by the transport after the first attempt
    // got through: the service names the proposal it created.
    std::string id = FindHexRun(ErrorMessage(r), 64);
    if (!id.empty()) return GetProposal(id);
  }
  if (code == "ProposalCreatedTooLongAgo") {
    if (auto found = NumberAfter(ErrorMessage(r), "greater than ")) {
      int64_t minimum = *found;
      if (may_adjust_clock && minimum - created_at <= kMaxClockSkewSeconds)
        return ProposeAt(proposal, minimum, false);
      return Status::Rejected("400 ProposalCreatedTooLongAgo: this machine's clock is " +
                              std::to_string(minimum - created_at) +
                              " s behind the service's recent proposals; correct the clock and retry");
    }
  }
  return r.ToStatus();
}

Result<Proposal> GovClient::Vote(const std::string& proposal_id, const std::string& ballot_js) {
  BANK_ASSIGN_OR_RETURN(Api a, api());
  if (!signer_) return Status::Usage("a signing identity (member certificate and key) is needed");
  const std::string body = json{{"ballot", ballot_js}}.dump();
  const std::string path =
      a == Api::kClassic
          ? "/gov/proposals/" + proposal_id + "/ballots"
          : Path("/gov/members/proposals/" + proposal_id + "/ballots/" + signer_->id() + ":submit");
  BANK_ASSIGN_OR_RETURN(Response r, PostSigned(path, cose::kBallot, body, proposal_id, Now()));
  if (r.success()) {
    BANK_ASSIGN_OR_RETURN(json j, r.json());
    return ProposalFromJson(j, proposal_id);
  }
  if (a == Api::kClassic && ErrorCode(r) == "VoteAlreadyExists")
    return ResolveClassicVoteRetry(proposal_id, ballot_js, r);
  return r.ToStatus();
}

Result<Proposal> GovClient::ResolveClassicVoteRetry(const std::string& proposal_id,
                                                    const std::string& ballot_js, const Response& refusal) {
  // The classic API refuses any second ballot; when the stored ballot is
  // ours, the refusal is our own retried request and the vote stands.
  auto stored = GetBallot(proposal_id, signer_->id());
  if (stored.ok() && *stored && **stored == ballot_js) return GetProposal(proposal_id);
  return refusal.ToStatus();
}

Result<Proposal> GovClient::Withdraw(const std::string& proposal_id) {
  BANK_ASSIGN_OR_RETURN(Api a, api());
  const std::string path = a == Api::kClassic ? "/gov/proposals/" + proposal_id + "/withdraw"
                                              : Path("/gov/members/proposals/" + proposal_id + ":withdraw");
  BANK_ASSIGN_OR_RETURN(Response r, PostSigned(path, cose::kWithdrawal, "", proposal_id, Now()));
  if (r.status == 204)
    return Status::NotFound(
        "the service does not know proposal " + proposal_id +
        " (nothing to withdraw; completed proposals are removed once another one completes)");
  if (r.success()) {
    BANK_ASSIGN_OR_RETURN(json j, r.json());
    return ProposalFromJson(j, proposal_id);
  }
  if (a == Api::kClassic && ErrorCode(r) == "ProposalNotOpen") {
    // A retried withdrawal finds its own work done.
    auto p = GetProposal(proposal_id);
    if (p.ok() && p->state == "Withdrawn" && signer_ && p->proposer_id == signer_->id()) return p;
  }
  return r.ToStatus();
}

Result<Proposal> GovClient::GetProposal(const std::string& proposal_id) {
  BANK_ASSIGN_OR_RETURN(Api a, api());
  const std::string path =
      a == Api::kClassic ? "/gov/proposals/" + proposal_id : Path("/gov/members/proposals/" + proposal_id);
  BANK_ASSIGN_OR_RETURN(json j, JsonBody(http_.Get(path)));
  return ProposalFromJson(j, proposal_id);
}

Result<json> GovClient::GetActions(const std::string& proposal_id) {
  BANK_ASSIGN_OR_RETURN(Api a, api());
  const std::string path = a == Api::kClassic ? "/gov/proposals/" + proposal_id + "/actions"
                                              : Path("/gov/members/proposals/" + proposal_id + "/actions");
  return JsonBody(http_.Get(path));
}

Result<std::vector<Proposal>> GovClient::ListProposals() {
  BANK_ASSIGN_OR_RETURN(Api a, api());
  std::vector<Proposal> out;
  if (a == Api::kClassic) {
    BANK_ASSIGN_OR_RETURN(json j, JsonBody(http_.Get("/gov/proposals")));
    if (!j.is_object()) return Status::Rejected("unexpected /gov/proposals response");
    for (const auto& [id, info] : j.items()) {
      BANK_ASSIGN_OR_RETURN(Proposal p, ProposalFromJson(info, id));
      out.push_back(std::move(p));
    }
    return out;
  }
  BANK_ASSIGN_OR_RETURN(json j, JsonBody(http_.Get(Path("/gov/members/proposals"))));
  if (!j.contains("value") || !j["value"].is_array())
    return Status::Rejected("unexpected proposals list response");
  for (const auto& item : j["value"]) {
    BANK_ASSIGN_OR_RETURN(Proposal p, ProposalFromJson(item, ""));
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::optional<std::string>> GovClient::GetBallot(const std::string& proposal_id,
                                                        const std::string& member_id) {
  BANK_ASSIGN_OR_RETURN(Api a, api());
  const std::string path = a == Api::kClassic
                               ? "/gov/proposals/" + proposal_id + "/ballots/" + member_id
                               : Path("/gov/members/proposals/" + proposal_id + "/ballots/" + member_id);
  BANK_ASSIGN_OR_RETURN(Response r, http_.Get(path));
  if (r.status == 404 && ErrorCode(r) == "VoteNotFound") return std::optional<std::string>();
  if (!r.success()) return r.ToStatus();
  if (a == Api::k20240701) return std::optional<std::string>(r.body);
  BANK_ASSIGN_OR_RETURN(json j, r.json());
  if (!j.is_object() || !j.contains("ballot") || !j["ballot"].is_string())
    return Status::Rejected("unexpected ballot response");
  return std::optional<std::string>(j["ballot"].get<std::string>());
}

Result<std::vector<Member>> GovClient::Members() {
  BANK_ASSIGN_OR_RETURN(Api a, api());
  std::vector<Member> out;
  if (a == Api::kClassic) {
    BANK_ASSIGN_OR_RETURN(json j, JsonBody(http_.Get("/gov/members")));
    if (!j.is_object()) return Status::Rejected("unexpected /gov/members response");
    for (const auto& [id, m] : j.items())
      out.push_back({id, Str(m, "status"), Str(m, "cert"), Str(m, "public_encryption_key"),
                     m.value("member_data", json()), ""});
    return out;
  }
  BANK_ASSIGN_OR_RETURN(json j, JsonBody(http_.Get(Path("/gov/service/members"))));
  for (const auto& m : j.value("value", json::array()))
    out.push_back({Str(m, "memberId"), Str(m, "status"), Str(m, "certificate"), Str(m, "publicEncryptionKey"),
                   m.value("memberData", json()), Str(m, "recoveryRole")});
  return out;
}

Result<std::vector<User>> GovClient::Users() {
  BANK_ASSIGN_OR_RETURN(Api a, api());
  std::vector<User> out;
  if (a == Api::kClassic) {
    BANK_ASSIGN_OR_RETURN(json certs, JsonBody(http_.Get("/gov/kv/users/certs")));
    if (!certs.is_object()) return Status::Rejected("unexpected /gov/kv/users/certs response");
    auto info = JsonBody(http_.Get("/gov/kv/users/info"));
    for (const auto& [id, pem] : certs.items()) {
      json data;
      if (info.ok() && info->contains(id)) data = (*info)[id].value("user_data", json());
      out.push_back({id, pem.is_string() ? pem.get<std::string>() : "", data});
    }
    return out;
  }
  BANK_ASSIGN_OR_RETURN(json j, JsonBody(http_.Get(Path("/gov/service/users"))));
  for (const auto& u : j.value("value", json::array()))
    out.push_back({Str(u, "userId"), Str(u, "certificate"), u.value("userData", json())});
  return out;
}

Result<std::vector<Node>> GovClient::Nodes() {
  BANK_ASSIGN_OR_RETURN(Api a, api());
  std::vector<Node> out;
  if (a == Api::kClassic) {
    BANK_ASSIGN_OR_RETURN(json j, JsonBody(http_.Get("/node/network/nodes")));
    for (const auto& n : j.value("nodes", json::array()))
      out.push_back({Str(n, "node_id"), Str(n, "status"), n});
    return out;
  }
  BANK_ASSIGN_OR_RETURN(json j, JsonBody(http_.Get(Path("/gov/service/nodes"))));
  for (const auto& n : j.value("value", json::array()))
    out.push_back({Str(n, "nodeId"), Str(n, "status"), n});
  return out;
}

Result<ServiceInfo> GovClient::GetServiceInfo() {
  BANK_ASSIGN_OR_RETURN(Api a, api());
  if (a == Api::kClassic) {
    BANK_ASSIGN_OR_RETURN(json j, JsonBody(http_.Get("/node/network")));
    return ServiceInfo{Str(j, "service_status"), Str(j, "service_certificate"),
                       Str(j, "current_service_create_txid"), j};
  }
  BANK_ASSIGN_OR_RETURN(json j, JsonBody(http_.Get(Path("/gov/service/info"))));
  return ServiceInfo{Str(j, "status"), Str(j, "certificate"), Str(j, "creationTransactionId"), j};
}

Result<std::string> GovClient::Constitution() {
  BANK_ASSIGN_OR_RETURN(Api a, api());
  BANK_ASSIGN_OR_RETURN(Response r, http_.Get(a == Api::kClassic ? std::string("/gov/kv/constitution")
                                                                 : Path("/gov/service/constitution")));
  if (!r.success()) return r.ToStatus();
  if (a == Api::kClassic) {
    // The classic table dump is the constitution as a JSON string.
    json j = json::parse(r.body, nullptr, false);
    if (j.is_string()) return j.get<std::string>();
  }
  return r.body;
}

Result<std::string> GovClient::Activate() {
  BANK_ASSIGN_OR_RETURN(Api a, api());
  if (!signer_) return Status::Usage("a signing identity (member certificate and key) is needed");
  const std::string me = signer_->id();
  const std::string update = a == Api::kClassic ? std::string("/gov/ack/update_state_digest")
                                                : Path("/gov/members/state-digests/" + me + ":update");
  // A service answers 500 until its first signature transaction; those come
  // every second or so, hence a few bounded retries.
  std::string digest;
  for (int attempt = 1;; ++attempt) {
    BANK_ASSIGN_OR_RETURN(Response r, PostSigned(update, cose::kStateDigest, "", std::nullopt, Now()));
    if (r.success()) {
      BANK_ASSIGN_OR_RETURN(json j, r.json());
      digest = Str(j, a == Api::kClassic ? "state_digest" : "stateDigest");
      if (digest.empty()) return Status::Rejected("state digest response without a digest: " + r.body);
      break;
    }
    if (r.status != 500 || attempt >= 5) return r.ToStatus().WithContext("getting the state digest");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  const std::string ack =
      a == Api::kClassic ? std::string("/gov/ack") : Path("/gov/members/state-digests/" + me + ":ack");
  const json body = a == Api::kClassic ? json{{"state_digest", digest}} : json{{"stateDigest", digest}};
  BANK_ASSIGN_OR_RETURN(Response r, PostSigned(ack, cose::kAck, body.dump(), std::nullopt, Now()));
  if (!r.success()) return r.ToStatus().WithContext("acknowledging the state digest");
  return digest;
}

// ---- helpers -------------------------------------------------------------------

Result<json> ParseProposalFile(std::string_view text, const std::string& source) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InputFile(source + ": not valid JSON");
  if (!j.is_object() || !j.contains("actions") || !j["actions"].is_array())
    return Status::InputFile(source + ": a proposal is an object with an \"actions\" array");
  if (j["actions"].empty()) return Status::InputFile(source + ": the proposal has no actions");
  size_t i = 0;
  for (const auto& action : j["actions"]) {
    if (!action.is_object() || !action.contains("name") || !action["name"].is_string())
      return Status::InputFile(source + ": action " + std::to_string(i) + " has no string \"name\"");
    if (action.contains("args") && !action["args"].is_object() && !action["args"].is_null())
      return Status::InputFile(source + ": action " + std::to_string(i) + " (" +
                               action["name"].get<std::string>() + ") has \"args\" that is not an object");
    ++i;
  }
  return j;
}

namespace {

Status PassProposal(const std::vector<GovClient*>& members, const json& proposal, const std::string& what,
                    const OpenServiceProgress& progress) {
  BANK_ASSIGN_OR_RETURN(Proposal p, members[0]->Propose(proposal));
  if (progress.line) progress.line(what + ": proposal " + p.id + " " + p.state);
  for (GovClient* m : members) {
    if (p.state != "Open") break;
    BANK_ASSIGN_OR_RETURN(p, m->Vote(p.id, BallotJs(true)));
    if (progress.line) progress.line(what + ": vote by " + m->signer()->id().substr(0, 8) + " -> " + p.state);
  }
  if (p.state != "Accepted")
    return Status::Rejected(what + ": proposal " + p.id + " ended " + p.state +
                            (p.failure.is_null() ? "" : " (" + p.failure.dump() + ")"));
  return Status::OK();
}

}  // namespace

Status AddUsersAndOpen(std::vector<GovClient*> members, const std::vector<SandboxUser>& users,
                       const OpenServiceProgress& progress) {
  if (members.empty()) return Status::Usage("opening a service needs at least one member");
  for (GovClient* m : members)
    if (!m->signer()) return Status::Usage("every member needs a signing identity");

  BANK_ASSIGN_OR_RETURN(std::vector<Member> registered, members[0]->Members());
  for (GovClient* m : members) {
    const std::string id = m->signer()->id();
    auto it = std::find_if(registered.begin(), registered.end(), [&](const Member& r) { return r.id == id; });
    if (it == registered.end())
      return Status::Rejected("member " + id + " is not registered with the service");
    if (it->status == "Active") continue;
    BANK_RETURN_IF_ERROR(m->Activate());
    if (progress.line) progress.line("member " + id.substr(0, 8) + " acknowledged the state digest: Active");
  }

  if (!users.empty()) {
    json actions = json::array();
    for (const auto& u : users) {
      json args = {{"cert", u.cert_pem}};
      if (!u.user_data.is_null()) args["user_data"] = u.user_data;
      actions.push_back({{"name", "set_user"}, {"args", args}});
    }
    BANK_RETURN_IF_ERROR(PassProposal(members, {{"actions", actions}}, "add users", progress));
  }

  BANK_ASSIGN_OR_RETURN(ServiceInfo service, members[0]->GetServiceInfo());
  if (service.status == "Open") return Status::OK();
  json open = {{"actions", json::array({{{"name", "transition_service_to_open"},
                                         {"args", {{"next_service_identity", service.certificate}}}}})}};
  return PassProposal(members, open, "open service", progress);
}

}  // namespace bank::gov
