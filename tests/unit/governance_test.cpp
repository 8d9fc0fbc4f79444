// bankd's governance engine on a real kv::Store: constant ballots, CCF's
// proposal validation, the strict-majority constitution, proposal life
// cycles, replay protection and atomic application.
#include <catch2/catch.hpp>

#include "auth/tables.hpp"
#include "bank/cose.hpp"
#include "bank/encoding.hpp"
#include "bank/hash.hpp"
#include "bank/identity.hpp"
#include "governance/ballot.hpp"
#include "governance/proposals.hpp"
#include "governance/tables.hpp"
#include "governance/validation.hpp"
#include "kv/tx.hpp"
#include "support/temp_dir.hpp"

namespace g = bankd::governance;
namespace t = bankd::tables;
using nlohmann::json;

namespace {

const std::string kAccept = "export function vote (proposal, proposerId) { return true }";
const std::string kReject = "export function vote (proposal, proposerId) { return false }";

// A user certificate as keygenerator.sh would make it.
struct Cert {
  std::string pem, id;
};
Cert NewCert(const bank::test::TempDir& dir, const std::string& name) {
  bank::KeygenOptions o;
  o.name = name;
  o.directory = dir.path();
  auto made = bank::GenerateIdentity(o);
  REQUIRE(made.ok());
  auto cert = bank::Certificate::LoadFile(made->cert_path);
  REQUIRE(cert.ok());
  return {cert->Pem(), cert->Id()};
}

std::string MemberId(int i) { return std::string(63, 'a') + std::to_string(i); }

// Governance calls against a store, committing what succeeds, as the
// router does with an endpoint's transaction.
struct Service {
  bankd::kv::Store store;
  int calls = 0;

  explicit Service(int active_members) {
    bankd::kv::Tx tx(store);
    for (int i = 0; i < active_members; ++i) {
      tx.Put(t::kMemberCerts, MemberId(i), "cert");
      tx.Put(t::kMemberInfo, MemberId(i), json{{"status", "Active"}, {"member_data", nullptr}}.dump());
    }
    store.Apply(tx.TakeWrites());
  }

  bankd::auth::Caller Caller(int member, const std::string& payload, int64_t created_at,
                             std::optional<std::string> signature = std::nullopt) {
    bankd::auth::Caller c;
    c.policy = "active_member_cose_sign1";
    c.id = MemberId(member);
    bankd::auth::CoseSign1Caller cose;
    cose.protected_header = {{bank::cose::kHeaderCreatedAt, created_at}};
    cose.payload = payload;
    const std::string sig = signature.value_or("signature-" + std::to_string(++calls));
    cose.signature = bank::Bytes(sig.begin(), sig.end());
    c.cose = cose;
    return c;
  }

  g::GovContext Context() const { return {bank::Sha256("root-" + std::to_string(calls)), std::nullopt, {}}; }

  template <typename T>
  g::Outcome<T> Run(const std::function<g::Outcome<T>(bankd::kv::Tx&)>& fn) {
    bankd::kv::Tx tx(store);
    auto out = fn(tx);
    if (!g::RefusalOf(out)) store.Apply(tx.TakeWrites());
    return out;
  }

  g::Outcome<g::Created> Propose(int member, const json& proposal, int64_t created_at = 1700000000,
                                 std::optional<std::string> signature = std::nullopt) {
    auto caller = Caller(member, proposal.dump(), created_at, signature);
    auto ctx = Context();
    return Run<g::Created>([&](bankd::kv::Tx& tx) { return g::CreateProposal(tx, ctx, caller); });
  }

  g::Outcome<g::ProposalInfo> Vote(int member, const std::string& id, const std::string& ballot,
                                   g::Flavor flavor = g::Flavor::k20240701) {
    auto caller = Caller(member, json{{"ballot", ballot}}.dump(), 1700000000);
    auto ctx = Context();
    return Run<g::ProposalInfo>(
        [&](bankd::kv::Tx& tx) { return g::SubmitBallot(tx, ctx, caller, id, flavor); });
  }

  g::Outcome<std::optional<g::ProposalInfo>> Withdraw(int member, const std::string& id,
                                                      g::Flavor flavor = g::Flavor::k20240701) {
    auto caller = Caller(member, "", 1700000000);
    return Run<std::optional<g::ProposalInfo>>(
        [&](bankd::kv::Tx& tx) { return g::WithdrawProposal(tx, caller, id, flavor); });
  }

  std::string State(const std::string& id) {
    auto info = store.Get(g::tables::kProposalsInfo, id);
    return info ? g::ProposalInfo::Parse(*info)->state : "(absent)";
  }
};

json SetUser(const std::string& pem) {
  return {{"actions", json::array({{{"name", "set_user"}, {"args", {{"cert", pem}}}}})}};
}

template <typename T>
const g::Refusal& Refused(const g::Outcome<T>& o) {
  const g::Refusal* r = g::RefusalOf(o);
  REQUIRE(r != nullptr);
  return *r;
}

template <typename T>
const T& Value(const g::Outcome<T>& o) {
  if (const g::Refusal* r = g::RefusalOf(o)) FAIL(r->status << " " << r->code << ": " << r->message);
  return std::get<T>(o);
}

}  // namespace

TEST_CASE("governance: constant ballots in the forms people write them") {
  for (const std::string& ballot :
       {kAccept, std::string("export function vote(proposal, proposerId) { return true; }"),
        std::string("export function vote ( p , q ) {\n  // always yes\n  return (true);\n}\n"),
        std::string("/* ballot */ export function vote() {return true}"),
        std::string("export function vote (proposal) {\r\n\treturn true;;\r\n};")}) {
    INFO(ballot);
    CHECK(g::ConstantBallotVote(ballot) == std::optional<bool>(true));
  }
  CHECK(g::ConstantBallotVote(kReject) == std::optional<bool>(false));
  CHECK(g::ConstantBallotVote("export function vote (a, b) { return ((false)) }") ==
        std::optional<bool>(false));
  for (const char* ballot :
       {"export function vote (proposal, proposerId) { return proposal.length > 0 }",
        "export function vote (p, q) { return true && false }", "function vote (p, q) { return true }",
        "export function vote (a, b, c) { return true }", "export function vote (a b) { return true }",
        "export function vote (p, q) { return 1 }", "export function vote (p, q) { return true } /* open",
        "export function vote (p, q) { return (true }", "export function vote (p, q) { return true } x", "",
        "export function ballot (p, q) { return true }"}) {
    INFO(ballot);
    CHECK_FALSE(g::ConstantBallotVote(ballot).has_value());
  }
}

TEST_CASE("governance: proposals are validated with CCF's argument names and messages") {
  bank::test::TempDir dir;
  Cert user = NewCert(dir, "user9");
  auto message = [](const json& proposal) {
    auto out = g::ValidateProposal(proposal.dump());
    const g::Refusal* r = g::RefusalOf(out);
    return r ? std::to_string(r->status) + " " + r->code + ": " + r->message : std::string("valid");
  };
  auto one = [](const std::string& name, json args) {
    json action = {{"name", name}};
    if (!args.is_null()) action["args"] = args;
    return json{{"actions", json::array({action})}};
  };

  CHECK(message(SetUser(user.pem)) == "valid");
  CHECK(message(one("set_user", {{"cert", user.pem}, {"user_data", {{"bank", "x"}}}})) == "valid");
  CHECK(
      message(one("set_user", {{"cert", "not a certificate"}})) ==
      "400 ProposalFailedToValidate: Proposal failed to validate: set_user at position 0 failed validation: "
      "Error: cert must be a valid X509 certificate (bundle) in PEM format");
  CHECK(message(one("set_user", {{"cert", user.pem}, {"user_data", "x"}}))
            .find("user_data must be of type object but is string") != std::string::npos);
  CHECK(message(one("make_me_rich", nullptr)) ==
        "400 ProposalFailedToValidate: Proposal failed to validate: make_me_rich: no such action");
  CHECK(
      message(one("remove_user", {{"user_id", "abc"}})).find("user_id must contain exactly 64 characters") !=
      std::string::npos);
  CHECK(message(one("remove_user", {{"user_id", std::string(64, 'z')}}))
            .find("user_id contains non-hexadecimal character") != std::string::npos);
  CHECK(message(one("remove_user", nullptr)).find("user_id must be of type string but is undefined") !=
        std::string::npos);
  CHECK(message(one("set_member_data", {{"member_id", MemberId(0)}}))
            .find("set_member_data at position 0 failed validation: Error: member_data must be of type "
                  "object but is "
                  "undefined") != std::string::npos);
  CHECK(message(one("set_member", {{"cert", user.pem}, {"recovery_role", "Boss"}}))
            .find("recovery_role must be one of NonParticipant,Participant,Owner") != std::string::npos);
  CHECK(message(one("set_member", {{"cert", user.pem}, {"recovery_role", "Owner"}}))
            .find("requires an encryption_pub_key") != std::string::npos);
  CHECK(message(one("set_member", {{"cert", user.pem}, {"encryption_pub_key", "nope"}}))
            .find("encryption_pub_key must be a valid public key") != std::string::npos);
  CHECK(message(one("transition_node_to_trusted", {{"node_id", MemberId(1)},
                                                   {"valid_from", "2024-01-01T00:00:00Z"},
                                                   {"validity_period_days", 1.5}}))
            .find("validity_period_days must be an integer") != std::string::npos);
  CHECK(message(one("transition_service_to_open", json::object()))
            .find("next service identity (PEM certificate) must be of type string but is undefined") !=
        std::string::npos);
  CHECK(message(one("set_constitution", {{"constitution", 5}}))
            .find("constitution must be of type string but is number") != std::string::npos);

  // Every problem is reported, with its position.
  json two = {
      {"actions", json::array({{{"name", "nope"}}, {{"name", "remove_user"}, {"args", {{"user_id", 1}}}}})}};
  CHECK(message(two) ==
        "400 ProposalFailedToValidate: Proposal failed to validate: nope: no such action, remove_user at "
        "position 1 "
        "failed validation: Error: user_id must be of type string but is number");

  // Not a proposal at all: the constitution's code itself fails in CCF.
  CHECK(g::RefusalOf(g::ValidateProposal("{{"))->status == 500);
  CHECK(g::RefusalOf(g::ValidateProposal("[]"))->message.find("Failed to execute validation") !=
        std::string::npos);
  CHECK(g::RefusalOf(g::ValidateProposal("{\"actions\": [{\"args\": {}}]}"))->status == 500);
}

TEST_CASE("governance: strict majority of the Active members") {
  using g::ResolveStrictMajority;
  CHECK(ResolveStrictMajority(1, 0, 1) == "Accepted");
  CHECK(ResolveStrictMajority(0, 1, 1) == "Rejected");
  CHECK(ResolveStrictMajority(1, 0, 2) == "Open");
  CHECK(ResolveStrictMajority(2, 0, 2) == "Accepted");
  CHECK(ResolveStrictMajority(0, 1, 2) == "Rejected");
  CHECK(ResolveStrictMajority(0, 0, 3) == "Open");
  CHECK(ResolveStrictMajority(1, 0, 3) == "Open");
  CHECK(ResolveStrictMajority(1, 1, 3) == "Open");
  CHECK(ResolveStrictMajority(2, 0, 3) == "Accepted");
  CHECK(ResolveStrictMajority(0, 2, 3) == "Rejected");
  CHECK(ResolveStrictMajority(2, 1, 4) == "Open");
  CHECK(ResolveStrictMajority(3, 0, 4) == "Accepted");
  CHECK(ResolveStrictMajority(2, 2, 4) == "Rejected");
}

TEST_CASE("governance: the seed scenario: propose, vote (Open), vote (Accepted), user added") {
  bank::test::TempDir dir;
  Cert user = NewCert(dir, "user2");
  Service s(3);

  auto caller = s.Caller(0, SetUser(user.pem).dump(), 1700000000);
  auto ctx = s.Context();
  auto created = s.Run<g::Created>([&](bankd::kv::Tx& tx) { return g::CreateProposal(tx, ctx, caller); });
  const std::string id = Value(created).id;
  // As CCF: SHA-256(root || SHA-256(signature)).
  CHECK(id == bank::DigestHex(bank::Sha256Concat({ctx.current_root, bank::Sha256(caller.cose->signature)})));
  CHECK(Value(created).info.state == "Open");  // the proposer has no implicit vote
  CHECK(s.store.Get(g::tables::kProposals, id) == caller.cose->payload);

  auto first = s.Vote(1, id, kAccept);
  CHECK(Value(first).state == "Open");
  CHECK_FALSE(s.store.Get(t::kUserCerts, user.id).has_value());

  auto second = s.Vote(2, id, kAccept);
  CHECK(Value(second).state == "Accepted");
  REQUIRE(Value(second).final_votes.has_value());
  CHECK(*Value(second).final_votes == std::map<std::string, bool>{{MemberId(1), true}, {MemberId(2), true}});
  CHECK(s.store.Get(t::kUserCerts, user.id) == user.pem);
  CHECK(s.State(id) == "Accepted");

  json view = g::ProposalJson(id, Value(second));
  CHECK(view["proposalState"] == "Accepted");
  CHECK(view["ballotCount"] == 2);
  json classic = g::ClassicSummaryJson(id, Value(second));
  CHECK(classic["state"] == "Accepted");
  CHECK(classic["votes"][MemberId(2)] == true);

  // Closed: no more ballots.
  auto late = s.Vote(0, id, kAccept);
  CHECK(Refused(late).code == "ProposalNotOpen");
  CHECK(Refused(late).status == 400);
}

TEST_CASE("governance: ballots are checked") {
  bank::test::TempDir dir;
  Service s(3);
  const std::string id = Value(s.Propose(0, SetUser(NewCert(dir, "u").pem))).id;

  CHECK(Refused(s.Vote(1, std::string(64, 'f'), kAccept)).code == "ProposalNotFound");
  auto conditional = s.Vote(1, id, "export function vote (p, q) { return p.length > 3 }");
  CHECK(Refused(conditional).status == 400);
  CHECK(Refused(conditional).message.find("conditional ballots need a CCF service") != std::string::npos);

  auto caller = s.Caller(1, "{\"vote\": true}", 1700000000);
  auto ctx = s.Context();
  auto malformed = s.Run<g::ProposalInfo>(
      [&](bankd::kv::Tx& tx) { return g::SubmitBallot(tx, ctx, caller, id, g::Flavor::k20240701); });
  CHECK(Refused(malformed).code == "InvalidInput");

  REQUIRE(Value(s.Vote(1, id, kReject)).state == "Open");
  // 2024-07-01: the same ballot again is idempotent, another is refused.
  CHECK(Value(s.Vote(1, id, kReject)).ballots.size() == 1);
  auto changed = s.Vote(1, id, kAccept);
  CHECK(Refused(changed).code == "VoteAlreadyExists");
  CHECK(Refused(changed).message ==
        "Different ballot already submitted by " + MemberId(1) + " for " + id + ".");
  // Classic: any second ballot is refused.
  auto classic = s.Vote(1, id, kReject, g::Flavor::kClassic);
  CHECK(Refused(classic).code == "VoteAlreadyExists");
  CHECK(Refused(classic).message == "Vote already submitted.");

  // A second reject makes acceptance impossible: Rejected.
  CHECK(Value(s.Vote(2, id, kReject)).state == "Rejected");
}

TEST_CASE("governance: replayed and stale proposals are refused as CCF refuses them") {
  bank::test::TempDir dir;
  Service s(3);
  const json proposal = SetUser(NewCert(dir, "u").pem);
  const std::string first = Value(s.Propose(0, proposal, 1700000100, std::string("sig-A"))).id;

  auto replay = s.Propose(0, proposal, 1700000100, std::string("sig-A"));
  CHECK(Refused(replay).status == 400);
  CHECK(Refused(replay).code == "ProposalReplay");
  CHECK(Refused(replay).message == "Proposal submission replay, already exists as proposal " + first);

  // Older than the median of the recent proposals.
  for (int i = 1; i <= 4; ++i) REQUIRE(g::RefusalOf(s.Propose(0, proposal, 1700000100 + i)) == nullptr);
  auto stale = s.Propose(0, proposal, 1700000101);
  CHECK(Refused(stale).code == "ProposalCreatedTooLongAgo");
  CHECK(Refused(stale).message ==
        "Proposal created too long ago, created_at must be greater than 1700000102");
  CHECK(g::RefusalOf(s.Propose(0, proposal, 1700000102)) == nullptr);

  auto future = s.Propose(0, proposal, 10000000000);
  CHECK(Refused(future).code == "InvalidCreatedAt");

  // The window keeps the 100 most recent.
  for (int i = 0; i < 110; ++i) REQUIRE(g::RefusalOf(s.Propose(0, proposal, 1700001000 + i)) == nullptr);
  CHECK(s.store.Size(g::tables::kCoseRecentProposals) == g::tables::kRecentProposalsWindow);
}

TEST_CASE("governance: withdrawals") {
  bank::test::TempDir dir;
  Service s(3);
  const std::string id = Value(s.Propose(0, SetUser(NewCert(dir, "u").pem))).id;

  auto not_mine = s.Withdraw(1, id);
  CHECK(Refused(not_mine).status == 403);
  CHECK(Refused(not_mine).code == "AuthorizationFailed");

  auto withdrawn = s.Withdraw(0, id);
  CHECK(Value(withdrawn)->state == "Withdrawn");
  CHECK(Value(s.Withdraw(0, id))->state == "Withdrawn");  // idempotent in 2024-07-01
  CHECK(Refused(s.Withdraw(0, id, g::Flavor::kClassic)).code == "ProposalNotOpen");
  CHECK_FALSE(Value(s.Withdraw(0, std::string(64, 'e'))).has_value());  // unknown: 204
  CHECK(Refused(s.Withdraw(0, std::string(64, 'e'), g::Flavor::kClassic)).code == "ProposalNotFound");
  CHECK(Refused(s.Vote(1, id, kAccept)).code == "ProposalNotOpen");
}

TEST_CASE("governance: an accepted proposal applies atomically, or not at all") {
  bank::test::TempDir dir;
  Service s(1);  // a single active member: its own ballot decides
  Cert user = NewCert(dir, "u");
  json two_actions = {
      {"actions",
       json::array({{{"name", "set_user"}, {"args", {{"cert", user.pem}}}},
                    {{"name", "set_member_data"},
                     {"args", {{"member_id", std::string(64, 'c')}, {"member_data", json::object()}}}}})}};
  const std::string id = Value(s.Propose(0, two_actions)).id;
  auto vote = s.Vote(0, id, kAccept);
  CHECK(Refused(vote).status == 500);
  CHECK(Refused(vote).message.find("Failed to apply(): Error: Member " + std::string(64, 'c') +
                                   " does not exist") != std::string::npos);
  // Nothing of it was kept: no user, the proposal still Open without the ballot.
  CHECK_FALSE(s.store.Get(t::kUserCerts, user.id).has_value());
  CHECK(s.State(id) == "Open");

  // A proposal that passes applies every action in order.
  json good = {
      {"actions", json::array({{{"name", "set_user"}, {"args", {{"cert", user.pem}}}},
                               {{"name", "set_user_data"},
                                {"args", {{"user_id", user.id}, {"user_data", {{"tier", "gold"}}}}}}})}};
  const std::string ok = Value(s.Propose(0, good)).id;
  CHECK(Value(s.Vote(0, ok, kAccept)).state == "Accepted");
  CHECK(s.store.Get(t::kUserCerts, user.id) == user.pem);
  CHECK(json::parse(*s.store.Get(t::kUserInfo, user.id))["user_data"]["tier"] == "gold");
}

TEST_CASE("governance: completed proposals are cleared, set_constitution drops Open ones") {
  bank::test::TempDir dir;
  Service s(1);
  const std::string a = Value(s.Propose(0, SetUser(NewCert(dir, "a").pem))).id;
  CHECK(Value(s.Vote(0, a, kReject)).state == "Rejected");
  const std::string open = Value(s.Propose(0, SetUser(NewCert(dir, "b").pem))).id;
  json constitution = {
      {"actions", json::array({{{"name", "set_constitution"},
                                {"args", {{"constitution", "export function resolve() {}"}}}}})}};
  const std::string c = Value(s.Propose(0, constitution)).id;
  CHECK(Value(s.Vote(0, c, kAccept)).state == "Accepted");
  CHECK(s.State(a) == "(absent)");  // another proposal completed: a is gone
  CHECK(s.State(open) == "Dropped");
  CHECK(s.store.Get(g::tables::kConstitution, t::kSingletonKey) == "export function resolve() {}");
}

TEST_CASE("governance: members join Accepted with an ACK record, removal keeps one Active member") {
  bank::test::TempDir dir;
  Service s(1);
  Cert newcomer = NewCert(dir, "member7");
  json add = {
      {"actions", json::array({{{"name", "set_member"},
                                {"args", {{"cert", newcomer.pem}, {"member_data", {{"bank", "B"}}}}}}})}};
  auto caller = s.Caller(0, add.dump(), 1700000000);
  g::GovContext ctx{bank::Sha256("root"), bank::Sha256("signed root"), {}};
  const std::string id =
      Value(s.Run<g::Created>([&](bankd::kv::Tx& tx) { return g::CreateProposal(tx, ctx, caller); })).id;
  auto vote = s.Vote(0, id, kAccept);
  REQUIRE(Value(vote).state == "Accepted");
  json info = json::parse(*s.store.Get(t::kMemberInfo, newcomer.id));
  CHECK(info["status"] == "Accepted");
  CHECK(info["member_data"]["bank"] == "B");
  CHECK(s.store.Get(g::tables::kMemberAcks, newcomer.id).has_value());

  json remove_last = {
      {"actions", json::array({{{"name", "remove_member"}, {"args", {{"member_id", MemberId(0)}}}}})}};
  const std::string r = Value(s.Propose(0, remove_last)).id;
  CHECK(Refused(s.Vote(0, r, kAccept)).message.find("last active member") != std::string::npos);
}
