// Governance client for a CCF service (or bankd): signed proposals, ballots,
// withdrawals and acknowledgements, and the governance reads, over either
// governance API.
//
// Contract:
//  - Two API flavours: "2024-07-01" (/gov/members/proposals:create, ...,
//    camelCase) and "classic" (/gov/proposals, ..., snake_case; deprecated in
//    CCF 5, still what CCF 4 and many deployed services speak). With
//    Api::kAuto the client asks the server once (GET /gov/service/info
//    ?api-version=2024-07-01) and uses the 2024-07-01 API when it answers,
//    the classic one otherwise. Results come back in one shape whichever
//    API served them.
//  - Every signed message carries ccf.gov.msg.created_at = now (seconds).
//  - Signed POSTs are sent with an Idempotency-Key, so the transport retries
//    them after a lost connection or a 503 with the *same* envelope; the
//    outcomes of such a retry are resolved to what the first attempt did:
//    a ProposalReplay names the proposal the first attempt created, a
//    second identical ballot on the classic API (VoteAlreadyExists) is
//    recognised by reading the stored ballot back.
//  - A ProposalCreatedTooLongAgo caused by a slightly slow local clock (at
//    most kMaxClockSkewSeconds behind the service's recent proposals) is
//    retried once with created_at set to the minimum the service accepts;
//    a larger skew is reported as such.
//  - Not thread-safe; uses the HttpClient it is given, which must outlive it.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bank/cose.hpp"
#include "bank/http_client.hpp"
#include "bank/identity.hpp"
#include "bank/status.hpp"

namespace bank::gov {

enum class Api { kAuto, kClassic, k20240701 };
inline constexpr const char* kApiVersion = "2024-07-01";
const char* ApiName(Api api);  // "auto", "classic", "2024-07-01"
// "auto", "classic", "2024-07-01" (also "v1", "new" for the latter).
Result<Api> ParseApi(std::string_view name);

inline constexpr int64_t kMaxClockSkewSeconds = 300;

// The constant ballots every constitution understands.
std::string BallotJs(bool accept);

struct Proposal {
  std::string id;
  std::string proposer_id;
  std::string state;  // Open, Accepted, Withdrawn, Rejected, Failed, Dropped
  int ballot_count = 0;
  // Who has submitted a ballot (from the classic API's ballots, or the
  // 2024-07-01 API's ballotSubmitters when the server reports them).
  std::vector<std::string> voters;
  std::map<std::string, bool> final_votes;  // once the proposal left Open
  nlohmann::json vote_failures = nlohmann::json::object();
  nlohmann::json failure;  // null when none

  // The 2024-07-01 shape (proposalId, proposerId, proposalState, ...).
  nlohmann::json ToJson() const;
};

struct Member {
  std::string id;
  std::string status;  // Accepted, Active
  std::string cert;
  std::string public_encryption_key;  // "" when none
  nlohmann::json member_data;
  std::string recovery_role;  // "" when the server does not say
  nlohmann::json ToJson() const;
};

struct User {
  std::string id;
  std::string cert;
  nlohmann::json user_data;
  nlohmann::json ToJson() const;
};

struct Node {
  std::string id;
  std::string status;      // Pending, Trusted, Retired
  nlohmann::json details;  // everything else the server reports
  nlohmann::json ToJson() const;
};

struct ServiceInfo {
  std::string status;  // Opening, Open, ...
  std::string certificate;
  std::string creation_txid;
  nlohmann::json details;
  nlohmann::json ToJson() const;
};

struct GovClientOptions {
  Api api = Api::kAuto;
  // Seconds since the epoch for created_at; the system clock by default.
  std::function<int64_t()> now;
};

class GovClient {
 public:
  // `signer` is needed for the signed calls only.
  GovClient(HttpClient& http, std::optional<Identity> signer, GovClientOptions options = {});

  // The API in use (detected on first use with Api::kAuto).
  Result<Api> api();
  const std::optional<Identity>& signer() const { return signer_; }

  Result<Proposal> Propose(const nlohmann::json& proposal);
  Result<Proposal> Vote(const std::string& proposal_id, const std::string& ballot_js);
  Result<Proposal> Withdraw(const std::string& proposal_id);

  Result<Proposal> GetProposal(const std::string& proposal_id);
  Result<nlohmann::json> GetActions(const std::string& proposal_id);
  // 2024-07-01: every proposal the service keeps; classic: the Open ones.
  Result<std::vector<Proposal>> ListProposals();
  // The ballot `member_id` submitted, nullopt when none.
  Result<std::optional<std::string>> GetBallot(const std::string& proposal_id, const std::string& member_id);

  Result<std::vector<Member>> Members();
  Result<std::vector<User>> Users();
  Result<std::vector<Node>> Nodes();
  Result<ServiceInfo> GetServiceInfo();
  Result<std::string> Constitution();

  // Member activation: asks for the current state digest and acknowledges
  // it, turning an Accepted member Active. Returns the digest.
  Result<std::string> Activate();

  // A signed envelope of `type` over `payload`, created now.
  Result<Bytes> Sign(const std::string& type, std::string_view payload,
                     const std::optional<std::string>& proposal_id = std::nullopt) const;

 private:
  Result<Response> PostSigned(const std::string& path, const std::string& type, std::string_view payload,
                              const std::optional<std::string>& proposal_id, int64_t created_at);
  Result<Proposal> ProposeAt(const nlohmann::json& proposal, int64_t created_at, bool may_adjust_clock);
  Result<Proposal> ResolveClassicVoteRetry(const std::string& proposal_id, const std::string& ballot_js,
                                           const Response& refusal);
  std::string Path(const std::string& new_api_path) const;
  int64_t Now() const;

  HttpClient& http_;
  std::optional<Identity> signer_;
  GovClientOptions options_;
  Api api_ = Api::kAuto;
};

// Reads a proposal JSON text with the shape CCF requires: an object with an
// "actions" array whose entries are objects with a string "name" (and
// optional "args"). Code::kInputFile with the reason otherwise.
Result<nlohmann::json> ParseProposalFile(std::string_view text, const std::string& source);

// What `bankctl sandbox up` does after starting a bankd in Opening state,
// as CCF's sandbox does after starting a network: every member that is not
// Active acknowledges the state digest; then the first member proposes
// set_user for `users` and transition_service_to_open, and the members
// vote in order until each proposal is Accepted.
struct SandboxUser {
  std::string cert_pem;
  nlohmann::json user_data;  // null: none
};
struct OpenServiceProgress {
  std::function<void(const std::string&)> line;  // may be empty
};
Status AddUsersAndOpen(std::vector<GovClient*> members, const std::vector<SandboxUser>& users,
                       const OpenServiceProgress& progress = {});

}  // namespace bank::gov
