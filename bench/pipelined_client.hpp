// A minimal HTTP/1.1 client over mutual TLS that keeps many requests in
// flight on one connection (pipelining), for the load generator only.
//
// Why not bank::HttpClient: libcurl dropped HTTP/1.1 pipelining, so one
// libcurl handle has at most one request in flight, and the client's own
// cost per request (~100 us) would be the thing measured. This client
// writes a whole window of requests in one TLS record, reads responses
// back in order and hands each to a callback; per request it costs a few
// microseconds of formatting and parsing.
//
// Responses must carry Content-Length or be 1xx/204/304 (bankd's do); a
// chunked response is reported as an error.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

namespace bench {

using Clock = std::chrono::steady_clock;

struct ResponseView {
  int status = 0;
  std::string_view txid;  // x-ms-ccf-transaction-id, empty when absent
  std::string_view body;
};

// Parses complete responses off the front of a buffer.
class ResponseParser {
 public:
  void Feed(const char* data, size_t n) { buf_.append(data, n); }
  // 1: one response parsed into *out (valid until the next call), 0: need
  // more bytes, -1: malformed.
  int Next(ResponseView* out) {
    if (consumed_ > 0) {
      buf_.erase(0, consumed_);
      consumed_ = 0;
    }
    const size_t end = buf_.find("\r\n\r\n");
    if (end == std::string::npos) return buf_.size() > (64 << 10) ? -1 : 0;
    std::string_view head(buf_.data(), end + 2);
    if (head.size() < 12 || head.substr(0, 5) != "HTTP/") return -1;
    out->status = std::atoi(head.data() + 9);
    out->txid = {};
    size_t length = 0;
    size_t pos = head.find("\r\n") + 2;
    while (pos < head.size()) {
      size_t eol = head.find("\r\n", pos);
      std::string_view line = head.substr(pos, eol - pos);
      pos = eol + 2;
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (EqualsLower(name, "content-length"))
        length = std::strtoull(std::string(value).c_str(), nullptr, 10);
      else if (EqualsLower(name, "x-ms-ccf-transaction-id"))
        out->txid = value;
      else if (EqualsLower(name, "transfer-encoding"))
        return -1;
    }
    if (buf_.size() < end + 4 + length) return 0;
    out->body = std::string_view(buf_.data() + end + 4, length);
    consumed_ = end + 4 + length;
    return 1;
  }

 private:
  static bool EqualsLower(std::string_view a, std::string_view lower) {
    if (a.size() != lower.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(a[i])) != lower[i]) return false;
    return true;
  }
  std::string buf_;
  size_t consumed_ = 0;
};

struct TlsFiles {
  std::string cacert, cert, key;
};

// One TLS connection (blocking socket) that pipelines requests.
class PipelinedClient {
 public:
  PipelinedClient() = default;
  ~PipelinedClient() { Close(); }
  PipelinedClient(const PipelinedClient&) = delete;
  PipelinedClient& operator=(const PipelinedClient&) = delete;

  // Empty on success, else what failed.
  std::string Connect(unsigned short port, const TlsFiles& files) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (SSL_CTX_load_verify_locations(ctx_, files.cacert.c_str(), nullptr) != 1 ||
        SSL_CTX_use_certificate_file(ctx_, files.cert.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, files.key.c_str(), SSL_FILETYPE_PEM) != 1)
      return "cannot load TLS files for " + files.cert;
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return "connect failed";
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    timeval timeout{30, 0};  // a wedged server fails the run instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    static const unsigned char kAlpn[] = "\x08http/1.1";
    SSL_set_alpn_protos(ssl_, kAlpn, sizeof(kAlpn) - 1);
    if (SSL_connect(ssl_) != 1) return "TLS handshake failed";
    return {};
  }

  // Sends requests made by make(i, &out) for i in [0, count) with at most
  // `window` unanswered, pacing sends to one per `interval` when it is
  // nonzero, until `deadline`. Calls done(i, response, latency_ms) in order.
  // Returns how many were answered, or -1 on a connection/protocol error.
  using Make = std::function<void(long i, std::string* out)>;
  using Done = std::function<void(long i, const ResponseView& response, double latency_ms)>;
  long Run(long count, int window, Clock::duration interval, Clock::time_point deadline, const Make& make,
           const Done& done) {
    std::deque<Clock::time_point> sent;
    long next = 0, answered = 0;
    const Clock::time_point start = Clock::now();
    std::string out;
    char buf[64 << 10];
    while (answered < next || next < count) {
      const Clock::time_point now = Clock::now();
      out.clear();
      while (next < count && static_cast<int>(sent.size()) < window && now < deadline &&
             (interval.count() == 0 || start + interval * next <= now)) {
        make(next++, &out);
        sent.push_back(now);
      }
      if (now >= deadline) count = next;  // stop sending; drain what is in flight
      if (!out.empty() && !WriteAll(out)) return -1;
      if (sent.empty()) {
        if (next >= count) break;
        std::this_thread::sleep_until(start + interval * next);
        continue;
      }
      if (SSL_pending(ssl_) == 0 && interval.count() != 0 && next < count &&
          static_cast<int>(sent.size()) < window) {
        // Wait for a response, or until the next request is due (rounded
        // up: a zero timeout would spin).
        auto wait = std::chrono::ceil<std::chrono::milliseconds>(start + interval * next - now).count();
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::max<long>(0, wait))) == 0) continue;
      }
      int n = SSL_read(ssl_, buf, sizeof(buf));
      if (n <= 0) return -1;
      parser_.Feed(buf, static_cast<size_t>(n));
      ResponseView response;
      int r;
      while ((r = parser_.Next(&response)) == 1) {
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent.front()).count();
        sent.pop_front();
        done(answered++, response, ms);
      }
      if (r < 0) return -1;
    }
    return answered;
  }

 private:
  bool WriteAll(std::string_view data) {
    while (!data.empty()) {
      int n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  void Close() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    ssl_ = nullptr;
    ctx_ = nullptr;
    fd_ = -1;
  }

  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  ResponseParser parser_;
};

}  // namespace bench
