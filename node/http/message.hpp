// HTTP request and response as endpoint handlers see them, independent of
// the server library.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/caller.hpp"
#include "bank/certificate.hpp"

namespace bankd::http {

// The client certificate presented in the TLS handshake. Computed once per
// connection; whether it names a member or a user is decided per request.
struct ClientCertificate {
  bank::Certificate cert;
  std::string id;  // lowercase hex SHA-256 of the DER certificate
};

struct Request {
  std::string method;  // "GET", "POST", ... (upper case)
  std::string path;    // as sent, without the query; still percent-encoded
  std::string query_string;
  // Percent-decoded query parameters (a repeated name keeps the last value).
  std::map<std::string, std::string> query;
  // Percent-decoded values of the pattern's {name} segments (set by Router).
  // A handful per request: a vector is cheaper than a map to build and scan.
  std::vector<std::pair<std::string, std::string>> path_params;
  // Lower-case names, in arrival order; repeated headers are joined with ", ".
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::shared_ptr<const ClientCertificate> client_cert;  // null: none sent
  auth::Caller caller;                                   // set by Router once a policy accepted the request

  // "" when absent.
  const std::string& header(std::string_view lowercase_name) const;
  const std::string* FindHeader(std::string_view lowercase_name) const;  // null when absent
  void AddHeader(std::string lowercase_name, std::string_view value);
  const std::string& param(std::string_view name) const;          // path param
  const std::string* query_param(const std::string& name) const;  // null when absent
};

struct Response {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  static Response Json(const nlohmann::json& body, unsigned status = 200);
  static Response NoContent();  // 204
  static Response Text(unsigned status, std::string text, std::string content_type = "text/plain");
  // CCF's error body (http/ccf_error.hpp), application/json.
  static Response Error(unsigned status, const std::string& code, const std::string& message,
                        const nlohmann::json& details = nullptr);

  bool success() const { return status >= 200 && status < 300; }
  // Replaces a header of the same name (case-insensitive).
  void SetHeader(const std::string& name, std::string value);
  const std::string* FindHeader(std::string_view name) const;
};

// The response header that carries "<view>.<seqno>".
inline constexpr const char* kTxIdHeader = "x-ms-ccf-transaction-id";

}  // namespace bankd::http
