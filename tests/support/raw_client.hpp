// Raw connections to a server on 127.0.0.1, for tests that must behave
// badly on purpose (hostile_clients_test): a plain TCP socket the test
// writes anything to, optionally upgraded to a TLS session (OpenSSL, no
// client certificate) that the test drives byte by byte, including a
// client-initiated renegotiation. Blocking sockets with a short receive
// timeout, so every wait here is a poll with a deadline. SIGPIPE is ignored
// process-wide once a connection is made (writes to a closed peer fail
// instead of killing the test).
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace bank::test {

// One client TLS context trusting `cacert` (shared by many connections).
class RawTlsContext {
 public:
  // `max_version`: e.g. TLS1_2_VERSION (renegotiation exists only there);
  // 0: the library's maximum. Throws std::runtime_error.
  explicit RawTlsContext(const std::string& cacert, int max_version = 0);
  ~RawTlsContext();
  RawTlsContext(const RawTlsContext&) = delete;
  RawTlsContext& operator=(const RawTlsContext&) = delete;
  SSL_CTX* get() const { return ctx_; }

 private:
  SSL_CTX* ctx_ = nullptr;
};

class RawConnection {
 public:
  // Connects over TCP; throws std::runtime_error when it cannot.
  explicit RawConnection(unsigned short port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // TLS handshake over the connection; false (and why in *error) when it
  // fails or takes longer than `deadline`.
  bool Handshake(const RawTlsContext& context, std::chrono::milliseconds deadline,
                 std::string* error = nullptr);
  // Client-initiated renegotiation (TLS 1.2): true only when it completed.
  bool Renegotiate(std::chrono::milliseconds deadline);

  // Writes all of `bytes` (through TLS after Handshake); false when the
  // peer closed or reset the connection.
  bool Send(std::string_view bytes);
  // Reads what arrives until `marker` has been seen `count` times, the
  // peer closes, or `deadline` passes; returns everything read.
  std::string ReadUntil(std::string_view marker, std::chrono::milliseconds deadline, size_t count = 1);
  // Reads (and drops) until the peer closes or resets the connection;
  // true when it did within `deadline`.
  bool WaitClosed(std::chrono::milliseconds deadline);

 private:
  // One read: > 0 bytes, 0 on close/reset, -1 when nothing came yet.
  long ReadSome(char* data, size_t size);

  int fd_ = -1;
  SSL* ssl_ = nullptr;
};

// How often `haystack` contains `needle`.
size_t CountOf(std::string_view haystack, std::string_view needle);

}  // namespace bank::test
