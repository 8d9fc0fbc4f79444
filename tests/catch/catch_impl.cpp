// Catch2 v2 is one header: its implementation is compiled here once, for
// every test binary, instead of once per binary (about two minutes each).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "catch/run.hpp"

namespace bank::test {

int RunCatch(int argc, char* argv[], const std::vector<CatchOption>& extra) {
  using Catch::clara::Opt;
  using Catch::clara::ParserResult;
  Catch::Session session;
  auto cli = session.cli();
  for (const auto& option : extra)
    cli |= Opt(
        [set = option.set, name = option.name](const std::string& value) {
          try {
            set(value);
            return ParserResult::ok(Catch::clara::ParseResultType::Matched);
          } catch (const std::exception& e) {
            return ParserResult::runtimeError("bad value '" + value + "' for " + name + " (" + e.what() +
                                              ")");
          }
        },
        option.hint)[option.name](option.help);
  session.cli(cli);
  if (int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
  return session.run();
}

}  // namespace bank::test
