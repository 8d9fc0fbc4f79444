#include "support/test_engine.hpp"

#include <catch2/catch.hpp>
#include <chrono>

namespace bank::test {

using namespace std::chrono_literals;

const EngineIdentity& TestIdentity() {
  static const EngineIdentity id = [] {
    EngineIdentity i;
    i.service_key = PrivateKey::GenerateEc(Curve::kP384).value();
    CertificateSpec service;
    service.common_name = "CCF Service";
    service.is_ca = true;
    i.service_cert = Certificate::SelfSigned(i.service_key, service).value();
    i.node_key = PrivateKey::GenerateEc(Curve::kP384).value();
    CertificateSpec node;
    node.common_name = "CCF Node";
    i.node_cert = Certificate::Issue(i.node_key.Public(), node, i.service_cert, i.service_key).value();
    return i;
  }();
  return id;
}

bankd::ledger::EngineOptions TestEngineOptions(const TempDir& dir) {
  bankd::ledger::EngineOptions o;
  o.directory = (dir.path() / "ledger").string();
  o.node_cert = TestIdentity().node_cert;
  o.node_key = TestIdentity().node_key;
  o.service_cert = TestIdentity().service_cert;
  o.service_key = TestIdentity().service_key;
  o.secret_file = (dir.path() / "data" / "ledger_secret").string();
  o.signature_tx_count = 1000000;
  o.signature_interval = 24h;
  return o;
}

std::unique_ptr<bankd::ledger::Engine> OpenEngine(const bankd::ledger::EngineOptions& o) {
  auto engine = bankd::ledger::Engine::Open(o);
  INFO(engine.status().message());
  REQUIRE(engine.ok());
  return std::move(engine).value();
}

TxId Put(bankd::ledger::Engine& engine, const std::string& key, const std::string& value,
         const std::optional<std::string>& claim) {
  auto result = engine.Write([&](bankd::kv::Tx& tx) {
    tx.Put("accounts", key, value);
    if (claim) tx.SetClaim(*claim);
    return true;
  });
  INFO(result.unavailable.message());
  REQUIRE(result.committed);
  return result.txid;
}

std::string Rows(const bankd::ledger::Engine& engine, const std::string& table) {
  std::string out;
  engine.Read([&](const bankd::kv::Store& store) {
    store.ForEach(table, [&](const std::string& k, const std::string& v) {
      out += k + "=" + v + "\n";
      return true;
    });
  });
  return out;
}

}  // namespace bank::test
