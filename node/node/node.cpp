#include "node/node.hpp"

#include <fmt/format.h>

#include "app/banking.hpp"
#include "auth/tables.hpp"
#include "bank/identity.hpp"
#include "governance/endpoints.hpp"
#include "http/server.hpp"
#include "node/identity.hpp"
#include "node/node_endpoints.hpp"
#include "receipts/receipts.hpp"

namespace bankd::node {
namespace {

bank::Status SplitAddress(const std::string& address, std::string* host, unsigned short* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return bank::Status::Usage("rpc_address must be HOST:PORT: " + address);
  *host = address.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  const std::string digits = address.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(digits) > 65535)
    return bank::Status::Usage("rpc_address has an invalid port: " + address);
  *port = static_cast<unsigned short>(std::stoul(digits));
  return bank::Status::OK();
}

}  // namespace

Node::Node(bank::BankdConfig config) : config_(std::move(config)) {}
Node::~Node() = default;

bank::Result<std::unique_ptr<Node>> Node::Start(const bank::BankdConfig& config) {
  std::unique_ptr<Node> node(new Node(config));
  BANK_RETURN_IF_ERROR(node->Init());
  return node;
}

bank::Status Node::Init() {
  BANK_ASSIGN_OR_RETURN(identity_, LoadOrCreateIdentity(config_.data_directory, config_.subject_alt_names));
  BANK_RETURN_IF_ERROR(
      bank::WriteFileAtomic(config_.service_certificate_file, identity_.service_cert.Pem(), 0644));

  // Bind before touching the ledger: a busy port must not leave a new ledger behind.
  http::ServerOptions server;
  BANK_RETURN_IF_ERROR(SplitAddress(config_.rpc_address, &server.host, &server.port));
  server.certificate = identity_.node_cert;
  server.key = identity_.node_key;
  server.max_body_size = config_.max_body_size;
  server.max_header_size = static_cast<uint32_t>(config_.max_header_size);
  server.max_headers_count = static_cast<uint32_t>(config_.max_headers_count);
  server.max_concurrent_streams_count = static_cast<uint32_t>(config_.max_concurrent_streams_count);
  server.initial_window_size = static_cast<uint32_t>(config_.initial_window_size);
  server.max_frame_size = static_cast<uint32_t>(config_.max_frame_size);
  server.max_open_sessions_soft = config_.max_open_sessions_soft;
  server.max_open_sessions_hard = config_.max_open_sessions_hard;
  server.idle_timeout = config_.idle_connection_timeout;
  server.header_timeout = config_.header_timeout;
  server.threads = config_.worker_threads;
  const bool any_port = server.port == 0;
  BANK_ASSIGN_OR_RETURN(server_, http::Server::Listen(std::move(server), [this](http::Request& r) {
                          return router_->Handle(r);
                        }));
  if (any_port) {
    // Port 0: the kernel chose one; from here on it is the node's address.
    const bool published_default = config_.published_address == config_.rpc_address;
    config_.rpc_address =
        config_.rpc_address.substr(0, config_.rpc_address.rfind(':') + 1) + std::to_string(server_->port());
    if (published_default) config_.published_address = config_.rpc_address;
  }
  if (!config_.rpc_addresses_file.empty()) {
    // As cchost's output_files.rpc_addresses_file: how to reach this node.
    const std::string addresses =
        nlohmann::json{{"primary_rpc_interface", config_.rpc_address}}.dump() + "\n";
    BANK_RETURN_IF_ERROR(bank::WriteFileAtomic(config_.rpc_addresses_file, addresses, 0644));
  }

  ledger::EngineOptions options;
  options.directory = config_.ledger_directory;
  options.node_cert = identity_.node_cert;
  options.node_key = identity_.node_key;
  options.service_cert = identity_.service_cert;
  options.service_key = identity_.service_key;
  options.secret_file = config_.data_directory + "/ledger_secret";
  options.chunk_bytes = config_.ledger_chunk_size;
  options.signature_tx_count = config_.signature_tx_count;
  options.signature_interval = config_.signature_delay;
  options.snapshot_directory = config_.snapshots_directory;
  options.snapshot_tx_interval = config_.snapshot_tx_count;
  options.snapshot_min_ledger_growth = config_.snapshot_min_ledger_growth;
  BANK_ASSIGN_OR_RETURN(engine_, ledger::Engine::Open(std::move(options)));
  startup_seqno_ = engine_->LastWritten().seqno;

  if (startup_seqno_ == 0) {
    BANK_RETURN_IF_ERROR(WriteGenesis());
  } else {
    // A restarted node opens a new view with a signature, as a new CCF
    // primary does; from then on every transaction id is in that view.
    engine_->Sign();
    RefreshNodeInfo();
  }
  // As a CCF node opens its service only once the genesis is committed:
  // from the first request on, /gov/service/transactions/commit names a
  // durable transaction (never seqno 0, whose status is Invalid).
  engine_->Flush();
  router_ = std::make_unique<http::Router>(*engine_);
  RegisterEndpoints();
  return bank::Status::OK();
}

void Node::RegisterEndpoints() {
  // Every module registers its endpoints here, one line each.
  RegisterNodeEndpoints(*router_, *this);
  app::RegisterBankingEndpoints(*router_);
  governance::InstallGovernance(*router_, *engine_);
  receipts::RegisterReceiptEndpoints(*router_);
  // The built-in /commit, /tx and /api of each frontend last: /api lists
  // what the modules above registered.
  RegisterFrontendEndpoints(*router_, "/app");
  RegisterFrontendEndpoints(*router_, "/gov");
  RegisterFrontendEndpoints(*router_, "/node");
}

nlohmann::json Node::RpcInterfaces() const {
  return {{"primary_rpc_interface",
           {{"bind_address", config_.rpc_address},
            {"published_address",
             config_.published_address.empty() ? config_.rpc_address : config_.published_address},
            {"protocol", "tcp"},
            {"app_protocol", "HTTP1"}}}};
}

nlohmann::json Node::NodeInfo() const {
  return {{"cert", identity_.node_cert.Pem()},
          {"status", "Trusted"},
          {"rpc_interfaces", RpcInterfaces()},
          {"node_data", nullptr},
          {"quote_info", {{"format", "Insecure_Virtual"}, {"quote", ""}, {"endorsements", ""}}},
          {"ledger_secret_seqno", 0}};
}

bank::Status Node::WriteGenesis() {
  // Loaded before the transaction so that a bad file fails the start cleanly.
  struct Entity {
    std::string id, cert_pem, enc_pem;
    nlohmann::json data;
  };
  std::vector<Entity> members, users;
  for (const auto& m : config_.members) {
    BANK_ASSIGN_OR_RETURN(auto cert, bank::Certificate::LoadFile(m.certificate_file));
    Entity e{cert.Id(), cert.Pem(), "", m.member_data};
    if (!m.encryption_public_key_file.empty()) {
      BANK_ASSIGN_OR_RETURN(auto pem, bank::ReadFile(m.encryption_public_key_file));
      auto key = bank::PublicKey::FromPem(pem);
      if (!key.ok()) return key.status().WithContext(m.encryption_public_key_file);
      e.enc_pem = key->Pem();
    }
    members.push_back(std::move(e));
  }
  for (const auto& u : config_.users) {
    BANK_ASSIGN_OR_RETURN(auto cert, bank::Certificate::LoadFile(u.certificate_file));
    users.push_back({cert.Id(), cert.Pem(), "", u.user_data});
  }

  bank::TxId genesis = engine_->LastWritten();
  ++genesis.seqno;
  auto result = engine_->Write([&](kv::Tx& tx) {
    for (const auto& m : members) {
      tx.Put(tables::kMemberCerts, m.id, m.cert_pem);
      // Opened at start: Active at once, as CCF's sandbox leaves them after
      // their start-up acknowledgements. Otherwise Accepted until they ack.
      tx.Put(
          tables::kMemberInfo, m.id,
          nlohmann::json{{"status", config_.open_at_start ? "Active" : "Accepted"}, {"member_data", m.data}}
              .dump());
      if (!m.enc_pem.empty()) tx.Put(tables::kMemberEncryptionKeys, m.id, m.enc_pem);
    }
    for (const auto& u : users) {
      tx.Put(tables::kUserCerts, u.id, u.cert_pem);
      tx.Put(tables::kUserInfo, u.id, nlohmann::json{{"user_data", u.data}}.dump());
    }
    tx.Put(tables::kServiceInfo, tables::kSingletonKey,
           nlohmann::json{{"cert", identity_.service_cert.Pem()},
                          {"status", config_.open_at_start ? "Open" : "Opening"},
                          {"recovery_count", 0},
                          {"service_data", nullptr},
                          {"current_service_create_txid", genesis.ToString()}}
               .dump());
    tx.Put(tables::kNodesInfo, identity_.node_id, NodeInfo().dump());
    return true;
  });
  if (!result.committed || result.txid != genesis)
    return bank::Status::Internal(fmt::format("genesis transaction got id {}, expected {}",
                                              result.txid.ToString(), genesis.ToString()));
  engine_->Sign();
  return bank::Status::OK();
}

// The RPC address may differ from the previous run's: keep nodes.info true.
void Node::RefreshNodeInfo() {
  const std::string info = NodeInfo().dump();
  engine_->Write([&](kv::Tx& tx) {
    auto current = tx.Get(tables::kNodesInfo, identity_.node_id);
    if (current && *current == info) return false;
    tx.Put(tables::kNodesInfo, identity_.node_id, info);
    return true;
  });
}

bank::Status Node::Run() {
  server_->Run(/*handle_signals=*/true);
  // Sign what was written since the last signature so that every write has
  // a receipt after restart, then make it durable.
  engine_->Sign();
  engine_->Flush();
  return bank::Status::OK();
}

void Node::Stop() { server_->Stop(); }

unsigned short Node::port() const { return server_->port(); }

}  // namespace bankd::node
