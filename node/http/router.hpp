// Router: maps (method, path pattern) to an endpoint, authenticates the
// caller with the endpoint's policies, and executes the handler against the
// ledger engine, as CCF's frontends do.
//
// Patterns are '/'-separated; a segment is a literal ("balance"), or holds
// one parameter with an optional literal prefix and suffix ("{account_name}",
// "{proposalId}:withdraw"). Parameters match one non-empty segment and are
// percent-decoded into Request::path_params. When several patterns match a
// path, the one with the most literal characters wins. No match: 404
// ResourceNotFound "Unknown path: <path>."; a match with another method: 405
// UnsupportedHttpVerb with an Allow header.
//
// Execution modes:
//  - kRead:   handler runs under Engine::Read against the committed store,
//             concurrently with other reads; policies see the same store.
//             The handler must not call the engine (its lock is held).
//  - kWrite:  handler runs under Engine::Write (one writer at a time) against
//             a kv::Tx; policies read that Tx. A 2xx response commits the
//             write set as one transaction; any other status discards it.
//             The handler may call the engine's const methods only.
//  - kDirect: policies are checked against the committed store, then the
//             handler runs outside any engine lock and may call the engine
//             itself (tx status, commit, receipts).
// Every response carries x-ms-ccf-transaction-id: the new transaction for a
// committed write, otherwise the last transaction the request could have
// read (a handler may set the header itself, e.g. a write that reuses an
// earlier result).
//
// Endpoints are added before the server starts; Handle() is then safe to
// call from any number of threads.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "auth/policy.hpp"
#include "bank/txid.hpp"
#include "http/message.hpp"
#include "kv/tx.hpp"
#include "ledger/engine.hpp"

namespace bankd::http {

enum class Mode { kRead, kWrite, kDirect };

using ReadHandler = std::function<Response(const Request&, const kv::Store&)>;
// `txid` is the id the transaction gets if the handler returns 2xx and has
// written something (history entries record it).
using WriteHandler = std::function<Response(const Request&, kv::Tx&, const bank::TxId& txid)>;
using DirectHandler = std::function<Response(const Request&)>;

struct Endpoint {
  std::string method;
  std::string pattern;
  Mode mode = Mode::kRead;
  auth::Policies policies;  // empty: no authentication
  ReadHandler read;
  WriteHandler write;
  DirectHandler direct;
  // OpenAPI 3.0 operation object (summary, requestBody, responses, ...);
  // the router adds the path parameters and "x-ccf-auth-policies".
  nlohmann::json openapi = nlohmann::json::object();
};

class Router {
 public:
  explicit Router(ledger::Engine& engine);
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Adds an endpoint; a duplicate (method, pattern) replaces the earlier one.
  void Add(Endpoint endpoint);
  void AddRead(std::string method, std::string pattern, auth::Policies policies, ReadHandler handler,
               nlohmann::json openapi = nlohmann::json::object());
  void AddWrite(std::string method, std::string pattern, auth::Policies policies, WriteHandler handler,
                nlohmann::json openapi = nlohmann::json::object());
  void AddDirect(std::string method, std::string pattern, auth::Policies policies, DirectHandler handler,
                 nlohmann::json openapi = nlohmann::json::object());

  // Routes, authenticates and executes; never throws (a handler's exception
  // becomes CCF's 500 InternalError).
  Response Handle(Request& request) const;

  // OpenAPI 3.0.0 document of the endpoints under `prefix` ("/app"), with
  // full-prefix paths as CCF serves on GET <prefix>/api.
  nlohmann::json OpenApi(std::string_view prefix) const;

  ledger::Engine& engine() const { return engine_; }

 private:
  struct Segment {
    bool is_param = false;
    std::string literal;  // whole segment, or the text before {param}
    std::string param;
    std::string suffix;  // text after {param}
  };
  struct Route {
    Endpoint endpoint;
    std::vector<Segment> segments;
    size_t literal_chars = 0;
  };
  static constexpr size_t kMaxSegments = 16;
  // The best route for the request's method, or null; `allowed` collects
  // the methods of every route whose pattern matches the path.
  const Route* Match(const Request& request, std::vector<const std::string*>* allowed,
                     std::vector<std::pair<std::string, std::string>>* params) const;
  Response Execute(const Endpoint& endpoint, Request& request) const;

  ledger::Engine& engine_;
  std::vector<Route> routes_;
};

}  // namespace bankd::http
