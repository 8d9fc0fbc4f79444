// governance_cases.json against bankd's native governance (the engine its
// /gov endpoints run, on a real kv::Store); constitution_contract.test.mjs
// runs the same table against governance-scripts/constitution under CCF's
// flow in Node.js. The rules are the table's description.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "auth/tables.hpp"
#include "bank/certificate.hpp"
#include "bank/cose.hpp"
#include "bank/identity.hpp"
#include "governance/proposals.hpp"
#include "governance/tables.hpp"
#include "governance/validation.hpp"
#include "kv/tx.hpp"
#include "support/temp_dir.hpp"

namespace g = bankd::governance;
using nlohmann::json;

namespace {

json LoadJson(const std::string& relative) {
  std::ifstream in(std::string(BANK_SOURCE_DIR) + "/" + relative);
  REQUIRE(in.good());
  return json::parse(in);
}

std::string ReadText(const std::string& relative) {
  std::ifstream in(std::string(BANK_SOURCE_DIR) + "/" + relative);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string BallotText(const std::string& vote) {
  if (vote == "accept") return LoadJson("governance-scripts/ballots/vote_accept.json")["ballot"];
  if (vote == "reject") return LoadJson("governance-scripts/ballots/vote_reject.json")["ballot"];
  return vote;
}

// {state} or {refused: {status, code, message}}, as the JS engine answers.
template <typename T>
json OutcomeJson(const g::Outcome<T>& out, const std::function<std::string(const T&)>& state) {
  if (const g::Refusal* r = g::RefusalOf(out))
    return {{"refused", {{"status", r->status}, {"code", r->code}, {"message", r->message}}}};
  return {{"state", state(std::get<T>(out))}};
}

// bankd's governance on a store, committing what a call does unless it is
// refused (as the router does with an endpoint's transaction).
struct Service {
  bankd::kv::Store store;
  std::vector<std::string> members;
  int calls = 0;

  explicit Service(int n) {
    bankd::kv::Tx tx(store);
    for (int i = 0; i < n; ++i) {
      members.push_back(bank::DigestHex(bank::Sha256("member " + std::to_string(i))));
      tx.Put(bankd::tables::kMemberCerts, members.back(), "cert");
      tx.Put(bankd::tables::kMemberInfo, members.back(),
             json{{"status", "Active"}, {"member_data", nullptr}}.dump());
    }
    store.Apply(tx.TakeWrites());
  }

  bankd::auth::Caller Caller(int member, const std::string& payload) {
    bankd::auth::Caller c;
    c.policy = "active_member_cose_sign1";
    c.id = members.at(member);
    bankd::auth::CoseSign1Caller cose;
    cose.protected_header = {{bank::cose::kHeaderCreatedAt, 1700000000 + ++calls}};
    cose.payload = payload;
    const std::string sig = "signature-" + std::to_string(calls);
    cose.signature = bank::Bytes(sig.begin(), sig.end());
    c.cose = cose;
    return c;
  }

  template <typename T>
  g::Outcome<T> Run(const std::function<g::Outcome<T>(bankd::kv::Tx&)>& fn) {
    bankd::kv::Tx tx(store);
    auto out = fn(tx);
    if (!g::RefusalOf(out)) store.Apply(tx.TakeWrites());
    return out;
  }

  // A distinct transaction id per signed call, as bankd gives each request one.
  g::GovContext Context() const {
    return {bank::Sha256("root-" + std::to_string(calls)), std::nullopt,
            bank::TxId{2, static_cast<uint64_t>(calls) + 1}};
  }
};

std::string Expand(const std::string& text, const std::map<std::string, std::string>& vars) {
  static const std::regex placeholder(R"(\{([a-z]+(?::[a-z0-9]+)?)\})");
  std::string out;
  size_t last = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), placeholder); it != std::sregex_iterator();
       ++it) {
    auto found = vars.find((*it)[1]);
    if (found == vars.end()) FAIL("unknown placeholder " << it->str());
    out += text.substr(last, it->position() - last) + found->second;
    last = it->position() + it->length();
  }
  return out + text.substr(last);
}

// ccf-app/ as set_js_app's bundle argument: {metadata: app.json, modules: [{name, module}]}.
json AppBundle() {
  json modules = json::array();
  std::vector<std::string> names;
  const std::filesystem::path src = std::filesystem::path(BANK_SOURCE_DIR) / "ccf-app" / "src";
  for (const auto& e : std::filesystem::recursive_directory_iterator(src))
    if (e.is_regular_file() && e.path().extension() == ".js")
      names.push_back(std::filesystem::relative(e.path(), src).string());
  std::sort(names.begin(), names.end());
  for (const auto& n : names) modules.push_back({{"name", n}, {"module", ReadText("ccf-app/src/" + n)}});
  return {{"metadata", LoadJson("ccf-app/app.json")}, {"modules", modules}};
}

json ExpandJson(const json& v, const std::map<std::string, std::string>& vars) {
  if (v == "{json:bundle}") return AppBundle();
  if (v.is_string()) return Expand(v.get<std::string>(), vars);
  json out = v;
  if (v.is_array() || v.is_object())
    for (auto it = out.begin(); it != out.end(); ++it) *it = ExpandJson(*it, vars);
  return out;
}

void CheckOutcome(const json& expect, const json& got) {
  INFO("got " << got.dump());
  if (expect.contains("refused")) {
    REQUIRE(got.contains("refused"));
    const json& want = expect["refused"];
    CHECK(got["refused"]["status"] == want["status"]);
    CHECK(got["refused"]["code"] == want["code"]);
    if (want.contains("message")) CHECK(got["refused"]["message"] == want["message"]);
    if (want.contains("message_contains"))
      CHECK(got["refused"]["message"].get<std::string>().find(want["message_contains"].get<std::string>()) !=
            std::string::npos);
  } else {
    REQUIRE_FALSE(got.contains("refused"));
    if (expect.contains("state")) CHECK(got["state"] == expect["state"]);
  }
}

}  // namespace

TEST_CASE("the governance case table against bankd's native rules", "[contract][governance]") {
  const json table = LoadJson("tests/contract/governance_cases.json");
  bank::test::TempDir dir;
  std::map<std::string, std::string> vars = {{"singleton", std::string(bankd::tables::kSingletonKey)}};
  for (const char* part : {"actions.js", "bank_actions.js", "validate.js", "resolve.js", "apply.js"})
    vars["constitution"] += ReadText(std::string("governance-scripts/constitution/") + part) + "\n";
  for (const char* name : {"user6", "user7", "user8", "user9"}) {
    bank::KeygenOptions o;
    o.name = name;
    o.directory = dir.path();
    auto made = bank::GenerateIdentity(o);
    REQUIRE(made.ok());
    auto cert = bank::Certificate::LoadFile(made->cert_path);
    REQUIRE(cert.ok());
    vars[std::string("cert:") + name] = cert->Pem();
    vars[std::string("id:") + name] = cert->Id();
  }

  for (const auto& c : table["cases"]) {
    INFO("case: " << c["name"].get<std::string>());
    Service s(c["members"].get<int>());
    auto v = vars;
    for (size_t i = 0; i < s.members.size(); ++i) v["member:" + std::to_string(i)] = s.members[i];
    std::map<std::string, std::string> ids;
    int index = 0;
    for (const auto& step : c["steps"]) {
      INFO("step " << index++ << ": " << step.dump());
      if (step.contains("engine") && step["engine"] != "bankd") continue;
      const json expect = step.value("expect_bankd", step.value("expect", json()));
      if (step.contains("propose")) {
        auto caller = s.Caller(step["by"], ExpandJson(step["proposal"], v).dump());
        auto ctx = s.Context();
        auto out = s.Run<g::Created>([&](bankd::kv::Tx& tx) { return g::CreateProposal(tx, ctx, caller); });
        if (!g::RefusalOf(out)) ids[step["propose"]] = std::get<g::Created>(out).id;
        CheckOutcome(expect, OutcomeJson<g::Created>(out, [](const g::Created& c) { return c.info.state; }));
      } else if (step.contains("ballot")) {
        auto caller = s.Caller(step["by"], json{{"ballot", BallotText(step["vote"])}}.dump());
        auto ctx = s.Context();
        const std::string id = ids.at(step["ballot"]);
        auto out = s.Run<g::ProposalInfo>(
            [&](bankd::kv::Tx& tx) { return g::SubmitBallot(tx, ctx, caller, id, g::Flavor::k20240701); });
        if (!expect.is_null())
          CheckOutcome(expect,
                       OutcomeJson<g::ProposalInfo>(out, [](const g::ProposalInfo& i) { return i.state; }));
      } else if (step.contains("state_of")) {
        auto info = s.store.Get(g::tables::kProposalsInfo, ids.at(step["state_of"]));
        CHECK((info ? g::ProposalInfo::Parse(*info)->state : "(absent)") == expect["state"]);
      } else if (step.contains("table")) {
        auto row = s.store.Get(step["table"].get<std::string>(), Expand(step["key"], v));
        CHECK(row.has_value() == expect["present"].get<bool>());
        if (row && expect.contains("value")) CHECK(json::parse(*row, nullptr, false) == expect["value"]);
      }
    }
  }
}
