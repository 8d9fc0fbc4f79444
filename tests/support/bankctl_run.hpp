// Runs the real bankctl binary (BANKCTL_PATH) as a script would, capturing
// its exit code, stdout and stderr separately.
//
//   auto r = bank::test::RunBankctl({"receipt", "verify", path, "--claim", text});
//   CHECK(r.exit_code == 7);
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bank::test {

struct BankctlRun {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string out, err;
  // The first JSON document on stdout (with --output json a failing command
  // prints its report, then the error object).
  nlohmann::json json() const;
};

// Arguments are passed without a shell; BANKCTL_* variables and the user's
// config file are cleared so that only `args` count.
BankctlRun RunBankctl(const std::vector<std::string>& args);

}  // namespace bank::test
