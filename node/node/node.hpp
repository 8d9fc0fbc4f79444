// Node: one single-node CCF service. Owns the identity (service and node
// certificates), the ledger engine, the router with every module's
// endpoints, and the TLS server.
//
// Start(): loads or creates the identity in the data directory (a restart
// keeps the same service and node certificates), writes the service
// certificate file, opens the ledger (replaying it), writes the genesis
// transaction when the ledger is empty (initial members and users, service
// info, node info), registers the endpoints and binds the RPC address.
// Run() serves until Stop() or SIGTERM/SIGINT, then drains the connections
// and flushes the ledger.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "bank/bankd_config.hpp"
#include "bank/certificate.hpp"
#include "bank/key.hpp"
#include "bank/status.hpp"
#include "http/router.hpp"
#include "ledger/engine.hpp"

namespace bankd::http {
class Server;
}

namespace bankd::node {

struct NodeIdentity {
  bank::Certificate service_cert;  // self-signed, CA:TRUE pathlen:0
  bank::PrivateKey service_key;
  bank::Certificate node_cert;  // issued by service_cert, the TLS certificate
  bank::PrivateKey node_key;
  std::string node_id;  // SHA-256 of the node's public key (DER SPKI)
};

class Node {
 public:
  static bank::Result<std::unique_ptr<Node>> Start(const bank::BankdConfig& config);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Serves until Stop() or SIGTERM/SIGINT. Returns once drained and flushed.
  bank::Status Run();
  // Thread-safe; Run() returns soon after.
  void Stop();

  http::Router& router() { return *router_; }
  ledger::Engine& engine() { return *engine_; }
  const NodeIdentity& identity() const { return identity_; }
  const bank::BankdConfig& config() const { return config_; }
  // The bound RPC port (useful when the config asked for port 0).
  unsigned short port() const;
  // The last seqno replayed from the ledger when this process started.
  uint64_t startup_seqno() const { return startup_seqno_; }
  // The RPC interface as CCF describes it in nodes.info / network/nodes.
  nlohmann::json RpcInterfaces() const;

 private:
  explicit Node(bank::BankdConfig config);
  bank::Status Init();
  bank::Status WriteGenesis();
  void RefreshNodeInfo();
  nlohmann::json NodeInfo() const;
  void RegisterEndpoints();

  bank::BankdConfig config_;
  NodeIdentity identity_;
  std::unique_ptr<ledger::Engine> engine_;
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::Server> server_;
  uint64_t startup_seqno_ = 0;
};

}  // namespace bankd::node
