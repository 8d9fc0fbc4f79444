// A ledger engine on real files for unit tests: one test identity (service
// and node keys and certificates, made once per process), engine options
// in a TempDir with signatures only when a test asks, and the few calls
// every engine test makes.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "bank/certificate.hpp"
#include "bank/key.hpp"
#include "bank/txid.hpp"
#include "ledger/engine.hpp"
#include "support/temp_dir.hpp"

namespace bank::test {

struct EngineIdentity {
  PrivateKey service_key, node_key;
  Certificate service_cert, node_cert;
};
const EngineIdentity& TestIdentity();

// <dir>/ledger, secret <dir>/data/ledger_secret; signatures only on Sign().
bankd::ledger::EngineOptions TestEngineOptions(const TempDir& dir);
// Opens or fails the test (REQUIRE) with the engine's message.
std::unique_ptr<bankd::ledger::Engine> OpenEngine(const bankd::ledger::EngineOptions& options);
// Writes accounts[key] = value (and the claim) as one transaction; REQUIREs it.
TxId Put(bankd::ledger::Engine& engine, const std::string& key, const std::string& value,
         const std::optional<std::string>& claim = std::nullopt);
// "key=value\n" for every row of `table`.
std::string Rows(const bankd::ledger::Engine& engine, const std::string& table);

}  // namespace bank::test
