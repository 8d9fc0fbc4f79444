// The seed demo (demo/seed-demo), end to end, as CI runs it: a fresh
// sandbox on a free port, --json output, every step ok, and the story's
// ending: balances 60 and 40, the receipt verified.
#include <sys/wait.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/bankd_process.hpp"
#include "support/temp_dir.hpp"

namespace bank::test {
namespace {

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

TEST_CASE("demo: the seed demo runs end to end on a fresh sandbox", "[e2e][demo]") {
  TempDir dir;
  const std::string workspace = dir / "workspace";
  const std::string bankd_dir = std::string(BANKD_PATH).substr(0, std::string(BANKD_PATH).rfind('/'));
  const std::string command = "PATH=" + Quote(bankd_dir) + ":\"$PATH\" BANKCTL=" + Quote(BANKCTL_PATH) + " " +
                              Quote(std::string(BANK_SOURCE_DIR) + "/demo/seed-demo") +
                              " --json --stop --workspace " + Quote(workspace) + " --port 0 2>&1";
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = ::pclose(p);
  INFO(out);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  std::vector<nlohmann::json> steps;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    auto j = nlohmann::json::parse(line, nullptr, false);
    REQUIRE(!j.is_discarded());
    steps.push_back(j);
  }
  REQUIRE(steps.size() > 10);
  for (size_t i = 0; i + 1 < steps.size(); ++i) {
    CHECK(steps[i]["ok"] == true);
    CHECK(steps[i]["step"] == i + 1);
  }
  const auto& summary = steps.back();
  CHECK(summary["ok"] == true);
  CHECK(summary["summary"]["user0_current_account"] == 60);
  CHECK(summary["summary"]["user1_savings_account"] == 40);
  CHECK(summary["summary"]["receipt"] == "verified");

  // The votes went as the story says.
  std::vector<std::string> votes;
  for (const auto& s : steps)
    if (s.contains("output") && s["output"].is_object() && s["output"].contains("proposalState"))
      votes.push_back(s["actor"].get<std::string>() + ":" + s["output"]["proposalState"].get<std::string>());
  CHECK(votes == std::vector<std::string>{"member0:Open", "member1:Open", "member2:Accepted", "member0:Open",
                                          "member1:Open", "member2:Accepted"});
  CHECK(steps[steps.size() - 2]["result"] == "stopped");
}

}  // namespace
}  // namespace bank::test
