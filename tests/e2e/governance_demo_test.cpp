// The seed's governance demo through the real bankctl binary against a real
// bankd: member0 proposes set_user, member1 votes (Open), member2 votes
// (Accepted), and the new user can use the banking API. Also member
// activation, `gov sign` piped into curl, and external signing with the
// openssl command line through `gov prepare` / `gov finish`.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bank/encoding.hpp"
#include "bank/identity.hpp"
#include "support/bankctl_run.hpp"
#include "support/bankd_process.hpp"
#include "support/curl.hpp"

namespace bank::test {
namespace {

using nlohmann::json;

// `bankctl --workspace W --server URL --as NAME --output json <args...>`.
BankctlRun Gov(const BankdProcess& bankd, const std::string& as, std::vector<std::string> args) {
  std::vector<std::string> full = {"--workspace", bankd.workspace(), "--server",
                                   bankd.url(),   "--output",        "json"};
  if (!as.empty()) {
    full.push_back("--as");
    full.push_back(as);
  }
  full.push_back("gov");
  full.insert(full.end(), args.begin(), args.end());
  return RunBankctl(full);
}

json Ok(const BankctlRun& r) {
  INFO("exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return r.json();
}

std::string NewIdentity(const BankdProcess& bankd, const std::string& name, bool encryption_key = false) {
  KeygenOptions o;
  o.name = name;
  o.directory = bankd.common_dir();
  o.encryption_key = encryption_key;
  auto made = GenerateIdentity(o);
  REQUIRE(made.ok());
  return made->cert_path;
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

void RunDemo(const std::string& api) {
  BankdProcess bankd;
  const std::string cert = NewIdentity(bankd, "user2");
  const std::string user2 = bankd.id("user2");
  std::vector<std::string> api_flag = {"--api", api};

  // Not a user yet.
  auto before = Curl(bankd, "user2", "GET", "/app/balance/current_account");
  CHECK(before.status == 401);

  auto args = api_flag;
  args.insert(args.end(), {"propose", "add-user", cert, "--data", R"({"bank":"Bank of Alice"})"});
  json proposed = Ok(Gov(bankd, "member0", args));
  const std::string id = proposed["proposalId"];
  CHECK(IsHexId(id));
  CHECK(proposed["proposalState"] == "Open");
  CHECK(proposed["proposerId"] == bankd.id("member0"));

  args = api_flag;
  args.insert(args.end(), {"vote", id, "--accept"});
  json first = Ok(Gov(bankd, "member1", args));
  CHECK(first["proposalState"] == "Open");
  CHECK(first["ballotCount"] == 1);

  args = api_flag;
  args.insert(args.end(), {"show", id});
  json shown = Ok(Gov(bankd, "", args));
  CHECK(shown["votes"][bankd.id("member1")] == "accept");
  CHECK(shown["votesStillNeeded"] == 1);
  CHECK(shown["actions"][0]["name"] == "set_user");

  args = api_flag;
  args.insert(args.end(), {"vote", id, "--accept"});
  json second = Ok(Gov(bankd, "member2", args));
  CHECK(second["proposalState"] == "Accepted");
  CHECK(second["finalVotes"][bankd.id("member2")] == true);

  // The accepted user uses the banking API: an unknown account is 404, not 401.
  auto after = Curl(bankd, "user2", "GET", "/app/balance/current_account");
  CHECK(after.status == 404);

  args = api_flag;
  args.insert(args.end(), {"users"});
  json users = Ok(Gov(bankd, "", args));
  bool found = false;
  for (const auto& u : users)
    if (u["userId"] == user2) {
      found = true;
      CHECK(u["userData"]["bank"] == "Bank of Alice");
    }
  CHECK(found);

  args = api_flag;
  args.insert(args.end(), {"wait", id});
  CHECK(Ok(Gov(bankd, "", args))["proposalState"] == "Accepted");

  args = api_flag;
  args.insert(args.end(), {"members"});
  json members = Ok(Gov(bankd, "", args));
  CHECK(members.size() == 3);
  for (const auto& m : members) CHECK(m["status"] == "Active");
}

TEST_CASE("governance demo through bankctl, 2024-07-01 API", "[e2e][governance]") { RunDemo("2024-07-01"); }

TEST_CASE("governance demo through bankctl, classic API", "[e2e][governance]") { RunDemo("classic"); }

TEST_CASE("bankctl picks the API the service offers", "[e2e][governance]") {
  BankdProcess bankd;
  json proposal = {
      {"actions", json::array({{{"name", "remove_user"}, {"args", {{"user_id", bankd.id("user1")}}}}})}};
  const std::string file = bankd.workspace() + "/remove_user1.json";
  WriteText(file, proposal.dump());
  json p = Ok(Gov(bankd, "member0", {"propose", "raw", file}));
  CHECK(p["proposalState"] == "Open");
  // Withdrawn by its proposer; another member may not.
  auto refused = Gov(bankd, "member1", {"withdraw", p["proposalId"]});
  CHECK(refused.exit_code == 4);
  json withdrawn = Ok(Gov(bankd, "member0", {"withdraw", p["proposalId"]}));
  CHECK(withdrawn["proposalState"] == "Withdrawn");
  json list = Ok(Gov(bankd, "", {"list"}));
  REQUIRE(list.size() == 1);
  CHECK(list[0]["proposalState"] == "Withdrawn");
  auto waiting = Gov(bankd, "", {"wait", p["proposalId"]});
  CHECK(waiting.exit_code == 6);  // it will never be Accepted
}

TEST_CASE("a new member starts Accepted and becomes Active by acknowledging", "[e2e][governance]") {
  BankdProcess bankd;
  const std::string cert = NewIdentity(bankd, "member3", /*encryption_key=*/true);
  const std::string enc = bankd.common_dir() + "/member3_enc_pubk.pem";
  json p = Ok(Gov(bankd, "member0", {"propose", "add-member", cert, enc, "--data", R"({"bank":"D"})"}));
  Ok(Gov(bankd, "member0", {"vote", p["proposalId"], "--accept"}));
  CHECK(Ok(Gov(bankd, "member1", {"vote", p["proposalId"], "--accept"}))["proposalState"] == "Accepted");

  auto status_of = [&](const std::string& id) {
    for (const auto& m : Ok(Gov(bankd, "", {"members"})))
      if (m["memberId"] == id) return m["status"].get<std::string>();
    return std::string("(absent)");
  };
  const std::string member3 = bankd.id("member3");
  CHECK(status_of(member3) == "Accepted");

  // Not Active yet: may not propose.
  auto early = Gov(bankd, "member3", {"propose", "remove-user", "user1"});
  CHECK(early.exit_code == 4);
  CHECK(early.out.find("Signer is not an ACTIVE member") != std::string::npos);

  json activated = Ok(Gov(bankd, "member3", {"activate"}));
  CHECK(activated["status"] == "Active");
  CHECK(IsHexId(activated["stateDigest"].get<std::string>()));
  CHECK(status_of(member3) == "Active");
  // Four Active members now: a majority needs three accepting votes.
  json later = Ok(Gov(bankd, "member3", {"propose", "remove-user", "user1"}));
  CHECK(Ok(Gov(bankd, "", {"show", later["proposalId"]}))["votesStillNeeded"] == 3);
}

TEST_CASE("gov sign pipes into curl, as ccf_cose_sign1 does", "[e2e][governance]") {
  BankdProcess bankd;
  json proposal = {
      {"actions", json::array({{{"name", "remove_user"}, {"args", {{"user_id", bankd.id("user1")}}}}})}};
  const std::string content = bankd.workspace() + "/proposal.json";
  WriteText(content, proposal.dump());
  auto signed_run = RunBankctl({"--workspace", bankd.workspace(), "--as", "member0", "gov", "sign", "--type",
                                "proposal", "--content", content});
  REQUIRE(signed_run.exit_code == 0);
  const std::string envelope = bankd.workspace() + "/proposal.cose";
  WriteText(envelope, signed_run.out);
  CHECK(static_cast<unsigned char>(signed_run.out[0]) == 0xd2);  // tag 18

  auto posted = RunCurl({"--cacert", bankd.service_cert(), "-X", "POST", "-H",
                         "Content-Type: application/cose", "--data-binary", "@" + envelope,
                         bankd.url() + "/gov/members/proposals:create?api-version=2024-07-01"});
  INFO(posted.body);
  REQUIRE(posted.status == 200);
  CHECK(json::parse(posted.body)["proposalState"] == "Open");

  // The very same envelope again is a replay.
  auto replayed =
      RunCurl({"--cacert", bankd.service_cert(), "-X", "POST", "-H", "Content-Type: application/cose",
               "--data-binary", "@" + envelope, bankd.url() + "/gov/proposals"});
  CHECK(replayed.status == 400);
  CHECK(json::parse(replayed.body)["error"]["code"] == "ProposalReplay");
}

TEST_CASE("external signing: gov prepare, openssl signs the digest, gov finish", "[e2e][governance]") {
  BankdProcess bankd;
  const std::string dir = bankd.workspace();
  json proposal = {
      {"actions", json::array({{{"name", "remove_user"}, {"args", {{"user_id", bankd.id("user1")}}}}})}};
  WriteText(dir + "/p.json", proposal.dump());
  const std::string created_at = "2030-01-01T00:00:00Z";

  auto prepared = RunBankctl({"--workspace", dir, "--as", "member0", "gov", "prepare", "--type", "proposal",
                              "--content", dir + "/p.json", "--created-at", created_at});
  REQUIRE(prepared.exit_code == 0);
  json digest = json::parse(prepared.out);
  CHECK(digest["alg"] == -35);
  auto raw_digest = Base64Decode(digest["value"].get<std::string>());
  REQUIRE(raw_digest.ok());
  REQUIRE(raw_digest->size() == 48);
  WriteText(dir + "/digest.bin", AsString(*raw_digest));

  // The "key vault": openssl signs the pre-hashed digest, DER output.
  const std::string cmd = "openssl pkeyutl -sign -inkey " + bankd.key("member0") + " -in " + dir +
                          "/digest.bin -out " + dir + "/sig.der";
  REQUIRE(std::system(cmd.c_str()) == 0);
  auto der = ReadFile(dir + "/sig.der");
  REQUIRE(der.ok());
  WriteText(dir + "/sig.json", json{{"value", Base64UrlEncode(AsBytes(*der))}}.dump());

  auto finished =
      RunBankctl({"--workspace", dir, "--as", "member0", "gov", "finish", "--type", "proposal", "--content",
                  dir + "/p.json", "--created-at", created_at, "--signature", dir + "/sig.json"});
  INFO(finished.err);
  REQUIRE(finished.exit_code == 0);
  WriteText(dir + "/p.cose", finished.out);
  auto posted =
      RunCurl({"--cacert", bankd.service_cert(), "-X", "POST", "-H", "Content-Type: application/cose",
               "--data-binary", "@" + dir + "/p.cose", bankd.url() + "/gov/proposals"});
  INFO(posted.body);
  CHECK(posted.status == 200);
  CHECK(json::parse(posted.body)["state"] == "Open");

  // finish without the matching created_at refuses: the signature would not verify.
  auto mismatched =
      RunBankctl({"--workspace", dir, "--as", "member0", "gov", "finish", "--type", "proposal", "--content",
                  dir + "/p.json", "--created-at", "2030-01-01T00:00:01Z", "--signature", dir + "/sig.json"});
  CHECK(mismatched.exit_code == 7);
}

}  // namespace
}  // namespace bank::test
