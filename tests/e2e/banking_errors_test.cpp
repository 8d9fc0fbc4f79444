// Every error row of the banking contract (design.md), with CCF's error
// body, and the authentication failures: unknown certificate, none, wrong
// role, expired.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "bank/certificate.hpp"
#include "bank/identity.hpp"
#include "bank/key.hpp"
#include "support/bankd_process.hpp"
#include "support/banking.hpp"
#include "support/curl.hpp"

namespace bank::test {
namespace {

using nlohmann::json;

// StatusAndCode: support/banking.hpp.

struct Seeded {
  BankdProcess bankd;
  std::string user0 = bankd.id("user0"), user1 = bankd.id("user1"), member0_id = bankd.id("member0");
  HttpClient member0 = bankd.Client("member0");
  HttpClient u0 = bankd.Client("user0");
  HttpClient u1 = bankd.Client("user1");

  Seeded() {
    CreateAccount(member0, user0, "current_account");
    CreateAccount(member0, user1, "savings_account");
    Deposit(member0, user0, "current_account", 100);
  }
};

TEST_CASE("deposit refuses every value that is not a positive integer", "[e2e][banking][errors]") {
  Seeded s;
  const std::string path = "/app/deposit/" + s.user0 + "/current_account";
  for (const std::string body :
       {R"({"value": "abc"})", R"({"value": 100.5})", R"({"value": 0})", R"({"value": -100})",
        R"({"value": 1e3})", R"({"value": 18446744073709551616})",
        R"({"value": 100000000000000000000000000000})", R"({"value": null})", R"({"value": true})",
        R"({"value": [1]})", R"({"amount": 5})", R"([100])", R"("100")", R"({"value": 5)", "not json", ""}) {
    INFO(body);
    auto r = s.member0.Request("POST", path, body, "application/json");
    CHECK(StatusAndCode(r) == std::pair<long, std::string>{400, "InvalidInput"});
    CHECK(r->txid());  // errors carry the header too
  }
  CHECK(Balance(s.u0, "current_account") == 100);
}

TEST_CASE("deposit: unknown user or account is 404, overflow is 400", "[e2e][banking][errors]") {
  Seeded s;
  const std::string nobody(64, 'a');
  CHECK(StatusAndCode(s.member0.PostJson("/app/deposit/" + nobody + "/current_account", {{"value", 1}})) ==
        std::pair<long, std::string>{404, "ResourceNotFound"});
  CHECK(StatusAndCode(s.member0.PostJson("/app/deposit/" + s.user0 + "/no_such_account", {{"value", 1}})) ==
        std::pair<long, std::string>{404, "ResourceNotFound"});
  CHECK(StatusAndCode(s.member0.Request("PUT", "/app/account/" + nobody + "/current_account")) ==
        std::pair<long, std::string>{404, "ResourceNotFound"});
  // Names and ids that are not UTF-8 get clean errors, never a 500.
  CHECK(StatusAndCode(s.member0.Request("PUT", "/app/account/" + s.user0 + "/bad%FF%FEname")) ==
        std::pair<long, std::string>{400, "InvalidResourceName"});
  CHECK(StatusAndCode(s.member0.PostJson("/app/deposit/%FF" + s.user0 + "/x", {{"value", 1}})) ==
        std::pair<long, std::string>{404, "ResourceNotFound"});
  CHECK(StatusAndCode(s.member0.Get("/app/tx?transaction_id=%FF%00")) ==
        std::pair<long, std::string>{400, "InvalidQueryParameterValue"});

  const uint64_t max = std::numeric_limits<uint64_t>::max();
  CHECK(StatusAndCode(s.member0.PostJson("/app/deposit/" + s.user0 + "/current_account", {{"value", max}})) ==
        std::pair<long, std::string>{400, "InvalidInput"});
  Deposit(s.member0, s.user1, "savings_account", max);  // exactly the maximum fits
  CHECK(Balance(s.u1, "savings_account") == max);
  CHECK(StatusAndCode(s.member0.PostJson("/app/deposit/" + s.user1 + "/savings_account", {{"value", 1}})) ==
        std::pair<long, std::string>{400, "InvalidInput"});
  // The full account cannot receive a transfer either.
  CHECK(StatusAndCode(
            s.u0.PostJson("/app/transfer/current_account",
                          {{"value", 1}, {"user_id_to", s.user1}, {"account_name_to", "savings_account"}})) ==
        std::pair<long, std::string>{400, "InvalidInput"});
  CHECK(Balance(s.u1, "savings_account") == max);
  CHECK(Balance(s.u0, "current_account") == 100);
}

TEST_CASE("transfer: bad value, unknown accounts and users, overdraw", "[e2e][banking][errors]") {
  Seeded s;
  auto transfer = [&](const std::string& from, json body) {
    return StatusAndCode(s.u0.PostJson("/app/transfer/" + from, body));
  };
  const json good = {{"value", 10}, {"user_id_to", s.user1}, {"account_name_to", "savings_account"}};
  for (json value : {json("abc"), json(100.5), json(0), json(-100), json(1e30)}) {
    json body = good;
    body["value"] = value;
    INFO(body.dump());
    CHECK(transfer("current_account", body) == std::pair<long, std::string>{400, "InvalidInput"});
  }
  CHECK(StatusAndCode(s.u0.Request("POST", "/app/transfer/current_account", "{", "application/json")) ==
        std::pair<long, std::string>{400, "InvalidInput"});
  json missing = good;
  missing.erase("user_id_to");
  CHECK(transfer("current_account", missing) == std::pair<long, std::string>{400, "InvalidInput"});

  CHECK(transfer("no_such_account", good) == std::pair<long, std::string>{404, "ResourceNotFound"});
  json unknown_user = good;
  unknown_user["user_id_to"] = std::string(64, 'b');
  CHECK(transfer("current_account", unknown_user) == std::pair<long, std::string>{404, "ResourceNotFound"});
  json unknown_account = good;
  unknown_account["account_name_to"] = "no_such_account";
  CHECK(transfer("current_account", unknown_account) ==
        std::pair<long, std::string>{404, "ResourceNotFound"});

  json overdraw = good;
  overdraw["value"] = 101;
  auto r = s.u0.PostJson("/app/transfer/current_account", overdraw);
  CHECK(StatusAndCode(r) == std::pair<long, std::string>{400, "InsufficientFunds"});
  CHECK(r->ccf_error()->message == "Balance is not enough");

  // Nothing moved.
  CHECK(Balance(s.u0, "current_account") == 100);
  CHECK(Balance(s.u1, "savings_account") == 0);
  CHECK(StatusAndCode(s.u0.Get("/app/balance/no_such_account")) ==
        std::pair<long, std::string>{404, "ResourceNotFound"});
  // user1 cannot see user0's account: accounts are per user.
  CHECK(StatusAndCode(s.u1.Get("/app/balance/current_account")) ==
        std::pair<long, std::string>{404, "ResourceNotFound"});
}

TEST_CASE("unknown, missing and wrong-role certificates get CCF's 401", "[e2e][banking][auth]") {
  Seeded s;
  // A stranger: a valid certificate that is neither member nor user.
  KeygenOptions keygen;
  keygen.name = "stranger";
  keygen.directory = s.bankd.common_dir();
  REQUIRE(GenerateIdentity(keygen).ok());

  auto expect_401 = [](const Result<Response>& r, const std::string& policy, const std::string& reason) {
    REQUIRE(r.ok());
    CHECK(r->status == 401);
    auto error = r->ccf_error();
    REQUIRE(error);
    CHECK(error->code == "InvalidAuthenticationInfo");
    CHECK(error->message == "Invalid authentication credentials.");
    REQUIRE(error->details.is_array());
    REQUIRE(error->details.size() == 1);
    CHECK(error->details[0] ==
          json{{"auth_policy", policy}, {"code", "InvalidAuthenticationInfo"}, {"message", reason}});
    CHECK(r->txid());
  };

  auto stranger = s.bankd.Client("stranger");
  expect_401(stranger.Get("/app/balance/current_account"), "user_cert",
             "Could not find matching user certificate");
  expect_401(stranger.PostJson("/app/deposit/" + s.user0 + "/current_account", {{"value", 1}}), "member_cert",
             "Could not find matching member certificate");
  auto anonymous = s.bankd.Client();
  expect_401(anonymous.Get("/app/balance/current_account"), "user_cert", "No caller user certificate");
  expect_401(anonymous.Request("PUT", "/app/account/" + s.user0 + "/x"), "member_cert",
             "No caller member certificate");
  // Wrong role: a member on a user endpoint, a user on member endpoints.
  expect_401(s.member0.Get("/app/balance/current_account"), "user_cert",
             "Could not find matching user certificate");
  expect_401(s.u0.PostJson("/app/deposit/" + s.user0 + "/current_account", {{"value", 1}}), "member_cert",
             "Could not find matching member certificate");
  expect_401(s.u0.Request("PUT", "/app/account/" + s.user0 + "/x"), "member_cert",
             "Could not find matching member certificate");
  CHECK(Balance(s.u0, "current_account") == 100);

  // The same through plain curl: no certificate at all.
  auto curl = Curl(s.bankd, "", "GET", "/app/balance/current_account");
  CHECK(curl.status == 401);
  CHECK(json::parse(curl.body)["error"]["details"][0]["message"] == "No caller user certificate");
}

TEST_CASE("an expired user certificate is refused", "[e2e][banking][auth]") {
  BankdOptions options;
  options.start = false;
  BankdProcess bankd(options);
  // Replace user1's identity, before the ledger registers it, with one that
  // expired yesterday.
  auto key = PrivateKey::GenerateEc(Curve::kP384);
  REQUIRE(key.ok());
  CertificateSpec spec;
  spec.common_name = "user1";
  spec.is_ca = true;
  spec.not_before = std::time(nullptr) - 3 * 86400;
  spec.validity_days = 1;
  auto cert = Certificate::SelfSigned(*key, spec);
  REQUIRE(cert.ok());
  REQUIRE(WriteFileAtomic(bankd.cert("user1"), cert->Pem()).ok());
  REQUIRE(WriteFileAtomic(bankd.key("user1"), key->Pem(), 0600).ok());
  bankd.Start();

  auto u1 = bankd.Client("user1");
  auto r = u1.Get("/app/balance/savings_account");
  REQUIRE(r.ok());
  CHECK(r->status == 401);
  auto error = r->ccf_error();
  REQUIRE(error);
  const std::string reason = error->details.at(0).at("message").get<std::string>();
  CHECK_THAT(reason,
             Catch::Matches("Current time \\d+ is after certificate's Not After validity period \\d+"));
}

TEST_CASE("oversized and malformed HTTP requests get clear errors", "[e2e][http]") {
  BankdProcess bankd;
  auto member0 = bankd.Client("member0");
  std::string huge = R"({"value": 1, "pad": ")" + std::string(1 << 20, 'x') + R"("})";
  auto r = member0.Request("POST", "/app/deposit/" + bankd.id("user0") + "/current_account", huge,
                           "application/json");
  REQUIRE(r.ok());
  CHECK(r->status == 413);
  CHECK(r->ccf_error()->code == "RequestBodyTooLarge");

  // The server is still fine afterwards.
  auto state = bankd.Client().Get("/node/state");
  REQUIRE(state.ok());
  CHECK(state->status == 200);

  auto unknown = bankd.Client().Get("/app/no/such/path");
  REQUIRE(unknown.ok());
  CHECK(unknown->status == 404);
  CHECK(unknown->ccf_error()->message == "Unknown path: /app/no/such/path.");
  auto verb = bankd.Client("user0").Request("DELETE", "/app/balance/current_account");
  REQUIRE(verb.ok());
  CHECK(verb->status == 405);
  CHECK(verb->ccf_error()->code == "UnsupportedHttpVerb");
  CHECK(verb->header("allow") == "GET");
}

}  // namespace
}  // namespace bank::test
