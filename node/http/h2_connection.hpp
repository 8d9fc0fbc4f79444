// The HTTP/2 side of a connection (RFC 9113), on nghttp2, independent of
// the transport: the server feeds it the bytes it read and writes out the
// bytes it produces. Requests on all streams go to the same handler as
// HTTP/1.1 ones, one at a time, in the order their last frame arrived;
// many streams in flight on one connection is what HTTP/2 is for.
//
// Limits as on HTTP/1.1: a request body above max_body_size gets CCF's 413
// RequestBodyTooLarge, a header block above max_header_size 431
// RequestHeaderTooLarge (the stream is answered, the connection stays).
// A protocol error ends the connection (nghttp2 sends GOAWAY first).
// SETTINGS announce CCF's HTTP/2 limits (H2Limits): concurrent streams,
// initial window and frame size, header list size; nghttp2 refuses
// streams beyond the first (RST_STREAM REFUSED_STREAM).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http/message.hpp"

struct nghttp2_session;

namespace bankd::http {

struct H2Limits {
  uint64_t max_body_size = 1 << 20;
  uint32_t max_header_size = 16 << 10;
  uint32_t max_concurrent_streams_count = 100;
  uint32_t initial_window_size = 64 << 10;
  uint32_t max_frame_size = 16 << 10;  // 16 KB .. 16 MB (RFC 9113)
};

class H2Connection {
 public:
  using Handler = std::function<Response(Request&)>;
  H2Connection(const Handler& handler, std::shared_ptr<const ClientCertificate> client_cert,
               const H2Limits& limits);
  ~H2Connection();
  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

  // Consumes received bytes and answers every request they complete.
  // False: protocol error, close after sending what TakeOutput gives.
  bool Receive(const char* data, size_t size);
  // Appends the bytes to send (settings, responses, GOAWAY) to *out.
  void TakeOutput(std::string* out);
  // Neither side has anything more to say (GOAWAY exchanged).
  bool Finished() const;
  // Sends GOAWAY: no new streams (server stopping).
  void Shutdown();

  // nghttp2 callbacks (public for the C trampolines only).
  struct Stream {
    Request request;
    uint32_t header_bytes = 0;
    bool too_large_header = false, too_large_body = false;
    std::string response_body;
    size_t sent = 0;
  };
  Stream* StreamFor(int32_t id);
  void OnRequestComplete(int32_t id);
  void OnStreamClose(int32_t id) { streams_.erase(id); }
  uint64_t max_body_size() const { return max_body_size_; }
  uint32_t max_header_size() const { return max_header_size_; }

 private:
  void Answer(int32_t id, Stream& stream);

  const Handler& handler_;
  std::shared_ptr<const ClientCertificate> client_cert_;
  const uint64_t max_body_size_;
  const uint32_t max_header_size_;
  nghttp2_session* session_ = nullptr;
  std::map<int32_t, std::unique_ptr<Stream>> streams_;
  std::vector<int32_t> complete_;  // streams whose request arrived, in order
};

}  // namespace bankd::http
