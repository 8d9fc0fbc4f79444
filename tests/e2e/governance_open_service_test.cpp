// A bankd started as a new CCF service starts ("open_at_start": false:
// Opening, members Accepted, no users) is brought up by governance, as CCF's
// sandbox does and `bankctl sandbox up` does: the members acknowledge the
// state digest, add the users by proposal and votes, and open the service.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bank/bankd_config.hpp"
#include "bank/gov_client.hpp"
#include "bank/identity.hpp"
#include "support/bankd_process.hpp"
#include "support/curl.hpp"

namespace bank::test {
namespace {

using nlohmann::json;

TEST_CASE("a service in Opening state is opened by governance", "[e2e][governance]") {
  BankdOptions options;
  options.start = false;
  BankdProcess bankd(options);
  auto config = BankdConfig::Load(bankd.layout().config_path);
  REQUIRE(config.ok());
  config->open_at_start = false;
  config->users.clear();
  REQUIRE(WriteFileAtomic(bankd.layout().config_path, config->ToJson().dump(2)).ok());
  bankd.Start();

  HttpClient http = bankd.Client();
  std::vector<std::unique_ptr<gov::GovClient>> clients;
  std::vector<gov::GovClient*> members;
  for (const char* name : {"member0", "member1", "member2"}) {
    auto id = LoadIdentity(bankd.cert(name), bankd.key(name));
    REQUIRE(id.ok());
    clients.push_back(std::make_unique<gov::GovClient>(http, *id));
    members.push_back(clients.back().get());
  }

  auto before = members[0]->GetServiceInfo();
  REQUIRE(before.ok());
  CHECK(before->status == "Opening");
  auto listed = members[0]->Members();
  REQUIRE(listed.ok());
  for (const auto& m : *listed) CHECK(m.status == "Accepted");
  CHECK(Curl(bankd, "user0", "GET", "/app/balance/current_account").status == 401);

  std::vector<gov::SandboxUser> users;
  for (const char* name : {"user0", "user1"}) {
    auto cert = Certificate::LoadFile(bankd.cert(name));
    REQUIRE(cert.ok());
    users.push_back({cert->Pem(), json{{"name", name}}});
  }
  std::vector<std::string> progress;
  Status opened =
      gov::AddUsersAndOpen(members, users, {[&](const std::string& line) { progress.push_back(line); }});
  INFO(opened.message());
  REQUIRE(opened.ok());
  CHECK(progress.size() >= 3 + 2);  // three activations, then proposals and votes

  auto after = members[1]->GetServiceInfo();
  REQUIRE(after.ok());
  CHECK(after->status == "Open");
  listed = members[0]->Members();
  REQUIRE(listed.ok());
  for (const auto& m : *listed) CHECK(m.status == "Active");
  auto registered = members[2]->Users();
  REQUIRE(registered.ok());
  CHECK(registered->size() == 2);
  // The users use the banking API: an unknown account is 404, not 401.
  CHECK(Curl(bankd, "user0", "GET", "/app/balance/current_account").status == 404);
  CHECK(Curl(bankd, "user1", "GET", "/app/balance/current_account").status == 404);

  // Running it again changes nothing and succeeds (everything is in place).
  REQUIRE(gov::AddUsersAndOpen(members, {}).ok());
}

}  // namespace
}  // namespace bank::test
