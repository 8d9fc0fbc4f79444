#include "node/node_endpoints.hpp"

#include <fmt/format.h>

#include "app/bundle_api.hpp"
#include "auth/tables.hpp"
#include "bank/ledger_tables.hpp"
#include "node/node.hpp"

namespace bankd::node {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

json ParseOr(const std::optional<std::string>& value, json fallback) {
  if (!value) return fallback;
  json j = json::parse(*value, nullptr, false);
  return j.is_discarded() ? fallback : j;
}

// One entry of /node/network/nodes, from public:ccf.gov.nodes.info.
json NodeEntry(const std::string& node_id, const json& info, const bank::TxId& last_written) {
  return {{"node_id", node_id},
          {"status", info.value("status", "Trusted")},
          {"primary", true},
          {"rpc_interfaces", info.value("rpc_interfaces", json::object())},
          {"node_data", info.value("node_data", json())},
          {"last_written", last_written.seqno}};
}

json Operation(const std::string& summary) { return {{"summary", summary}}; }

}  // namespace

void RegisterNodeEndpoints(http::Router& router, Node& node) {
  ledger::Engine& engine = node.engine();

  router.AddRead(
      "GET", "/node/state", {},
      [&node](const Request&, const kv::Store& store) {
        json sig = ParseOr(store.Get(bank::ledger::kSignatures, bank::ledger::kSingletonKey), json::object());
        return Response::Json({{"node_id", node.identity().node_id},
                               {"state", "PartOfNetwork"},
                               {"last_signed_seqno", sig.value("seqno", 0)},
                               {"startup_seqno", node.startup_seqno()}});
      },
      Operation("This node's id and state"));

  router.AddDirect(
      "GET", "/node/network", {},
      [&node, &engine](const Request&) {
        const bank::TxId last = engine.LastWritten();
        json service = json::object();
        engine.Read([&](const kv::Store& store) {
          service = ParseOr(store.Get(tables::kServiceInfo, tables::kSingletonKey), json::object());
        });
        return Response::Json(
            {{"service_status", service.value("status", "Opening")},
             {"service_certificate", service.value("cert", node.identity().service_cert.Pem())},
             {"current_view", last.view},
             {"primary_id", node.identity().node_id},
             {"recovery_count", service.value("recovery_count", 0)},
             {"service_data", service.value("service_data", json())},
             {"current_service_create_txid", service.value("current_service_create_txid", "")}});
      },
      Operation("The service: status, certificate, current view, primary"));

  // Handlers must not call the engine inside Engine::Read: these take the
  // last written id first, then read.
  auto list_nodes = [&engine](const Request& request) {
    json nodes = json::array();
    const std::string* status = request.query_param("status");
    const std::string* host = request.query_param("host");
    const std::string* port = request.query_param("port");
    const bank::TxId last = engine.LastWritten();
    engine.Read([&](const kv::Store& store) {
      store.ForEach(tables::kNodesInfo, [&](const std::string& id, const std::string& value) {
        json entry = NodeEntry(id, ParseOr(value, json::object()), last);
        if (status && entry["status"] != *status) return true;
        if (host || port) {
          bool any = false;
          for (const auto& [name, rpc] : entry["rpc_interfaces"].items()) {
            std::string published = rpc.value("published_address", "");
            size_t colon = published.rfind(':');
            std::string h = published.substr(0, colon);
            std::string p = colon == std::string::npos ? "" : published.substr(colon + 1);
            if ((!host || h == *host) && (!port || p == *port)) any = true;
          }
          if (!any) return true;
        }
        nodes.push_back(std::move(entry));
        return true;
      });
    });
    return Response::Json({{"nodes", nodes}});
  };
  router.AddDirect("GET", "/node/network/nodes", {}, list_nodes,
                   Operation("Nodes of the service (?host, ?port, ?status)"));

  auto one_node = [&engine](const std::string& id) {
    const bank::TxId last = engine.LastWritten();
    std::optional<std::string> info;
    engine.Read([&](const kv::Store& store) { info = store.Get(tables::kNodesInfo, id); });
    if (!info) return Response::Error(404, "ResourceNotFound", fmt::format("Node {} does not exist.", id));
    return Response::Json(NodeEntry(id, ParseOr(info, json::object()), last));
  };
  router.AddDirect(
      "GET", "/node/network/nodes/{node_id}", {},
      [one_node](const Request& request) { return one_node(request.param("node_id")); },
      Operation("One node"));
  for (const char* alias : {"self", "primary"}) {
    router.AddDirect(
        "GET", std::string("/node/network/nodes/") + alias, {},
        [one_node, &node](const Request&) { return one_node(node.identity().node_id); },
        Operation(std::string("The ") + alias + " node (bankd is a single node)"));
  }

  router.AddRead(
      "GET", "/node/version", {},
      [](const Request&, const kv::Store&) {
        return Response::Json({{"ccf_version", std::string("bankd-") + BANK_VERSION},
                               {"quickjs_version", "none"},
                               {"unsafe", false}});
      },
      Operation("Version of the node software"));

  for (const char* method : {"GET", "HEAD"}) {
    router.AddRead(
        method, "/node/primary", {},
        [](const Request&, const kv::Store&) { return Response::Json(json::object()); },
        Operation("200 on the primary (bankd is always primary)"));
  }
}

void RegisterFrontendEndpoints(http::Router& router, const std::string& prefix) {
  ledger::Engine& engine = router.engine();

  router.AddDirect(
      "GET", prefix + "/commit", {},
      [&engine](const Request& request) {
        bank::TxId committed = engine.LastCommitted();
        json body = {{"transaction_id", committed.ToString()}};
        if (const std::string* vh = request.query_param("view_history"); vh && *vh == "true")
          body["view_history"] = json::array();
        Response r = Response::Json(body);
        r.SetHeader(http::kTxIdHeader, committed.ToString());
        return r;
      },
      Operation("The latest committed (durable) transaction id"));

  router.AddDirect(
      "GET", prefix + "/tx", {},
      [&engine](const Request& request) {
        const std::string* text = request.query_param("transaction_id");
        if (text == nullptr)
          return Response::Error(400, "InvalidQueryParameterValue",
                                 "Missing query parameter 'transaction_id'.");
        auto txid = bank::TxId::Parse(*text);
        if (!txid)
          return Response::Error(
              400, "InvalidQueryParameterValue",
              fmt::format("The value '{}' passed as query parameter 'transaction_id' is not a valid "
                          "transaction ID (expected <view>.<seqno>).",
                          *text));
        return Response::Json(
            {{"transaction_id", txid->ToString()}, {"status", bank::TxStatusName(engine.Status(*txid))}});
      },
      Operation("Status of a transaction: Unknown, Pending, Committed or Invalid"));

  // Registered last, so the document includes itself.
  router.AddRead(
      "GET", prefix + "/api", {},
      [&router, prefix](const Request&, const kv::Store&) {
        // The banking application's API is the CCF bundle's (ccf-app/app.json).
        return Response::Json(prefix == "/app" ? app::BundleOpenApi(router.OpenApi(prefix))
                                               : router.OpenApi(prefix));
      },
      Operation("This OpenAPI document"));
}

}  // namespace bankd::node
