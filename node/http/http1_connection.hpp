// The HTTP/1.1 side of a connection, independent of the transport (as
// H2Connection is for HTTP/2): the server hands it the bytes it has read
// and not yet consumed; it parses the complete requests among them
// (Boost.Beast's parser, body read eagerly), turns each into a Request,
// answers it and appends the response in wire form. Keep-alive and
// pipelining: requests are answered one at a time, in the order they
// arrived; bytes of the next request stay unconsumed until they complete
// it.
//
// Limits, CCF's: a body above max_body_size gets CCF's 413
// RequestBodyTooLarge, a header block above max_header_size or with more
// than max_headers_count fields 431 RequestHeaderTooLarge, unparseable
// input a 400; the connection closes after any of them. So does it after a
// request that asks for it (Connection: close, HTTP/1.0 without
// keep-alive), or once `stopping` is set.
//
// Time is the transport's: it owns the idle and header timeouts, and asks
// InRequest() and InHeader() where a request stands (a slowloris client
// trickles a header block in, each byte restarting an idle timer).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/message.hpp"

namespace bankd::http {

struct Http1Limits {
  uint64_t max_body_size = 1 << 20;
  uint32_t max_header_size = 16 << 10;
  uint32_t max_headers_count = 256;
};

class Http1Connection {
 public:
  using Handler = std::function<Response(Request&)>;
  // `stopping` is read before each answer: once it is set, the response
  // says connection: close and the connection closes after it.
  Http1Connection(const Handler& handler, std::shared_ptr<const ClientCertificate> client_cert,
                  const Http1Limits& limits, const std::atomic<bool>& stopping);
  ~Http1Connection();
  Http1Connection(const Http1Connection&) = delete;
  Http1Connection& operator=(const Http1Connection&) = delete;

  struct Progress {
    size_t used = 0;      // bytes consumed: the rest is to be handed in again, then what arrives next
    size_t requests = 0;  // complete requests taken, answered or refused
    bool close = false;   // close the connection once the output is sent
  };
  // Answers the complete requests in data[0, size), appending their
  // responses to *out, until more input is needed, *out holds max_out
  // bytes, or the connection is to close.
  Progress Process(const char* data, size_t size, size_t max_out, std::string* out);

  // Bytes of a request that is not complete have arrived (kept by the
  // parser or left unconsumed by the last Process).
  bool InRequest() const;
  // ... and its header block is not complete yet.
  bool InHeader() const;

  // Appends `response` in HTTP/1.1 wire form, saying that the connection
  // closes after it (also for a refusal of the transport's own).
  static void AppendClosing(const Response& response, std::string* out);

 private:
  struct Parser;
  const Handler& handler_;
  std::shared_ptr<const ClientCertificate> client_cert_;
  const Http1Limits limits_;
  const std::atomic<bool>& stopping_;
  std::unique_ptr<Parser> parser_;  // allocated once; holds the request being read, if any
  bool unparsed_ = false;           // the last Process left bytes that no parser has seen
};

}  // namespace bankd::http
