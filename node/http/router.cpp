#include "http/router.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "http/url.hpp"

namespace bankd::http {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = path.empty() || path[0] != '/' ? 0 : 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

// Runs a handler, turning an escaped exception into CCF's 500.
template <typename Fn>
Response Guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return Response::Error(500, "InternalError", e.what());
  } catch (...) {
    return Response::Error(500, "InternalError", "Unknown exception");
  }
}

// Tries the endpoint's policies in order. Sets request.caller and returns
// nullopt on success; otherwise the 401.
std::optional<Response> Authenticate(const Endpoint& endpoint, Request& request,
                                     const auth::StateReader& state) {
  if (endpoint.policies.empty()) {
    request.caller = auth::Caller{};
    return std::nullopt;
  }
  std::vector<std::pair<const auth::AuthPolicy*, std::string>> failures;
  for (const auto& policy : endpoint.policies) {
    auto caller = policy->Authenticate(request, state);
    if (caller.ok()) {
      request.caller = std::move(caller).value();
      return std::nullopt;
    }
    failures.emplace_back(policy.get(), caller.status().message());
  }
  return auth::AuthenticationFailure(failures);
}

}  // namespace

Router::Router(ledger::Engine& engine) : engine_(engine) {}

void Router::Add(Endpoint endpoint) {
  Route route;
  for (std::string_view part : SplitPath(endpoint.pattern)) {
    Segment seg;
    size_t open = part.find('{');
    size_t close = part.find('}');
    if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
      seg.is_param = true;
      seg.literal = std::string(part.substr(0, open));
      seg.param = std::string(part.substr(open + 1, close - open - 1));
      seg.suffix = std::string(part.substr(close + 1));
      route.literal_chars += seg.literal.size() + seg.suffix.size();
    } else {
      seg.literal = std::string(part);
      route.literal_chars += seg.literal.size() + 1;
    }
    route.segments.push_back(std::move(seg));
  }
  if (route.segments.size() > kMaxSegments) std::abort();  // a programming error: raise kMaxSegments
  for (auto& existing : routes_) {
    if (existing.endpoint.method == endpoint.method && existing.endpoint.pattern == endpoint.pattern) {
      route.endpoint = std::move(endpoint);
      existing = std::move(route);
      return;
    }
  }
  route.endpoint = std::move(endpoint);
  routes_.push_back(std::move(route));
}

void Router::AddRead(std::string method, std::string pattern, auth::Policies policies, ReadHandler handler,
                     nlohmann::json openapi) {
  Endpoint e{
      std::move(method), std::move(pattern), Mode::kRead, std::move(policies), std::move(handler), {}, {},
      std::move(openapi)};
  Add(std::move(e));
}

void Router::AddWrite(std::string method, std::string pattern, auth::Policies policies, WriteHandler handler,
                      nlohmann::json openapi) {
  Endpoint e{
      std::move(method), std::move(pattern), Mode::kWrite, std::move(policies), {}, std::move(handler), {},
      std::move(openapi)};
  Add(std::move(e));
}

void Router::AddDirect(std::string method, std::string pattern, auth::Policies policies,
                       DirectHandler handler, nlohmann::json openapi) {
  Endpoint e{std::move(method),  std::move(pattern), Mode::kDirect, std::move(policies), {}, {},
             std::move(handler), std::move(openapi)};
  Add(std::move(e));
}

const Router::Route* Router::Match(const Request& request, std::vector<const std::string*>* allowed,
                                   std::vector<std::pair<std::string, std::string>>* params) const {
  // No route has more segments than kMaxSegments (Add checks), so a longer
  // path matches nothing; splitting into a fixed array saves an allocation.
  std::array<std::string_view, kMaxSegments> parts;
  size_t count = 0;
  std::string_view path = request.path;
  size_t start = path.empty() || path[0] != '/' ? 0 : 1;
  while (start <= path.size()) {
    if (count == kMaxSegments) return nullptr;
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    parts[count++] = path.substr(start, slash - start);
    start = slash + 1;
  }
  const Route* best = nullptr;
  for (const auto& route : routes_) {
    if (route.segments.size() != count) continue;
    bool match = true;
    for (size_t i = 0; i < count && match; ++i) {
      const Segment& seg = route.segments[i];
      std::string_view part = parts[i];
      if (!seg.is_param)
        match = part == seg.literal;
      else
        match = part.size() > seg.literal.size() + seg.suffix.size() && part.starts_with(seg.literal) &&
                part.ends_with(seg.suffix);
    }
    if (!match) continue;
    allowed->push_back(&route.endpoint.method);
    if (route.endpoint.method != request.method) continue;
    if (best == nullptr || route.literal_chars > best->literal_chars) best = &route;
  }
  if (best == nullptr) return nullptr;
  for (size_t i = 0; i < count; ++i) {
    const Segment& seg = best->segments[i];
    if (!seg.is_param) continue;
    std::string_view part = parts[i];
    params->emplace_back(
        seg.param,
        PercentDecode(part.substr(seg.literal.size(), part.size() - seg.literal.size() - seg.suffix.size())));
  }
  return best;
}

Response Router::Handle(Request& request) const {
  std::vector<const std::string*> allowed;
  std::vector<std::pair<std::string, std::string>> params;
  const Route* route = Match(request, &allowed, &params);
  if (route == nullptr) {
    if (allowed.empty()) {
      Response r = Response::Error(404, "ResourceNotFound", fmt::format("Unknown path: {}.", request.path));
      r.SetHeader(kTxIdHeader, engine_.LastWritten().ToString());
      return r;
    }
    std::vector<std::string> methods;
    for (const std::string* m : allowed) methods.push_back(*m);
    std::sort(methods.begin(), methods.end());
    methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
    std::string list = fmt::format("{}", fmt::join(methods, ", "));
    Response r = Response::Error(405, "UnsupportedHttpVerb",
                                 fmt::format("Allowed methods for '{}' are: {}.", request.path, list));
    r.SetHeader("allow", list);
    r.SetHeader(kTxIdHeader, engine_.LastWritten().ToString());
    return r;
  }
  request.path_params = std::move(params);
  return Execute(route->endpoint, request);
}

Response Router::Execute(const Endpoint& endpoint, Request& request) const {
  Response response;
  bank::TxId txid;
  switch (endpoint.mode) {
    case Mode::kRead:
      txid = engine_.Read([&](const kv::Store& store) {
        auth::StoreReader reader(store);
        if (auto failure = Authenticate(endpoint, request, reader)) {
          response = std::move(*failure);
          return;
        }
        response = Guarded([&] { return endpoint.read(request, store); });
      });
      break;
    case Mode::kWrite: {
      bank::TxId next_txid;
      auto result = engine_.Write([&](kv::Tx& tx) {
        auth::TxReader reader(tx);
        if (auto failure = Authenticate(endpoint, request, reader)) {
          response = std::move(*failure);
          return false;
        }
        // Every view starts with a signature (Node), so the next
        // transaction continues the view of the last one.
        next_txid = engine_.LastWritten();
        ++next_txid.seqno;
        response = Guarded([&] { return endpoint.write(request, tx, next_txid); });
        return response.success();
      });
      txid = result.txid;
      if (!result.unavailable.ok()) {
        // CCF's answer when a transaction cannot be made durable (its
        // FAIL_NO_REPLICATE): 503 TransactionReplicationFailed.
        response = Response::Error(503, "TransactionReplicationFailed",
                                   "The ledger cannot be written; writes are refused until it can (" +
                                       result.unavailable.message() + ")");
        response.SetHeader("retry-after", "1");
      }
      if (result.committed && next_txid != txid) {
        // History entries recorded `next_txid`: a mismatch is a bug that
        // must not pass silently.
        std::fprintf(stderr, "bankd: internal error: transaction %s was told its id is %s\n",
                     txid.ToString().c_str(), next_txid.ToString().c_str());
      }
      break;
    }
    case Mode::kDirect: {
      bool accepted = false;
      txid = engine_.Read([&](const kv::Store& store) {
        auth::StoreReader reader(store);
        if (auto failure = Authenticate(endpoint, request, reader)) {
          response = std::move(*failure);
          return;
        }
        accepted = true;
      });
      if (accepted) response = Guarded([&] { return endpoint.direct(request); });
      break;
    }
  }
  if (response.FindHeader(kTxIdHeader) == nullptr) response.SetHeader(kTxIdHeader, txid.ToString());
  return response;
}

nlohmann::json Router::OpenApi(std::string_view prefix) const {
  nlohmann::json paths = nlohmann::json::object();
  for (const auto& route : routes_) {
    const Endpoint& e = route.endpoint;
    if (e.pattern.compare(0, prefix.size(), prefix) != 0) continue;
    nlohmann::json op = e.openapi.is_object() ? e.openapi : nlohmann::json::object();
    nlohmann::json parameters = op.value("parameters", nlohmann::json::array());
    for (const auto& seg : route.segments) {
      if (!seg.is_param) continue;
      parameters.push_back(
          {{"name", seg.param}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    }
    if (!parameters.empty()) op["parameters"] = parameters;
    nlohmann::json policies = nlohmann::json::array();
    for (const auto& p : e.policies) policies.push_back(p->name());
    if (policies.empty()) policies.push_back("no_auth");
    op["x-ccf-auth-policies"] = policies;
    if (!op.contains("responses")) op["responses"] = {{"default", {{"description", "Default response"}}}};
    std::string method = e.method;
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[e.pattern][method] = op;
  }
  return {{"openapi", "3.0.0"},
          {"info", {{"title", fmt::format("bankd {} API", prefix)}, {"version", BANK_VERSION}}},
          {"paths", paths}};
}

}  // namespace bankd::http
