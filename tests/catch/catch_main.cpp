// The plain main of the Catch2 test binaries (unit, e2e, contract); the
// crash harness has its own, with its command-line options.
#include "catch/run.hpp"

int main(int argc, char* argv[]) { return bank::test::RunCatch(argc, argv); }
