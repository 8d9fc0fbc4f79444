// Catch2 main for the contract tests (tests/contract/*.cpp).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
