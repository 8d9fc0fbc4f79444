// bankctl node state | wait | list: the node operations of "Running a CCF
// Service", against a CCF node or bankd (the same /node endpoints):
//   GET /node/state            {node_id, state, last_signed_seqno, startup_seqno}
//   GET /node/network/nodes    {nodes: [{node_id, status, primary, rpc_interfaces, ...}]}
// Neither needs a client certificate. Before a service certificate exists
// (a node that is starting, or joining), --node-cert makes the node's own
// self-signed certificate the CA.
#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "cli.hpp"

namespace bankctl {
namespace {

using bank::Result;
using bank::Status;
using nlohmann::json;

struct NodeOptions {
  std::string node_cert;
  std::string state = "PartOfNetwork";
  int timeout_seconds = 60;
};

Result<json> GetJson(Context& ctx, const NodeOptions& o, const std::string& path) {
  if (!o.node_cert.empty()) ctx.settings.cacert = o.node_cert;
  BANK_ASSIGN_OR_RETURN(bank::HttpClient * client, ctx.Client());
  BANK_ASSIGN_OR_RETURN(bank::Response r, client->Get(path));
  if (!r.success()) return r.ToStatus();
  return r.json();
}

Status State(Context& ctx, const NodeOptions& o) {
  BANK_ASSIGN_OR_RETURN(json s, GetJson(ctx, o, "/node/state"));
  ctx.Emit(s, fmt::format("node {}\nstate {}\nlast signed seqno {}", s.value("node_id", "?"),
                          s.value("state", "?"), s.value("last_signed_seqno", 0)));
  return Status::OK();
}

// Polls /node/state until the node reports `o.state`; a node that does not
// answer yet (starting) is polled again until the deadline.
Status Wait(Context& ctx, const NodeOptions& o) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_seconds);
  std::string last = "no answer";
  for (;;) {
    auto s = GetJson(ctx, o, "/node/state");
    if (s.ok()) {
      last = s->value("state", "?");
      if (last == o.state) {
        ctx.Emit(*s, fmt::format("node {}: {}", s->value("node_id", "?"), last));
        return Status::OK();
      }
    } else if (s.status().code() != bank::Code::kNetwork) {
      return s.status();
    } else {
      last = s.status().message();
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return Status::Network(
          fmt::format("node not {} after {} s (last: {})", o.state, o.timeout_seconds, last));
    ctx.Progress(fmt::format("waiting for {} (now: {})", o.state, last));
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

std::string Address(const json& node) {
  const json interfaces = node.value("rpc_interfaces", json::object());
  for (const auto& [name, rpc] : interfaces.items())
    if (rpc.is_object()) return rpc.value("published_address", rpc.value("bind_address", ""));
  return "";
}

Status List(Context& ctx, const NodeOptions& o) {
  BANK_ASSIGN_OR_RETURN(json j, GetJson(ctx, o, "/node/network/nodes"));
  json nodes = j.value("nodes", json::array());
  std::string text = fmt::format("{:<64}  {:<8}  {:<7}  {}\n", "NODE", "STATUS", "PRIMARY", "ADDRESS");
  for (const auto& n : nodes)
    text += fmt::format("{:<64}  {:<8}  {:<7}  {}\n", n.value("node_id", "?"), n.value("status", "?"),
                        n.value("primary", false) ? "yes" : "no", Address(n));
  ctx.Emit(nodes, text);
  return Status::OK();
}

void Register(CLI::App& app, Context& ctx) {
  // `node` is shared with node_config.cpp: join it if it exists.
  CLI::App* node = nullptr;
  for (CLI::App* sub : app.get_subcommands(std::function<bool(CLI::App*)>{}))
    if (sub->get_name() == "node") node = sub;
  if (node == nullptr) {
    node = app.add_subcommand("node", "Real CCF nodes: configuration for cchost, state, membership");
    node->require_subcommand(1);
  }
  auto o = std::make_shared<NodeOptions>();
  auto add_node_cert = [o](CLI::App* cmd) {
    cmd->add_option("--node-cert", o->node_cert,
                    "Trust this node certificate (self-signed, before the service certificate exists) "
                    "instead of the service certificate")
        ->type_name("FILE");
  };
  auto* state = node->add_subcommand("state", "GET /node/state: this node's id and state");
  add_node_cert(state);
  ctx.Bind(state, [&ctx, o] { return State(ctx, *o); });

  auto* wait = node->add_subcommand("wait", "Wait until the node reports a state (default PartOfNetwork)");
  add_node_cert(wait);
  wait->add_option("--state", o->state, "The state to wait for: PartOfNetwork, ReadingPublicLedger, ...")
      ->capture_default_str();
  wait->add_option("--timeout", o->timeout_seconds, "Give up after SECONDS (exit code of a network error)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  ctx.Bind(wait, [&ctx, o] { return Wait(ctx, *o); });

  auto* list = node->add_subcommand("list", "GET /node/network/nodes: every node with its status");
  add_node_cert(list);
  ctx.Bind(list, [&ctx, o] { return List(ctx, *o); });
}

BANKCTL_COMMAND_GROUP_ORDERED(Register, 81);

}  // namespace
}  // namespace bankctl
