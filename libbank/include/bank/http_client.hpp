// HTTPS transport to a CCF service (or bankd) over libcurl.
//
// Contract:
//  - The service certificate is the only CA; the client certificate/key, when
//    given, authenticate the caller (CCF's user_cert / member_cert policies).
//  - One HttpClient reuses its connection across requests (keep-alive). It is
//    not thread-safe: use one per thread.
//  - Request() returns any HTTP response, error statuses included, as a
//    Response; only transport failures (connect, TLS, timeout) are errors.
//  - Retries happen only where they are safe: GET/HEAD on connection failure
//    or 503, bounded by RetryPolicy. Non-idempotent requests are never retried
//    after they may have reached the server, except when the caller passes an
//    "Idempotency-Key" header: that header is the caller's statement that
//    repeating the request is harmless (the server deduplicates by the key,
//    as bankd does for money operations, or the operation is idempotent), so
//    the request is retried like a GET. A request refused at connect time
//    never reached the server and is retried whatever its method. A
//    non-idempotent request without a key is sent on a fresh connection, as
//    libcurl would otherwise resend it by itself when a reused connection
//    turns out to be dead.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "bank/status.hpp"
#include "bank/txid.hpp"

namespace bank {

struct TlsConfig {
  std::string server;       // "https://127.0.0.1:8000"
  std::string cacert_path;  // service_cert.pem
  std::string cert_path;    // optional client certificate
  std::string key_path;     // optional client key
  std::chrono::milliseconds timeout{30000};
  bool verbose = false;  // request/response lines on stderr
};

struct RetryPolicy {
  int max_attempts = 4;
  std::chrono::milliseconds initial_backoff{100};
};

// CCF's error body {"error":{"code","message","details"}}.
struct CcfError {
  std::string code;
  std::string message;
  nlohmann::json details;
};

struct Response {
  long status = 0;
  std::string reason;                          // the status line's reason phrase ("Not Found")
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;

  bool success() const { return status >= 200 && status < 300; }
  std::string header(const std::string& lowercase_name) const;
  // x-ms-ccf-transaction-id, parsed.
  std::optional<TxId> txid() const;
  // The body as JSON; Code::kRejected when it is not JSON.
  Result<nlohmann::json> json() const;
  // Parses CCF's error body; nullopt when the body is not one.
  std::optional<CcfError> ccf_error() const;
  // For a non-2xx response: a Status whose Code follows the HTTP status
  // (400/409/412→kRejected, 401/403→kAuth, 404→kNotFound, 5xx→kNetwork) and
  // whose one-line message is "<status> <CcfCode>: <message>" (or the body).
  Status ToStatus() const;
};

class HttpClient {
 public:
  static Result<HttpClient> Create(const TlsConfig& config, RetryPolicy retry = {});
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  ~HttpClient();

  // `path` starts with '/', query included. Extra headers as "Name: value".
  Result<Response> Request(const std::string& method, const std::string& path, const std::string& body = "",
                           const std::string& content_type = "",
                           const std::map<std::string, std::string>& headers = {});
  Result<Response> Get(const std::string& path) { return Request("GET", path); }
  Result<Response> PostJson(const std::string& path, const nlohmann::json& body) {
    return Request("POST", path, body.dump(), "application/json");
  }

  const TlsConfig& config() const;
  // New connections opened so far (1 while keep-alive holds; diagnostics).
  long connections_opened() const;

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bank
