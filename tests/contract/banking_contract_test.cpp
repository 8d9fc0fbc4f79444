// The banking case table (banking_cases.json) against a real bankd over
// mTLS; bundle_contract.test.mjs runs the same table against the ccf-app
// bundle. Both must pass: a behaviour that differs fails one of them.
// The rules (placeholders, subset matching) are the table's description.
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "bank/encoding.hpp"
#include "bank/hash.hpp"
#include "support/bankd_process.hpp"
#include "support/governance.hpp"

namespace bank::test {
namespace {

using nlohmann::json;

json LoadTable() {
  std::ifstream in(std::string(BANK_SOURCE_DIR) + "/tests/contract/banking_cases.json");
  REQUIRE(in.good());
  return json::parse(in);
}

std::string UtcDate(int offset_days) {
  std::time_t t = std::time(nullptr) + offset_days * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  return buf;
}

class Runner {
 public:
  Runner(const BankdProcess& bankd, const json& table) {
    for (const char* kind : {"members", "users"})
      for (const auto& name : table[kind]) {
        vars_[name] = bankd.id(name);
        clients_.emplace(name, bankd.Client(name));
      }
    clients_.emplace("", bankd.Client(""));
    vars_["yesterday"] = UtcDate(-1);
    vars_["tomorrow"] = UtcDate(1);
  }

  std::string Expand(const std::string& text) const {
    static const std::regex placeholder(R"(\{([a-z0-9_]+(?::[a-z0-9_]+)?)\})");
    std::string out;
    auto begin = std::sregex_iterator(text.begin(), text.end(), placeholder);
    size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
      auto found = vars_.find((*it)[1]);
      if (found == vars_.end()) FAIL("unknown placeholder " << it->str());
      out += text.substr(last, it->position() - last) + found->second;
      last = it->position() + it->length();
    }
    return out + text.substr(last);
  }

  json ExpandJson(const json& v) const {
    if (v.is_string()) return Expand(v.get<std::string>());
    if (v.is_array() || v.is_object()) {
      json out = v;
      for (auto it = out.begin(); it != out.end(); ++it) *it = ExpandJson(*it);
      return out;
    }
    return v;
  }

  // A {"govern": proposal, "by": member} step: the member proposes, and
  // member0 and member1 (a strict majority of three) accept.
  void Step(const BankdProcess& bankd, const json& step) {
    if (step.contains("govern")) {
      PassProposal(bankd, ExpandJson(step["govern"]), step.value("by", "member0"));
      return;
    }
    const std::string path = Expand(step["path"]);
    const std::string body = Expand(step.value("body", ""));
    std::map<std::string, std::string> headers;
    const json step_headers = step.value("headers", json::object());
    for (const auto& [k, v] : step_headers.items()) headers[k] = v.get<std::string>();
    HttpClient& client = clients_.at(step["as"]);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto send = [&] {
      return client.Request(step["method"], path, body, body.empty() ? "" : "application/json", headers);
    };
    Result<Response> r = send();
    while (r.ok() && step.value("poll_while_status", 0) == r->status &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      r = send();
    }
    REQUIRE(r.ok());
    const std::string txid = r->header("x-ms-ccf-transaction-id");
    if (!txid.empty()) vars_["view"] = txid.substr(0, txid.find('.'));
    if (step.contains("save_txid")) {
      REQUIRE_FALSE(txid.empty());
      vars_["tx:" + step["save_txid"].get<std::string>()] = txid;
    }
    INFO(step["method"].get<std::string>() << " " << path << " -> " << r->status << " " << r->body);
    Check(ExpandJson(step["expect"]), *r);
  }

 private:
  static void Subset(const json& expected, const json& actual, const std::string& where) {
    INFO(where);
    if (expected == "*") {
      CHECK_FALSE(actual.is_null());
    } else if (expected.is_array()) {
      REQUIRE(actual.is_array());
      REQUIRE(actual.size() == expected.size());
      for (size_t i = 0; i < expected.size(); ++i)
        Subset(expected[i], actual[i], where + "[" + std::to_string(i) + "]");
    } else if (expected.is_object()) {
      REQUIRE(actual.is_object());
      for (const auto& [k, v] : expected.items()) Subset(v, actual.value(k, json()), where + "." + k);
    } else {
      CHECK(actual == expected);
    }
  }

  static void Check(const json& expect, const Response& r) {
    CHECK(r.status == expect["status"].get<long>());
    auto parsed = [&] {
      json j = json::parse(r.body, nullptr, false);
      REQUIRE_FALSE(j.is_discarded());
      return j;
    };
    if (expect.contains("error")) CHECK(parsed()["error"]["code"] == expect["error"]);
    if (expect.contains("message")) CHECK(parsed()["error"]["message"] == expect["message"]);
    if (expect.contains("body")) Subset(expect["body"], parsed(), "body");
    if (expect.contains("body_contains"))
      CHECK(r.body.find(expect["body_contains"].get<std::string>()) != std::string::npos);
    const json headers = expect.value("headers", json::object());
    for (const auto& [k, v] : headers.items()) CHECK(r.header(k) == v);
    const json absent = expect.value("absent_headers", json::array());
    for (const auto& k : absent) CHECK(r.header(k) == "");
    if (expect.value("claims_digest_of_claim", false)) {
      json leaf = parsed()["leaf_components"];
      CHECK(leaf["claims_digest"] == DigestHex(Sha256(leaf["claim"].get<std::string>())));
    }
  }

  std::map<std::string, std::string> vars_;
  std::map<std::string, HttpClient> clients_;
};

}  // namespace

TEST_CASE("the banking case table against bankd", "[contract][banking]") {
  const json table = LoadTable();
  BankdOptions options;
  options.members = static_cast<int>(table["members"].size());
  options.users = static_cast<int>(table["users"].size());
  BankdProcess bankd(options);
  Runner runner(bankd, table);
  for (const auto& c : table["cases"]) {
    INFO("case: " << c["name"].get<std::string>());
    int i = 0;
    for (const auto& step : c["steps"]) {
      INFO("step " << i++);
      runner.Step(bankd, step);
    }
  }
}

}  // namespace bank::test
