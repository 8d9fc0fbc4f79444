// The TLS + HTTP/1.1 server (Boost.Beast over Asio, OpenSSL).
//
//  - One TLS context for the process, built once from the node certificate.
//    Client certificates are requested but never chain-validated: identity
//    is decided per request by the auth policies, as CCF does.
//  - Keep-alive connections with HTTP/1.1 pipelining: the requests of a
//    connection are answered in the order they arrived, one at a time; all
//    complete requests read so far are answered before the responses go out
//    in one write. Handlers run on the worker threads (a connection's on one
//    at a time).
//  - Bounded requests: a body above max_body_size gets CCF's 413
//    RequestBodyTooLarge, a header block above max_header_size (or with
//    more than max_headers_count fields) 431 RequestHeaderTooLarge,
//    unparseable input a 400; the connection closes after the answer.
//  - Bounded connections, as CCF's RPC sessions: past
//    max_open_sessions_soft open connections a new one completes its
//    handshake and is answered 503 SessionCapExhausted at its first
//    request, then closed; past max_open_sessions_hard it is closed at
//    once. The acceptor backs off (it does not spin) when the process is
//    out of file descriptors.
//  - Slow and idle clients: a request's header block must arrive within
//    header_timeout of its first byte (slowloris), and a connection with
//    nothing to do for idle_timeout is closed; either closes without an
//    answer, as nginx's client_header_timeout does. Handshakes get 10 s.
//    Garbage before or during the handshake ends the connection.
//  - Bounded memory per connection whatever the client does: reads are
//    small while a connection is idle (its buffers shrink back, OpenSSL
//    releases its own with SSL_MODE_RELEASE_BUFFERS), a request is at most
//    max_header_size + max_body_size, answers are written in batches of at
//    most 1 MB and nothing more is read while they are written, so a
//    client that sends 10,000 requests without reading the answers only
//    stalls itself. TLS renegotiation is refused (SSL_OP_NO_RENEGOTIATION).
//  - Stop() (or SIGTERM/SIGINT while Run() is active) stops accepting,
//    lets in-flight requests finish, closes idle connections, and makes
//    Run() return; stragglers are cut after a short grace period.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "bank/certificate.hpp"
#include "bank/key.hpp"
#include "bank/status.hpp"
#include "http/message.hpp"

namespace bankd::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8000;  // 0: any free port (see Server::port())
  bank::Certificate certificate;
  bank::PrivateKey key;
  // CCF's http_configuration, with CCF's defaults; the last three apply
  // to HTTP/2 only.
  uint64_t max_body_size = 1 << 20;
  uint32_t max_header_size = 16 << 10;
  uint32_t max_headers_count = 256;
  uint32_t max_concurrent_streams_count = 100;
  uint32_t initial_window_size = 64 << 10;
  uint32_t max_frame_size = 16 << 10;
  // CCF's max_open_sessions_soft / _hard, with CCF's defaults.
  size_t max_open_sessions_soft = 1000;
  size_t max_open_sessions_hard = 1010;
  int threads = 1;
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::seconds shutdown_grace{5};
};

using Handler = std::function<Response(Request&)>;

class Server {
 public:
  // Builds the TLS context and binds the address (so a busy port fails here).
  static bank::Result<std::unique_ptr<Server>> Listen(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const;
  // Serves on `threads` threads (the caller's included) until stopped.
  // With handle_signals, SIGTERM and SIGINT stop the server.
  void Run(bool handle_signals);
  // Thread-safe, idempotent.
  void Stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bankd::http
