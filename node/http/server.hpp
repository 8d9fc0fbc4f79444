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
//    RequestBodyTooLarge, a header block above max_header_size 431
//    RequestHeaderTooLarge, unparseable input a 400; the connection closes.
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
  uint64_t max_body_size = 1 << 20;
  uint32_t max_header_size = 16 << 10;
  int threads = 2;
  std::chrono::seconds idle_timeout{120};
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
