#include "bank/http_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <thread>

#include "bank/identity.hpp"

namespace bank {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Bodies and library messages can span lines; errors are one line.
std::string OneLine(std::string_view s, size_t max = 300) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  return Trim(out);
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// libcurl calls this once per header line, status lines included. A new
// status line (after a 100 Continue, or on a retry) starts a new response.
size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<Response*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    r->headers.clear();
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    r->reason = sp2 == std::string_view::npos ? "" : Trim(line.substr(sp2 + 1));
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos)
    r->headers[Lower(std::string(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
  return size * n;
}

// libcurl's OpenSSL backend builds an SSL_CTX per connection and calls this
// before the handshake. The files were read and parsed once, in Create, to
// name a bad file as such; giving libcurl those objects instead of the paths
// spares it a second read and parse of each, which cost a one-shot call about
// 1 ms (OpenSSL 3 sets up a decoder chain for every key it parses).
struct TrustMaterial {
  // The only trust anchors: every certificate of the CA file (a client may
  // keep a service's certificates from before and after a recovery there).
  std::vector<Certificate> service_certs;
  std::optional<Identity> identity;  // the client certificate and key, if any
};

CURLcode InstallTrust(CURL*, void* ssl_ctx, void* user) {
  const auto* trust = static_cast<const TrustMaterial*>(user);
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  for (const Certificate& c : trust->service_certs)
    if (X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), c.get()) != 1) return CURLE_SSL_CACERT_BADFILE;
  if (const auto& id = trust->identity) {
    if (SSL_CTX_use_certificate(ctx, id->cert.get()) != 1 || SSL_CTX_use_PrivateKey(ctx, id->key.get()) != 1)
      return CURLE_SSL_CERTPROBLEM;
  }
  return CURLE_OK;
}

bool IsIdempotentMethod(const std::string& method) { return method == "GET" || method == "HEAD"; }

bool HasIdempotencyKey(const std::map<std::string, std::string>& headers) {
  for (const auto& [name, value] : headers)
    if (Lower(name) == "idempotency-key" && !value.empty()) return true;
  return false;
}

// Failures where the request certainly never reached the server.
bool NeverSent(CURLcode rc) { return rc == CURLE_COULDNT_CONNECT; }

// Failures after which the request may or may not have been processed.
bool ConnectionLost(CURLcode rc) {
  return rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING ||
         rc == CURLE_PARTIAL_FILE;
}

}  // namespace

std::string Response::header(const std::string& lowercase_name) const {
  auto it = headers.find(lowercase_name);
  return it == headers.end() ? "" : it->second;
}

std::optional<TxId> Response::txid() const { return TxId::Parse(header("x-ms-ccf-transaction-id")); }

Result<nlohmann::json> Response::json() const {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return Status::Rejected("response " + std::to_string(status) + " is not JSON: " + OneLine(body, 80));
  return j;
}

std::optional<CcfError> Response::ccf_error() const {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return std::nullopt;
  const auto& e = j["error"];
  if (!e.contains("code") || !e["code"].is_string()) return std::nullopt;
  CcfError out;
  out.code = e["code"].get<std::string>();
  if (e.contains("message") && e["message"].is_string()) out.message = e["message"].get<std::string>();
  if (e.contains("details")) out.details = e["details"];
  return out;
}

Status Response::ToStatus() const {
  if (success()) return Status::OK();
  Code code = Code::kRejected;
  if (status == 401 || status == 403)
    code = Code::kAuth;
  else if (status == 404)
    code = Code::kNotFound;
  else if (status >= 500)
    code = Code::kNetwork;

  std::string text = std::to_string(status);
  if (auto e = ccf_error()) {
    text += " " + e->code + ": " + OneLine(e->message);
    // CCF puts the reason each auth policy failed in details; the first one
    // ("Could not find matching user certificate") is what a person needs.
    if (e->details.is_array() && !e->details.empty() && e->details[0].is_object() &&
        e->details[0].contains("message") && e->details[0]["message"].is_string()) {
      std::string detail = e->details[0]["message"].get<std::string>();
      if (detail != e->message) text += " (" + OneLine(detail, 160) + ")";
    }
  } else if (!Trim(body).empty()) {
    text += ": " + OneLine(body);
  } else {
    text += reason.empty() ? " (empty response)" : " " + reason;
  }
  return Status(code, text);
}

struct HttpClient::Impl {
  TlsConfig config;
  RetryPolicy retry;
  TrustMaterial trust;  // parsed once, in Create; InstallTrust's argument
  CURL* curl = nullptr;
  char error[CURL_ERROR_SIZE] = {0};
  long connections = 0;

  ~Impl() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }

  Status TransportError(CURLcode rc) const {
    std::string detail = OneLine(error[0] != '\0' ? error : curl_easy_strerror(rc), 200);
    const std::string& s = config.server;
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
        return Status::Network(s + ": no response within " +
                               fmt::format("{:g}", config.timeout.count() / 1000.0) + " s (timed out)");
      case CURLE_COULDNT_CONNECT:
        return Status::Network(s + ": cannot connect (" + detail + ")");
      case CURLE_COULDNT_RESOLVE_HOST:
        return Status::Network(s + ": cannot resolve host (" + detail + ")");
      case CURLE_PEER_FAILED_VERIFICATION:
        if (detail.find("host name") != std::string::npos || detail.find("hostname") != std::string::npos)
          return Status::Network(s +
                                 ": the server certificate is not for this host name; use the address it was "
                                 "issued for, e.g. https://127.0.0.1:PORT (" +
                                 detail + ")");
        return Status::Network(s + ": server certificate not trusted with CA " + config.cacert_path + " (" +
                               detail + ")");
      case CURLE_SSL_CONNECT_ERROR:
        return Status::Network(s + ": TLS handshake failed (" + detail + ")");
      case CURLE_SSL_CERTPROBLEM:
        return Status::Network(s + ": client certificate " + config.cert_path + " refused by TLS (" + detail +
                               ")");
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        return Status::Usage("bad server URL '" + s + "' (" + detail + ")");
      default:
        if (detail.find("certificate required") != std::string::npos)
          return Status::Network(s + ": the server requires a client certificate (" + detail + ")");
        return Status::Network(s + ": " + detail);
    }
  }

  // One attempt. Returns the curl code; fills `out` on CURLE_OK.
  CURLcode Perform(const std::string& method, const std::string& path, const std::string& body,
                   curl_slist* headers, bool repeatable, Response* out) {
    *out = Response{};
    error[0] = '\0';
    std::string url = config.server + path;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    // The handle is reused: reset whatever the previous request's method set.
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, nullptr);
    curl_easy_setopt(curl, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    if (method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (method != "GET" || !body.empty()) {
      // POSTFIELDS sends the body with Content-Length (also 0, as PUT /app/account needs).
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
      if (method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    // libcurl silently resends a request whose reused connection died before
    // any answer: the server may have processed it. For a request that must
    // not run twice, a fresh connection is the only way to avoid that.
    curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, repeatable ? 0L : 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out->body);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, out);

    if (config.verbose) {
      std::fprintf(stderr, "> %s %s\n", method.c_str(), url.c_str());
      for (curl_slist* h = headers; h != nullptr; h = h->next)
        if (std::string_view(h->data).back() != ':') std::fprintf(stderr, "> %s\n", h->data);
      if (!body.empty()) std::fprintf(stderr, "> (%zu bytes)\n", body.size());
    }
    CURLcode rc = curl_easy_perform(curl);
    long opened = 0;
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &opened);
    connections += opened;
    if (rc != CURLE_OK) {
      if (config.verbose)
        std::fprintf(stderr, "* %s\n", OneLine(error[0] ? error : curl_easy_strerror(rc)).c_str());
      return rc;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
    if (config.verbose) {
      std::fprintf(stderr, "< %ld %s%s\n", out->status, out->reason.c_str(),
                   opened > 0 ? " (new connection)" : "");
      for (const auto& [name, value] : out->headers)
        std::fprintf(stderr, "< %s: %s\n", name.c_str(), value.c_str());
      if (!out->body.empty()) std::fprintf(stderr, "< (%zu bytes)\n", out->body.size());
    }
    return CURLE_OK;
  }
};

Result<HttpClient> HttpClient::Create(const TlsConfig& config, RetryPolicy retry) {
  if (!config.server.starts_with("https://"))
    return Status::Usage("server URL must start with https:// (got '" + config.server + "')");
  if (config.cacert_path.empty())
    return Status::Usage("no service certificate: pass --cacert FILE or --workspace DIR");
  // Checked here so that a bad file is named as such, not as a TLS failure.
  TrustMaterial trust;
  auto ca_pem = ReadFile(config.cacert_path);
  if (!ca_pem.ok()) return ca_pem.status();
  auto cas = Certificate::BundleFromPem(*ca_pem);
  if (!cas.ok()) {
    // No certificate: parsed as one, the file is named with what is wrong.
    auto one = Certificate::FromPem(*ca_pem, config.cacert_path);
    return one.ok() ? cas.status().WithContext(config.cacert_path) : one.status();
  }
  trust.service_certs = std::move(*cas);
  if (config.cert_path.empty() != config.key_path.empty())
    return Status::Usage("a client certificate needs its key and a key its certificate (--cert and --key)");
  if (!config.cert_path.empty()) {
    auto identity = LoadIdentity(config.cert_path, config.key_path);
    if (!identity.ok()) return identity.status();
    trust.identity = std::move(*identity);
  }

  GlobalInit();
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->trust = std::move(trust);
  while (impl->config.server.ends_with('/')) impl->config.server.pop_back();
  impl->retry = retry;
  impl->retry.max_attempts = std::max(1, retry.max_attempts);
  impl->curl = curl_easy_init();
  if (impl->curl == nullptr) return Status::Internal("curl_easy_init failed");

  CURL* c = impl->curl;
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, impl->error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
  // HTTP/2 when the server offers it in ALPN (bankd and CCF nodes with an
  // HTTP2 interface do), HTTP/1.1 otherwise.
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  // The service certificate is the only trust anchor: no system CA file or
  // directory. Peer and host name (IP SAN for https://127.0.0.1) are checked.
  curl_easy_setopt(c, CURLOPT_CAPATH, nullptr);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, InstallTrust) == CURLE_OK) {
    curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, &impl->trust);
    curl_easy_setopt(c, CURLOPT_CAINFO, nullptr);
  } else {
    // A libcurl on another TLS library has no SSL_CTX hook: it reads the
    // files itself (OpenSSL-compatible PEM, so the same files work).
    curl_easy_setopt(c, CURLOPT_CAINFO, impl->config.cacert_path.c_str());
    if (!impl->config.cert_path.empty()) {
      curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(c, CURLOPT_SSLCERT, impl->config.cert_path.c_str());
      curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
      curl_easy_setopt(c, CURLOPT_SSLKEY, impl->config.key_path.c_str());
    }
  }
  long timeout_ms = std::max<long>(1, static_cast<long>(config.timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "bankctl/libbank");
  return HttpClient(std::move(impl));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

const TlsConfig& HttpClient::config() const { return impl_->config; }
long HttpClient::connections_opened() const { return impl_->connections; }

Result<Response> HttpClient::Request(const std::string& method, const std::string& path,
                                     const std::string& body, const std::string& content_type,
                                     const std::map<std::string, std::string>& headers) {
  if (path.empty() || path[0] != '/') return Status::Internal("request path must start with '/': " + path);

  curl_slist* list = nullptr;
  // An empty "Name:" tells libcurl not to add its own value (form content
  // type for bodies, Expect: 100-continue for large ones).
  list = curl_slist_append(
      list, content_type.empty() ? "Content-Type:" : ("Content-Type: " + content_type).c_str());
  list = curl_slist_append(list, "Expect:");
  for (const auto& [name, value] : headers) list = curl_slist_append(list, (name + ": " + value).c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> guard(list, curl_slist_free_all);

  const bool retry_like_get = IsIdempotentMethod(method) || HasIdempotencyKey(headers);
  const RetryPolicy& policy = impl_->retry;
  auto backoff = policy.initial_backoff;
  for (int attempt = 1;; ++attempt) {
    Response response;
    CURLcode rc = impl_->Perform(method, path, body, list, retry_like_get, &response);
    const bool last = attempt >= policy.max_attempts;
    std::string why;
    if (rc == CURLE_OK) {
      if (response.status != 503 || !retry_like_get || last) return response;
      why = "503 " + response.reason;
      // Honour the server's retry-after (seconds) when it asks for longer.
      const std::string after = response.header("retry-after");
      if (!after.empty() &&
          std::all_of(after.begin(), after.end(), [](unsigned char c) { return std::isdigit(c); }) &&
          after.size() < 4)
        backoff = std::max(backoff, std::chrono::milliseconds(std::stoi(after) * 1000));
    } else {
      const bool retryable = NeverSent(rc) || (retry_like_get && ConnectionLost(rc));
      if (!retryable || last) return impl_->TransportError(rc);
      why = OneLine(impl_->error[0] ? impl_->error : curl_easy_strerror(rc));
    }
    backoff = std::min(backoff, std::chrono::milliseconds(5000));
    if (impl_->config.verbose)
      std::fprintf(stderr, "* retrying %s %s in %lld ms (attempt %d of %d): %s\n", method.c_str(),
                   path.c_str(), static_cast<long long>(backoff.count()), attempt + 1, policy.max_attempts,
                   why.c_str());
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
}

}  // namespace bank
