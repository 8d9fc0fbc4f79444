// bankctl for the consortium's rules, as a bank's staff and its customers
// use it: governance proposals for names, the policy and freezes, `whois`
// and name*bank wherever a user is taken, `policy show`, `holds
// list|approve|reject`, and a transfer's portable proof (`receipt bundle`)
// verified offline with only --trust, failing when tampered with.
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "bank/certificate.hpp"
#include "bank/identity.hpp"
#include "support/bankctl_run.hpp"
#include "support/bankd_process.hpp"
#include "support/banking.hpp"
#include "support/temp_dir.hpp"

namespace bank::test {
namespace {

using nlohmann::json;

struct Cli {
  BankdProcess bankd;

  BankctlRun Run(const std::string& as, std::vector<std::string> args) {
    std::vector<std::string> all = {"--server", bankd.url(), "--workspace", bankd.workspace(),
                                    "--as",     as,          "--output",    "json"};
    all.insert(all.end(), args.begin(), args.end());
    return RunBankctl(all);
  }
  json Ok(const std::string& as, std::vector<std::string> args) {
    auto r = Run(as, args);
    INFO(as << " " << args.front() << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return r.json();
  }
  // bankctl gov propose ... as member0, accepted by member0 and member1.
  void Pass(std::vector<std::string> propose) {
    propose.insert(propose.begin(), {"gov", "propose"});
    const std::string id = Ok("member0", propose)["proposalId"];
    Ok("member0", {"gov", "vote", id, "--accept"});
    CHECK(Ok("member1", {"gov", "vote", id, "--accept"})["proposalState"] == "Accepted");
  }
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST_CASE("bankctl: names, policy, freezes and holds, end to end", "[e2e][cli][consortium]") {
  Cli c;
  const std::string user0 = c.bankd.id("user0"), user1 = c.bankd.id("user1");
  c.Pass({"set-member-data", "member0", "--data", R"({"name": "bank0"})"});
  c.Pass({"set-user-name", "user1", "bob"});
  json who = c.Ok("user0", {"whois", "bob*bank0"});
  CHECK(who["user_id"] == user1);
  CHECK(who["bank"] == "bank0");
  CHECK(c.Run("user0", {"whois", "carol*bank0"}).exit_code == 5);
  CHECK(c.Run("user0", {"whois", "bob"}).exit_code == 2);

  // name*bank wherever a user is taken.
  c.Ok("member0", {"account", "create", "user0", "current"});
  c.Ok("member0", {"account", "create", "bob*bank0", "savings"});
  c.Ok("member0", {"account", "deposit", "user0", "current", "1000"});
  c.Ok("user0", {"account", "transfer", "current", "10", "--to", "bob*bank0:savings"});
  CHECK(c.Ok("user1", {"account", "balance", "savings"})["balance"] == 10);

  CHECK(c.Ok("user0", {"policy", "show"})["max_transfer"].is_null());
  c.Pass({"set-transfer-policy", "--max-transfer", "500", "--review-above", "100"});
  json policy = c.Ok("user1", {"policy", "show"});
  CHECK(policy["max_transfer"] == 500);
  CHECK(policy["review_above"] == 100);
  CHECK(policy["daily_outgoing_limit"].is_null());
  auto over = c.Run("user0", {"account", "transfer", "current", "501", "--to", "bob*bank0:savings"});
  CHECK(over.exit_code == 6);
  CHECK(over.json()["error"]["message"].get<std::string>().find("max_transfer") != std::string::npos);

  json held = c.Ok("user0", {"account", "transfer", "current", "150", "--to", "bob*bank0:savings"});
  CHECK(held["status"] == "Held");
  const std::string hold = held["hold_id"];
  json listed = c.Ok("member1", {"holds", "list", "--status", "Held"});
  REQUIRE(listed["holds"].size() == 1);
  CHECK(c.Run("user0", {"holds", "approve", hold}).exit_code == 4);
  json approved = c.Ok("member1", {"holds", "approve", hold});
  CHECK(approved["status"] == "Approved");
  CHECK(c.Run("member2", {"holds", "reject", hold}).exit_code == 6);  // already decided
  CHECK(c.Ok("user1", {"account", "balance", "savings"})["balance"] == 160);

  const std::string second =
      c.Ok("user0", {"account", "transfer", "current", "200", "--to", "bob*bank0:savings"})["hold_id"];
  CHECK(c.Ok("member2", {"holds", "reject", second, "--reason", "unusual"})["status"] == "Rejected");
  json balance = c.Ok("user0", {"account", "balance", "current"});
  CHECK(balance["balance"] == 840);

  c.Pass({"freeze-user", "bob*bank0", "--reason", "audit"});
  auto frozen = c.Run("user0", {"account", "transfer", "current", "5", "--to", "bob*bank0:savings"});
  CHECK(frozen.exit_code == 4);
  CHECK(frozen.json()["error"]["message"].get<std::string>().find("audit") != std::string::npos);
  c.Pass({"unfreeze-user", "bob*bank0", "--reason", "cleared"});
  c.Ok("user0", {"account", "transfer", "current", "5", "--to", "bob*bank0:savings"});
}

TEST_CASE("bankctl: a transfer's proof bundle verifies offline with only --trust", "[e2e][cli][receipt]") {
  Cli c;
  HttpClient member0 = c.bankd.Client("member0"), u0 = c.bankd.Client("user0");
  CreateAccount(member0, c.bankd.id("user0"), "current");
  CreateAccount(member0, c.bankd.id("user1"), "savings");
  Deposit(member0, c.bankd.id("user0"), "current", 100);
  const TxId transfer = Transfer(u0, "current", 40, c.bankd.id("user1"), "savings");
  TempDir out;
  const std::string proof = out / "proof.json";
  json made = c.Ok("user0", {"receipt", "bundle", transfer.ToString(), "--out", proof});
  auto cert = Certificate::LoadFile(c.bankd.service_cert());
  REQUIRE(cert.ok());
  CHECK(made["service_identity"] == cert->Id());
  json bundle = json::parse(Slurp(proof));
  CHECK(bundle["summary"]["amount"] == 40);
  CHECK(bundle["summary"]["to_account"] == "savings");
  CHECK(bundle["claim"] == c.bankd.id("user0") + " sent 40 to " + c.bankd.id("user1"));

  // Offline: no --server, no workspace, only what is trusted.
  for (const std::string& trust : {cert->Id(), c.bankd.service_cert()}) {
    auto ok = RunBankctl({"receipt", "verify", proof, "--trust", trust});
    INFO(ok.out << ok.err);
    CHECK(ok.exit_code == 0);
  }
  CHECK(RunBankctl({"receipt", "verify", proof}).exit_code == 2);  // no trust given
  CHECK(RunBankctl({"receipt", "verify", proof, "--trust", std::string(64, 'a')}).exit_code == 7);

  auto tampered = [&](const std::function<void(json&)>& change) {
    json t = bundle;
    change(t);
    const std::string path = out / "tampered.json";
    std::ofstream(path) << t.dump();
    return RunBankctl({"receipt", "verify", path, "--trust", cert->Id()}).exit_code;
  };
  CHECK(tampered([](json& t) { t["summary"]["amount"] = 400; }) == 7);
  CHECK(tampered([&](json& t) {
          t["summary"]["amount"] = 400;
          t["claim"] = c.bankd.id("user0") + " sent 400 to " + c.bankd.id("user1");
        }) == 7);
  CHECK(tampered([&](json& t) { t["summary"]["to"] = c.bankd.id("member0"); }) == 7);
  // Another certificate (another service's, or a forger's), claimed under its own id.
  KeygenOptions keygen;
  keygen.name = "other_service";
  keygen.directory = out.path();
  auto generated = GenerateIdentity(keygen);
  REQUIRE(generated.ok());
  auto other_cert = Certificate::LoadFile(generated->cert_path);
  REQUIRE(other_cert.ok());
  CHECK(tampered([&](json& t) {
          t["service_certificate"] = other_cert->Pem();
          t["service_identity"] = other_cert->Id();
        }) == 7);
  CHECK(tampered([&](json& t) { t["service_certificate"] = other_cert->Pem(); }) == 7);
  // Even trusting that other service, the receipt does not verify under it.
  json swapped = bundle;
  swapped["service_certificate"] = other_cert->Pem();
  swapped["service_identity"] = other_cert->Id();
  std::ofstream(out / "swapped.json") << swapped.dump();
  CHECK(RunBankctl({"receipt", "verify", out / "swapped.json", "--trust", other_cert->Id()}).exit_code == 7);
}

}  // namespace
}  // namespace bank::test
