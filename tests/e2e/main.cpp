// Catch2's main for the end-to-end tests (tests/e2e/*.cpp).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
