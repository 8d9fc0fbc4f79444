// `bankctl receipt verify` on every receipt form in ../shared/vectors, as a
// user of the CCF-based services would run it (the form, the anchor and
// each step in --output json; integrity-only; refusals), and `receipt
// fetch` against a real bankd, waiting through 202 + Retry-After.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "bank/receipt_verify.hpp"
#include "support/bankctl_run.hpp"
#include "support/bankd_process.hpp"
#include "support/banking.hpp"
#include "support/temp_dir.hpp"

namespace bank::test {
namespace {

using nlohmann::json;

const std::string kAcl = "receipts/azsdkpy_application_claims_2.13_camelCase.json";
const std::string kAclCert = "receipts/azsdkpy_application_claims_2.13_service_cert.pem";
const std::string kAclClaims = "receipts/azsdkpy_application_claims_2.13.claims_ledger_entry.json";
const std::string kStatement = "cose-receipts/scitt-ccf-ledger_uvm_0.2.10_transparent_statement.cose";
const std::string kParams = "cose-receipts/scitt-ccf-ledger_esrp-cts-db_service_params.json";

std::vector<std::string> Verify(std::vector<std::string> args) {
  args.insert(args.begin(), {"--output", "json", "receipt", "verify"});
  return args;
}

TEST_CASE("receipt verify: the ACL camelCase receipt with its application claims",
          "[e2e][receipt][vectors]") {
  auto run = RunBankctl(Verify({VectorPath(kAcl), "--service-cert", VectorPath(kAclCert),
                                "--application-claims", VectorPath(kAclClaims)}));
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  json r = run.json()["receipts"][0];
  CHECK(r["form"] == "acl-camelCase");
  CHECK(r["anchored"] == true);
  CHECK(r["anchor"].get<std::string>().find("service_cert.pem") != std::string::npos);
  std::vector<std::string> steps;
  for (const auto& s : r["steps"]) steps.push_back(s["step"]);
  CHECK(steps == std::vector<std::string>{"node_certificate", "node_id", "leaf", "application_claims",
                                          "root_signature", "anchor"});
  // The claims of another entry: exit 7 at application_claims.
  TempDir dir;
  json claims = json::parse(*ReadFile(VectorPath(kAclClaims)));
  claims[0]["ledgerEntry"]["contents"] = "Hello world!";
  std::ofstream(dir / "claims.json") << claims.dump();
  auto bad = RunBankctl(Verify({VectorPath(kAcl), "--service-cert", VectorPath(kAclCert),
                                "--application-claims", dir / "claims.json"}));
  CHECK(bad.exit_code == 7);
  CHECK(bad.err.find("application_claims") != std::string::npos);
  // --claims-digest for any other scheme.
  CHECK(RunBankctl(Verify({VectorPath(kAcl), "--service-cert", VectorPath(kAclCert), "--claims-digest",
                           "d08d8764437d09b2d4d07d52293cddaf40f44a3ea2176a0528819a80002df9f6"}))
            .exit_code == 0);
  CHECK(
      RunBankctl(Verify({VectorPath(kAcl), "--service-cert", VectorPath(kAclCert), "--claims-digest", "zz"}))
          .exit_code == 2);
}

TEST_CASE("receipt verify: the transparent statement with the service parameters or a JWKS",
          "[e2e][receipt][vectors]") {
  auto run = RunBankctl(Verify({VectorPath(kStatement), "--service-params", VectorPath(kParams)}));
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  json r = run.json()["receipts"][0];
  CHECK(r["form"] == "transparent-statement");
  CHECK(r["transaction_id"] == "458.12440");
  CHECK(r["receipts"][0]["anchored"] == true);
  CHECK(r["receipts"][0]["steps"][3]["step"] == "data_hash");

  // The same key as a JWKS, as the service's /jwks serves it.
  TrustAnchors params;
  REQUIRE(params.AddPath(VectorPath(kParams)).ok());
  TempDir dir;
  json keys = json::array();
  for (const auto& a : params.all()) keys.push_back(*JwkFromPublicKey(a.key));
  std::ofstream(dir / "jwks.json") << json{{"keys", keys}}.dump();
  auto jwks = RunBankctl(Verify({VectorPath(kStatement), "--jwks", dir / "jwks.json"}));
  CHECK(jwks.exit_code == 0);
  CHECK(jwks.json()["receipts"][0]["anchor"].get<std::string>().find("jwks.json kid=") != std::string::npos);
  // A service certificate of another service does not anchor it.
  auto wrong = RunBankctl(Verify({VectorPath(kStatement), "--service-cert", VectorPath(kAclCert)}));
  CHECK(wrong.exit_code == 7);
}

TEST_CASE("receipt verify --check-integrity-only says not anchored everywhere", "[e2e][receipt][vectors]") {
  for (const auto& v : {kAcl, kStatement}) {
    auto run = RunBankctl(Verify({VectorPath(v), "--check-integrity-only"}));
    INFO(v << run.out << run.err);
    CHECK(run.exit_code == 0);
    CHECK(run.json()["anchored"] == false);
    CHECK(run.json()["receipts"][0]["anchored"] == false);
    CHECK(run.json()["receipts"][0]["verified"] == false);
    CHECK(run.json()["receipts"][0]["intact"] == true);
    auto text = RunBankctl({"receipt", "verify", VectorPath(v), "--check-integrity-only"});
    CHECK(text.exit_code == 0);
    std::istringstream lines(text.out);
    for (std::string line; std::getline(lines, line);)
      CHECK((line.find("not anchored") != std::string::npos ||
             line.find("NOT ANCHORED") != std::string::npos ||
             line.find("receipt[0]: cose-receipt") != std::string::npos));
  }
  // Without the flag and without an anchor: refused, pointing at the flag.
  auto none = RunBankctl({"receipt", "verify", VectorPath(kAcl)});
  CHECK(none.exit_code == 2);
  CHECK(none.err.find("--check-integrity-only") != std::string::npos);
  // With an anchor: a contradiction.
  CHECK(RunBankctl({"receipt", "verify", VectorPath(kAcl), "--check-integrity-only", "--service-cert",
                    VectorPath(kAclCert)})
            .exit_code == 2);
  // A tampered receipt fails even integrity-only.
  TempDir dir;
  json m = json::parse(*ReadFile(VectorPath(kAcl)));
  m["leafComponents"]["writeSetDigest"] = std::string(64, '0');
  std::ofstream(dir / "bad.json") << m.dump();
  CHECK(RunBankctl({"receipt", "verify", dir / "bad.json", "--check-integrity-only"}).exit_code == 7);
}

TEST_CASE("receipt fetch waits through 202 and the receipt verifies", "[e2e][receipt]") {
  BankdOptions options;
  options.signature_delay = std::chrono::milliseconds(500);
  BankdProcess bankd(options);
  auto member0 = bankd.Client("member0");
  auto user0 = bankd.Client("user0");
  CreateAccount(member0, bankd.id("user0"), "current_account");
  CreateAccount(member0, bankd.id("user1"), "savings_account");
  Deposit(member0, bankd.id("user0"), "current_account", 100);
  TxId transfer = Transfer(user0, "current_account", 40, bankd.id("user1"), "savings_account");
  TempDir out;
  for (bool cose : {false, true}) {
    std::vector<std::string> args = {"--server",
                                     bankd.url(),
                                     "--workspace",
                                     bankd.workspace(),
                                     "--as",
                                     "user0",
                                     "--timeout",
                                     "30",
                                     "receipt",
                                     "fetch",
                                     transfer.ToString(),
                                     "--out",
                                     out / (cose ? "r.cose" : "r.json")};
    if (cose) args.push_back("--cose");
    auto fetched = RunBankctl(args);
    INFO(fetched.out << fetched.err);
    REQUIRE(fetched.exit_code == 0);
  }
  const std::string claim = bankd.id("user0") + " sent 40 to " + bankd.id("user1");
  auto verified = RunBankctl({"--output", "json", "receipt", "verify", out.path().string(), "--service-cert",
                              bankd.service_cert(), "--claim", claim});
  INFO(verified.out << verified.err);
  CHECK(verified.exit_code == 0);
  CHECK(verified.json()["verified"] == 2);
  std::set<std::string> forms;
  const json report = verified.json();
  for (const auto& r : report["receipts"]) forms.insert(r["form"].get<std::string>());
  CHECK(forms == std::set<std::string>{"ccf-json", "cose-receipt"});
}

}  // namespace
}  // namespace bank::test
