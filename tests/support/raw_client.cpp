#include "support/raw_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace bank::test {

namespace {

using Clock = std::chrono::steady_clock;

// Short enough that deadlines are kept, long enough not to spin.
constexpr int kPollMillis = 50;

std::string OpensslError() {
  char text[256] = "";
  unsigned long e = ERR_get_error();
  if (e != 0) ERR_error_string_n(e, text, sizeof(text));
  ERR_clear_error();
  return text;
}

// With SO_RCVTIMEO a blocked read returns EAGAIN: OpenSSL says WANT_READ.
bool Retryable(SSL* ssl, int rc) {
  int err = SSL_get_error(ssl, rc);
  return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
}

}  // namespace

RawTlsContext::RawTlsContext(const std::string& cacert, int max_version) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) throw std::runtime_error("SSL_CTX_new failed");
  if (max_version != 0) SSL_CTX_set_max_proto_version(ctx_, max_version);
  if (SSL_CTX_load_verify_locations(ctx_, cacert.c_str(), nullptr) != 1)
    throw std::runtime_error("cannot load " + cacert + ": " + OpensslError());
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
}

RawTlsContext::~RawTlsContext() { SSL_CTX_free(ctx_); }

RawConnection::RawConnection(unsigned short port) {
  ::signal(SIGPIPE, SIG_IGN);
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int saved = errno;
    ::close(fd_);
    throw std::runtime_error(std::string("connect: ") + std::strerror(saved));
  }
  timeval tv{0, kPollMillis * 1000};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  timeval send_tv{10, 0};  // a peer that stops reading must not hang the test
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &send_tv, sizeof(send_tv));
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

RawConnection::~RawConnection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::Handshake(const RawTlsContext& context, std::chrono::milliseconds deadline,
                              std::string* error) {
  ssl_ = SSL_new(context.get());
  SSL_set_fd(ssl_, fd_);
  SSL_set1_host(ssl_, "127.0.0.1");
  const auto end = Clock::now() + deadline;
  while (true) {
    int rc = SSL_connect(ssl_);
    if (rc == 1) return true;
    if (!Retryable(ssl_, rc) || Clock::now() > end) {
      if (error) *error = "handshake failed: " + OpensslError();
      return false;
    }
  }
}

bool RawConnection::Renegotiate(std::chrono::milliseconds deadline) {
  if (SSL_renegotiate(ssl_) != 1) return false;
  const auto end = Clock::now() + deadline;
  while (Clock::now() < end) {
    int rc = SSL_do_handshake(ssl_);
    if (rc == 1 && SSL_renegotiate_pending(ssl_) == 0) return true;
    if (rc != 1 && !Retryable(ssl_, rc)) return false;
    // The server answers the new ClientHello only when it reads: read.
    char byte;
    int n = SSL_read(ssl_, &byte, 1);
    if (n <= 0 && !Retryable(ssl_, n)) return false;
  }
  return false;
}

bool RawConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    long n;
    if (ssl_ != nullptr) {
      int rc = SSL_write(ssl_, bytes.data(), static_cast<int>(std::min<size_t>(bytes.size(), 1 << 20)));
      if (rc <= 0) {
        if (Retryable(ssl_, rc)) continue;
        return false;
      }
      n = rc;
    } else {
      n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

long RawConnection::ReadSome(char* data, size_t size) {
  if (ssl_ != nullptr) {
    int rc = SSL_read(ssl_, data, static_cast<int>(size));
    if (rc > 0) return rc;
    if (Retryable(ssl_, rc)) return -1;
    ERR_clear_error();
    return 0;  // close_notify, EOF, reset or a protocol failure: closed
  }
  ssize_t n = ::recv(fd_, data, size, 0);
  if (n > 0) return n;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return -1;
  return 0;
}

std::string RawConnection::ReadUntil(std::string_view marker, std::chrono::milliseconds deadline,
                                     size_t count) {
  std::string got;
  char buffer[16384];
  const auto end = Clock::now() + deadline;
  while (CountOf(got, marker) < count && Clock::now() < end) {
    long n = ReadSome(buffer, sizeof(buffer));
    if (n == 0) break;
    if (n > 0) got.append(buffer, static_cast<size_t>(n));
  }
  return got;
}

bool RawConnection::WaitClosed(std::chrono::milliseconds deadline) {
  char buffer[16384];
  const auto end = Clock::now() + deadline;
  while (Clock::now() < end)
    if (ReadSome(buffer, sizeof(buffer)) == 0) return true;
  return false;
}

size_t CountOf(std::string_view haystack, std::string_view needle) {
  size_t count = 0;
  for (size_t at = haystack.find(needle); at != std::string_view::npos; at = haystack.find(needle, at + 1))
    ++count;
  return count;
}

}  // namespace bank::test
