// Runs the Catch2 session of a test binary. Catch2 v2 declares its Session
// only where its implementation is compiled, so binaries reach it through
// this function instead (tests/catch/catch_impl.cpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace bank::test {

// A command-line option of the binary's own, beside Catch2's.
struct CatchOption {
  std::string name;  // "--cycles"
  std::string hint;  // "n"
  std::string help;
  std::function<void(const std::string&)> set;  // may throw std::exception on a bad value
};

// Catch2's exit code: the number of failed tests, or the error of the
// command line.
int RunCatch(int argc, char* argv[], const std::vector<CatchOption>& extra = {});

}  // namespace bank::test
