// Deploying the CCF bundle: `bankctl gov propose set-js-app ccf-app/
// --print` is CCF's set_js_app proposal (the 2024-07-01 API's
// ProposalActions shape, the bundle as ccf-build-bundle makes it); bankd
// refuses it with a 400 that says a CCF service is needed, and serves the
// bundle's OpenAPI at /app/api; set-constitution defaults to
// governance-scripts/.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "support/bankctl_run.hpp"
#include "support/bankd_process.hpp"

namespace bank::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string kApp = std::string(BANK_SOURCE_DIR) + "/ccf-app";

std::string Read(const fs::path& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The 2024-07-01 governance API's Proposals.ProposalActions: {actions:
// [{name: string, args?}]} (reference/ccf-gov-api/2024-07-01/gov.json).
void CheckProposalActions(const json& proposal) {
  const json gov = json::parse(
      Read(fs::path(BANK_VECTORS_DIR) / ".." / "reference" / "ccf-gov-api" / "2024-07-01" / "gov.json"));
  const json& schema = gov["definitions"]["Proposals.ProposalActions"];
  for (const auto& field : schema["required"]) REQUIRE(proposal.contains(field.get<std::string>()));
  REQUIRE(proposal["actions"].is_array());
  const json& action = gov["definitions"]["Proposals.Action"];
  for (const auto& a : proposal["actions"]) {
    for (const auto& field : action["required"]) REQUIRE(a.contains(field.get<std::string>()));
    for (const auto& [key, _] : a.items()) CHECK(action["properties"].contains(key));
    CHECK(a["name"].is_string());
  }
}

}  // namespace

TEST_CASE("set-js-app --print is CCF's set_js_app proposal with the bundle", "[contract][deploy]") {
  auto r = RunBankctl({"--output", "json", "gov", "propose", "set-js-app", kApp, "--print"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json proposal = r.json();
  CheckProposalActions(proposal);
  REQUIRE(proposal["actions"].size() == 1);
  const json& action = proposal["actions"][0];
  CHECK(action["name"] == "set_js_app");
  CHECK(action["args"]["disable_bytecode_cache"] == false);
  const json& bundle = action["args"]["bundle"];
  CHECK(bundle["metadata"] == json::parse(Read(kApp + "/app.json")));
  std::vector<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(kApp + "/src"))
    if (e.is_regular_file()) names.push_back(fs::relative(e.path(), kApp + "/src").generic_string());
  std::sort(names.begin(), names.end());
  REQUIRE(bundle["modules"].size() == names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    CHECK(bundle["modules"][i]["name"] == names[i]);
    CHECK(bundle["modules"][i]["module"] == Read(kApp + "/src/" + names[i]));
  }

  // Not a bundle: a clear error, the input-file exit code.
  auto bad = RunBankctl({"gov", "propose", "set-js-app", std::string(BANK_SOURCE_DIR) + "/cli", "--print"});
  CHECK(bad.exit_code == 3);
  CHECK(bad.err.find("not an app bundle directory (app.json and src/)") != std::string::npos);
}

TEST_CASE("set-constitution defaults to governance-scripts/constitution", "[contract][deploy]") {
  auto r = RunBankctl({"--output", "json", "gov", "propose", "set-constitution", "--print"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::string text;
  for (const char* part : {"actions.js", "bank_actions.js", "validate.js", "resolve.js", "apply.js"})
    text += Read(std::string(BANK_SOURCE_DIR) + "/governance-scripts/constitution/" + part);
  CHECK(r.json()["actions"][0]["args"]["constitution"] == text);
  auto dir = RunBankctl({"--output", "json", "gov", "propose", "set-constitution",
                         std::string(BANK_SOURCE_DIR) + "/governance-scripts", "--print"});
  CHECK(dir.json()["actions"][0]["args"]["constitution"] == text);
}

TEST_CASE("bankd refuses set_js_app and serves the bundle's OpenAPI", "[contract][deploy]") {
  BankdProcess bankd;
  auto r = RunBankctl({"--workspace", bankd.workspace(), "--server", bankd.url(), "--as", "member0", "gov",
                       "propose", "set-js-app", kApp});
  CHECK(r.exit_code == 6);
  CHECK(r.err.find("400 ProposalFailedToValidate") != std::string::npos);
  CHECK(r.err.find("set_js_app at position 0: bankd runs the banking application natively") !=
        std::string::npos);
  CHECK(r.err.find("needs a CCF service") != std::string::npos);

  auto api = bankd.Client("user0").Get("/app/api");
  REQUIRE(api.ok());
  REQUIRE(api->status == 200);
  const json doc = json::parse(api->body);
  const json metadata = json::parse(Read(kApp + "/app.json"));
  std::set<std::string> from_bundle;
  for (const auto& [path, methods] : metadata["endpoints"].items())
    for (const auto& [method, endpoint] : methods.items()) {
      INFO(method << " " << path);
      const json& op = doc["paths"]["/app" + path][method];
      CHECK(op["summary"] == endpoint["openapi"]["summary"]);
      CHECK(op["responses"] == endpoint["openapi"]["responses"]);
      CHECK(op["x-ccf-auth-policies"] == endpoint["authn_policies"]);
      from_bundle.insert(method + " /app" + path);
    }
  // Templated paths carry their parameters, in order, as OpenAPI path parameters.
  const json& deposit = doc["paths"]["/app/deposit/{user_id}/{account_name}"]["post"];
  std::vector<std::string> path_params;
  for (const json& p : deposit["parameters"])
    if (p["in"] == "path") path_params.push_back(p["name"]);
  CHECK(path_params == std::vector<std::string>{"user_id", "account_name"});
  CHECK(doc["paths"]["/app/transaction/{transaction_id}"]["get"]["parameters"][0]["name"] ==
        "transaction_id");

  // Every banking route bankd has is one of the bundle's: only the
  // frontend's built-ins and the COSE receipt are bankd's own.
  const std::set<std::string> builtin = {"get /app/api", "get /app/commit", "get /app/tx",
                                         "get /app/receipt/cose"};
  for (const auto& [path, methods] : doc["paths"].items())
    for (const auto& [method, _] : methods.items()) {
      const std::string route = method + " " + path;
      INFO(route);
      CHECK((from_bundle.count(route) == 1 || builtin.count(route) == 1));
    }
}

TEST_CASE("bankctl node state, wait and list", "[contract][deploy]") {
  BankdProcess bankd;
  const std::vector<std::string> at = {"--output",  "json",     "--server",
                                       bankd.url(), "--cacert", bankd.service_cert()};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), at.begin(), at.end());
    return RunBankctl(args);
  };
  auto state = with({"node", "state"});
  INFO(state.err);
  REQUIRE(state.exit_code == 0);
  CHECK(state.json()["state"] == "PartOfNetwork");
  CHECK(state.json()["node_id"].get<std::string>().size() == 64);

  CHECK(with({"node", "wait", "--state", "PartOfNetwork", "--timeout", "10"}).exit_code == 0);
  auto never = with({"node", "wait", "--state", "ReadingPrivateLedger", "--timeout", "1"});
  CHECK(never.exit_code == 8);
  CHECK((never.out + never.err).find("node not ReadingPrivateLedger after 1 s (last: PartOfNetwork)") !=
        std::string::npos);

  auto list = with({"node", "list"});
  REQUIRE(list.exit_code == 0);
  REQUIRE(list.json().size() == 1);
  CHECK(list.json()[0]["node_id"] == state.json()["node_id"]);
  CHECK(list.json()[0]["status"] == "Trusted");
}

}  // namespace bank::test
