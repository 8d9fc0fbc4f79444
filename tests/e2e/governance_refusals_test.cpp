// Every governance refusal against a real bankd, with CCF's status, error
// code and message: envelopes are built with libbank's COSE code (or broken
// on purpose) and posted over mTLS.
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "bank/cose.hpp"
#include "bank/encoding.hpp"
#include "bank/gov_client.hpp"
#include "bank/identity.hpp"
#include "support/bankd_process.hpp"

namespace bank::test {
namespace {

using nlohmann::json;
const std::string kV = "?api-version=2024-07-01";

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Gov {
  BankdProcess bankd;
  HttpClient http = bankd.Client();

  Identity Member(const std::string& name) {
    auto id = LoadIdentity(bankd.cert(name), bankd.key(name));
    REQUIRE(id.ok());
    return *id;
  }

  Bytes Envelope(const std::string& signer, const std::string& type, const std::string& payload,
                 std::optional<std::string> proposal_id = std::nullopt, int64_t created_at = Now()) {
    auto env = cose::SignGov(Member(signer), {type, proposal_id, created_at}, AsBytes(payload));
    REQUIRE(env.ok());
    return *env;
  }

  Response Post(const std::string& path, const Bytes& body,
                const std::string& content_type = "application/cose") {
    auto r = http.Request("POST", path, AsString(body), content_type);
    REQUIRE(r.ok());
    return *r;
  }

  std::string Propose(const std::string& signer, const json& proposal) {
    auto r = Post("/gov/members/proposals:create" + kV, Envelope(signer, "proposal", proposal.dump()));
    INFO(r.body);
    REQUIRE(r.status == 200);
    return json::parse(r.body)["proposalId"];
  }

  Response Vote(const std::string& signer, const std::string& id, bool accept) {
    return Post("/gov/members/proposals/" + id + "/ballots/" + bankd.id(signer) + ":submit" + kV,
                Envelope(signer, "ballot", json{{"ballot", gov::BallotJs(accept)}}.dump(), id));
  }

  json RemoveUser1() {
    return {
        {"actions", json::array({{{"name", "remove_user"}, {"args", {{"user_id", bankd.id("user1")}}}}})}};
  }
};

// The error code and message of a CCF error body; for a 401 the message of
// the failed policy (details[0]).
std::pair<std::string, std::string> Error(const Response& r) {
  auto e = r.ccf_error();
  REQUIRE(e.has_value());
  if (r.status == 401) {
    REQUIRE(e->details.is_array());
    return {e->code, e->details[0]["message"].get<std::string>()};
  }
  return {e->code, e->message};
}

TEST_CASE("refused: a signature that does not verify", "[e2e][governance]") {
  Gov g;
  Bytes env = g.Envelope("member0", "proposal", g.RemoveUser1().dump());
  env[env.size() - 5] ^= 0x01;  // inside the signature
  auto r = g.Post("/gov/members/proposals:create" + kV, env);
  CHECK(r.status == 401);
  CHECK(Error(r) == std::make_pair(std::string("InvalidAuthenticationInfo"),
                                   std::string("Failed to validate COSE Sign1")));
  CHECK(r.header("www-authenticate") == "COSE-SIGN1 realm=\"Signed request access\"");
}

TEST_CASE("refused: a signer who is not a member", "[e2e][governance]") {
  Gov g;
  // user0 is a user, not a member.
  auto r =
      g.Post("/gov/members/proposals:create" + kV, g.Envelope("user0", "proposal", g.RemoveUser1().dump()));
  CHECK(r.status == 401);
  CHECK(Error(r).second == "Signer is not a known member");
  auto classic = g.Post("/gov/proposals", g.Envelope("user0", "proposal", g.RemoveUser1().dump()));
  CHECK(classic.status == 401);
  CHECK(Error(classic).second == "Signer is not a known member");
}

TEST_CASE("refused: a kid that does not match the signing key", "[e2e][governance]") {
  Gov g;
  // member1's key signs, but the kid names member0.
  Identity forger{g.Member("member0").cert, g.Member("member1").key};
  auto env = cose::SignGov(forger, {"proposal", std::nullopt, Now()}, AsBytes(g.RemoveUser1().dump()));
  REQUIRE(env.ok());
  auto r = g.Post("/gov/members/proposals:create" + kV, *env);
  CHECK(r.status == 401);
  CHECK(Error(r).second == "Failed to validate COSE Sign1");
}

TEST_CASE("refused: a member who is not Active", "[e2e][governance]") {
  Gov g;
  KeygenOptions o;
  o.name = "member3";
  o.directory = g.bankd.common_dir();
  REQUIRE(GenerateIdentity(o).ok());
  auto cert = Certificate::LoadFile(g.bankd.cert("member3"));
  REQUIRE(cert.ok());
  json add = {{"actions", json::array({{{"name", "set_member"}, {"args", {{"cert", cert->Pem()}}}}})}};
  const std::string id = g.Propose("member0", add);
  CHECK(g.Vote("member0", id, true).status == 200);
  CHECK(json::parse(g.Vote("member1", id, true).body)["proposalState"] == "Accepted");

  auto r =
      g.Post("/gov/members/proposals:create" + kV, g.Envelope("member3", "proposal", g.RemoveUser1().dump()));
  CHECK(r.status == 401);
  CHECK(Error(r).second == "Signer is not an ACTIVE member");
  auto classic = g.Post("/gov/proposals", g.Envelope("member3", "proposal", g.RemoveUser1().dump()));
  CHECK(classic.status == 403);
  CHECK(Error(classic) == std::make_pair(std::string("AuthorizationFailed"),
                                         "Member " + g.bankd.id("member3") + " is not active."));

  // Acknowledging a digest other than the recorded one is refused.
  auto update = g.Post("/gov/members/state-digests/" + g.bankd.id("member3") + ":update" + kV,
                       g.Envelope("member3", "state_digest", ""));
  REQUIRE(update.status == 200);
  auto wrong = g.Post("/gov/members/state-digests/" + g.bankd.id("member3") + ":ack" + kV,
                      g.Envelope("member3", "ack", json{{"stateDigest", std::string(64, '0')}}.dump()));
  CHECK(wrong.status == 400);
  CHECK(Error(wrong).first == "StateDigestMismatch");
  // Another member's digest record cannot be updated in its name.
  auto other = g.Post("/gov/members/state-digests/" + g.bankd.id("member3") + ":update" + kV,
                      g.Envelope("member0", "state_digest", ""));
  CHECK(other.status == 400);
  CHECK(Error(other).first == "InvalidAuthenticationInfo");
}

TEST_CASE("refused: the wrong ccf.gov.msg.type for the endpoint", "[e2e][governance]") {
  Gov g;
  auto r = g.Post("/gov/members/proposals:create" + kV,
                  g.Envelope("member0", "ballot", g.RemoveUser1().dump(), std::string(64, 'a')));
  CHECK(r.status == 401);
  CHECK(Error(r).second == "Found ccf.gov.msg.type set to ballot, expected ccf.gov.msg.type to be proposal");
  const std::string id = g.Propose("member0", g.RemoveUser1());
  auto vote_as_proposal =
      g.Post("/gov/members/proposals/" + id + "/ballots/" + g.bankd.id("member1") + ":submit" + kV,
             g.Envelope("member1", "proposal", json{{"ballot", gov::BallotJs(true)}}.dump()));
  CHECK(vote_as_proposal.status == 401);
  CHECK(Error(vote_as_proposal).second ==
        "Found ccf.gov.msg.type set to proposal, expected ccf.gov.msg.type to be ballot");
}

TEST_CASE("refused: a proposal id header that differs from the URL", "[e2e][governance]") {
  Gov g;
  const std::string id = g.Propose("member0", g.RemoveUser1());
  const std::string other(64, 'b');
  auto r = g.Post("/gov/members/proposals/" + id + "/ballots/" + g.bankd.id("member1") + ":submit" + kV,
                  g.Envelope("member1", "ballot", json{{"ballot", gov::BallotJs(true)}}.dump(), other));
  CHECK(r.status == 400);
  CHECK(Error(r) == std::make_pair(std::string("InvalidResourceName"),
                                   std::string("Authenticated proposal id does not match URL")));
  auto classic = g.Post("/gov/proposals/" + id + "/ballots",
                        g.Envelope("member1", "ballot", json{{"ballot", gov::BallotJs(true)}}.dump(), other));
  CHECK(classic.status == 400);
  CHECK(Error(classic).first == "InvalidResourceName");
  // The member in the URL must be the signer.
  auto wrong_member =
      g.Post("/gov/members/proposals/" + id + "/ballots/" + g.bankd.id("member2") + ":submit" + kV,
             g.Envelope("member1", "ballot", json{{"ballot", gov::BallotJs(true)}}.dump(), id));
  CHECK(wrong_member.status == 400);
  CHECK(Error(wrong_member).second == "Authenticated member id does not match URL");
}

TEST_CASE("refused: replayed and too-old proposals", "[e2e][governance]") {
  Gov g;
  const int64_t now = Now();
  Bytes env = g.Envelope("member0", "proposal", g.RemoveUser1().dump(), std::nullopt, now);
  auto first = g.Post("/gov/members/proposals:create" + kV, env);
  REQUIRE(first.status == 200);
  auto replay = g.Post("/gov/members/proposals:create" + kV, env);
  CHECK(replay.status == 400);
  CHECK(Error(replay) == std::make_pair(std::string("ProposalReplay"),
                                        "Proposal submission replay, already exists as proposal " +
                                            json::parse(first.body)["proposalId"].get<std::string>()));
  for (int i = 1; i <= 2; ++i)
    REQUIRE(g.Post("/gov/members/proposals:create" + kV,
                   g.Envelope("member0", "proposal", g.RemoveUser1().dump(), std::nullopt, now + i))
                .status == 200);
  auto stale = g.Post("/gov/proposals",
                      g.Envelope("member0", "proposal", g.RemoveUser1().dump(), std::nullopt, now - 60));
  CHECK(stale.status == 400);
  CHECK(Error(stale).first == "ProposalCreatedTooLongAgo");
  auto future = g.Post("/gov/members/proposals:create" + kV,
                       g.Envelope("member0", "proposal", g.RemoveUser1().dump(), std::nullopt, 10000000000));
  CHECK(future.status == 400);
  CHECK(Error(future).first == "InvalidCreatedAt");
}

TEST_CASE("refused: a second, different ballot by the same member", "[e2e][governance]") {
  Gov g;
  const std::string id = g.Propose("member0", g.RemoveUser1());
  REQUIRE(g.Vote("member1", id, false).status == 200);
  CHECK(g.Vote("member1", id, false).status == 200);  // the same ballot again: idempotent
  auto changed = g.Vote("member1", id, true);
  CHECK(changed.status == 400);
  CHECK(Error(changed).first == "VoteAlreadyExists");
  auto classic = g.Post("/gov/proposals/" + id + "/ballots",
                        g.Envelope("member1", "ballot", json{{"ballot", gov::BallotJs(false)}}.dump(), id));
  CHECK(classic.status == 400);
  CHECK(Error(classic) ==
        std::make_pair(std::string("VoteAlreadyExists"), std::string("Vote already submitted.")));
}

TEST_CASE("refused: a ballot on a closed proposal", "[e2e][governance]") {
  Gov g;
  const std::string id = g.Propose("member0", g.RemoveUser1());
  REQUIRE(g.Vote("member0", id, true).status == 200);
  REQUIRE(json::parse(g.Vote("member1", id, true).body)["proposalState"] == "Accepted");
  auto late = g.Vote("member2", id, true);
  CHECK(late.status == 400);
  CHECK(Error(late).first == "ProposalNotOpen");
}

TEST_CASE("refused: a withdrawal by anyone but the proposer", "[e2e][governance]") {
  Gov g;
  const std::string id = g.Propose("member0", g.RemoveUser1());
  auto r =
      g.Post("/gov/members/proposals/" + id + ":withdraw" + kV, g.Envelope("member1", "withdrawal", "", id));
  CHECK(r.status == 403);
  CHECK(Error(r).first == "AuthorizationFailed");
  auto classic = g.Post("/gov/proposals/" + id + "/withdraw", g.Envelope("member1", "withdrawal", "", id));
  CHECK(classic.status == 403);
  auto own =
      g.Post("/gov/members/proposals/" + id + ":withdraw" + kV, g.Envelope("member0", "withdrawal", "", id));
  CHECK(own.status == 200);
  CHECK(json::parse(own.body)["proposalState"] == "Withdrawn");
}

TEST_CASE("refused: a body that is not COSE, or not sent as application/cose", "[e2e][governance]") {
  Gov g;
  const std::string proposal = g.RemoveUser1().dump();
  auto not_cose = g.Post("/gov/members/proposals:create" + kV, Bytes(proposal.begin(), proposal.end()));
  CHECK(not_cose.status == 401);
  CHECK(Error(not_cose).second.find("Failed to parse COSE_Sign1") != std::string::npos);
  auto json_type = g.Post("/gov/members/proposals:create" + kV, g.Envelope("member0", "proposal", proposal),
                          "application/json");
  CHECK(json_type.status == 401);
  CHECK(Error(json_type).second == "Content type is not set to application/cose");
  // Hostile CBOR: deep nesting inside a tag 18.
  Bytes deep = {0xd2};
  deep.insert(deep.end(), 10000, 0x81);
  deep.push_back(0x00);
  auto hostile = g.Post("/gov/proposals", deep);
  CHECK(hostile.status == 401);
}

TEST_CASE("refused: unknown actions, bad arguments, conditional ballots, missing api-version",
          "[e2e][governance]") {
  Gov g;
  json unknown = {{"actions", json::array({{{"name", "print_money"}, {"args", json::object()}}})}};
  auto r = g.Post("/gov/members/proposals:create" + kV, g.Envelope("member0", "proposal", unknown.dump()));
  CHECK(r.status == 400);
  CHECK(Error(r) == std::make_pair(std::string("ProposalFailedToValidate"),
                                   std::string("Proposal failed to validate: print_money: no such action")));
  json bad = {
      {"actions", json::array({{{"name", "set_user"}, {"args", {{"cert", "-----BEGIN nonsense"}}}}})}};
  auto b = g.Post("/gov/proposals", g.Envelope("member0", "proposal", bad.dump()));
  CHECK(b.status == 400);
  CHECK(Error(b).second.find("set_user at position 0 failed validation: Error: cert must be a valid X509") !=
        std::string::npos);

  const std::string id = g.Propose("member0", g.RemoveUser1());
  auto conditional =
      g.Post("/gov/members/proposals/" + id + "/ballots/" + g.bankd.id("member1") + ":submit" + kV,
             g.Envelope("member1", "ballot",
                        json{{"ballot", "export function vote (p, q) { return q === 'x' }"}}.dump(), id));
  CHECK(conditional.status == 400);
  CHECK(Error(conditional).second.find("conditional ballots need a CCF service") != std::string::npos);

  auto missing = g.http.Get("/gov/members/proposals/" + id);
  REQUIRE(missing.ok());
  CHECK(missing->status == 400);
  CHECK(Error(*missing).first == "MissingApiVersionParameter");
  auto unsupported = g.http.Get("/gov/members/proposals/" + id + "?api-version=2020-01-01");
  REQUIRE(unsupported.ok());
  CHECK(Error(*unsupported).first == "UnsupportedApiVersionValue");
  auto not_hex = g.http.Get("/gov/members/proposals/xyz" + kV);
  REQUIRE(not_hex.ok());
  CHECK(Error(*not_hex) == std::make_pair(std::string("InvalidResourceName"),
                                          std::string("'xyz' is not a valid hex-encoded proposal ID")));
  auto unknown_id = g.http.Get("/gov/members/proposals/" + std::string(64, 'c') + kV);
  REQUIRE(unknown_id.ok());
  CHECK(unknown_id->status == 404);
  CHECK(Error(*unknown_id).first == "ProposalNotFound");
}

TEST_CASE("governance reads in both API shapes", "[e2e][governance]") {
  Gov g;
  auto info = g.http.Get("/gov/service/info" + kV);
  REQUIRE(info.ok());
  json service = json::parse(info->body);
  CHECK(service["status"] == "Open");
  CHECK(service["certificate"].get<std::string>().find("BEGIN CERTIFICATE") != std::string::npos);
  CHECK(service["configuration"]["recentCoseProposalsWindowSize"] == 100);

  auto constitution = g.http.Get("/gov/service/constitution" + kV);
  REQUIRE(constitution.ok());
  CHECK(constitution->header("content-type").find("javascript") != std::string::npos);
  CHECK(constitution->body.find("export function resolve") != std::string::npos);

  auto members = g.http.Get("/gov/members");
  REQUIRE(members.ok());
  json classic = json::parse(members->body);
  CHECK(classic[g.bankd.id("member0")]["status"] == "Active");

  auto nodes = g.http.Get("/gov/service/nodes" + kV);
  REQUIRE(nodes.ok());
  CHECK(json::parse(nodes->body)["value"][0]["status"] == "Trusted");

  auto commit = g.http.Get("/gov/service/transactions/commit" + kV);
  REQUIRE(commit.ok());
  auto txid = TxId::Parse(json::parse(commit->body)["transactionId"].get<std::string>());
  REQUIRE(txid);
  // bankd serves only once its opening transactions are durable.
  CHECK(txid->seqno >= 1);
  auto status = g.http.Get("/gov/service/transactions/" + txid->ToString() + kV);
  REQUIRE(status.ok());
  CHECK(json::parse(status->body)["status"] == "Committed");
}

}  // namespace
}  // namespace bank::test
