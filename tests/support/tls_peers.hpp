// TLS peers for HttpClient's tests, on loopback: a test PKI made by
// libbank as bankd makes it (a service CA, a node certificate for IP
// 127.0.0.1, a client identity as keygenerator.sh, an unrelated CA),
// `openssl s_server -WWW` (an independent implementation), and a small
// scripted HTTPS/1.1 peer for what s_server cannot do: keep-alive, 503s,
// dropped connections, silence.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bank/certificate.hpp"
#include "bank/hash.hpp"
#include "bank/http_client.hpp"
#include "bank/identity.hpp"
#include "support/temp_dir.hpp"

namespace bank::test {

inline void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// The service CA, a node certificate for 127.0.0.1 issued by it, a client
// identity, and an unrelated CA.
struct Pki {
  TempDir dir;
  std::string ca = dir / "service_cert.pem";
  std::string other_ca = dir / "other_service_cert.pem";
  std::string node_cert = dir / "node_cert.pem";
  std::string node_key = dir / "node_privk.pem";
  std::string client_cert, client_key, client_id;

  Pki() {
    auto ca_key = PrivateKey::GenerateEc(Curve::kP384);
    REQUIRE(ca_key.ok());
    CertificateSpec ca_spec;
    ca_spec.common_name = "CCF Service";
    ca_spec.is_ca = true;
    ca_spec.path_length = 0;
    auto ca_cert = Certificate::SelfSigned(*ca_key, ca_spec);
    REQUIRE(ca_cert.ok());
    WriteText(ca, ca_cert->Pem());

    auto node_key_r = PrivateKey::GenerateEc(Curve::kP384);
    REQUIRE(node_key_r.ok());
    CertificateSpec node_spec;
    node_spec.common_name = "CCF Node";
    node_spec.subject_alt_names = {"IP:127.0.0.1"};
    auto node = Certificate::Issue(node_key_r->Public(), node_spec, *ca_cert, *ca_key);
    REQUIRE(node.ok());
    WriteText(node_cert, node->Pem());
    WriteText(node_key, node_key_r->Pem());

    auto other_key = PrivateKey::GenerateEc(Curve::kP384);
    REQUIRE(other_key.ok());
    auto other = Certificate::SelfSigned(*other_key, ca_spec);
    REQUIRE(other.ok());
    WriteText(other_ca, other->Pem());

    KeygenOptions k;
    k.name = "user0";
    k.directory = dir.path().string();
    auto user = GenerateIdentity(k);
    REQUIRE(user.ok());
    client_cert = user->cert_path;
    client_key = user->privk_path;
    client_id = user->id;
  }

  TlsConfig Config(int port, bool with_client_cert = true) const {
    TlsConfig c;
    c.server = "https://127.0.0.1:" + std::to_string(port);
    c.cacert_path = ca;
    if (with_client_cert) {
      c.cert_path = client_cert;
      c.key_path = client_key;
    }
    c.timeout = std::chrono::seconds(20);
    return c;
  }
};

// `openssl s_server -WWW` serving `dir`, requiring a client certificate.
class OpensslServer {
 public:
  OpensslServer(const Pki& pki, const std::string& dir) {
    // Port 0: the kernel picks one; s_server prints "ACCEPT 127.0.0.1:PORT".
    int out[2];
    REQUIRE(::pipe(out) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      if (::chdir(dir.c_str()) != 0) ::_exit(126);
      int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0), ::dup2(out[1], 1), ::dup2(null, 2);
      ::execlp("openssl", "openssl", "s_server", "-WWW", "-Verify", "1", "-cert", pki.node_cert.c_str(),
               "-key", pki.node_key.c_str(), "-accept", "127.0.0.1:0", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    // Blocks until s_server has printed its address (it listens by then)
    // or has exited (end of file); other lines come before it.
    std::string line, said;
    char c;
    while (line.rfind("ACCEPT ", 0) != 0) {
      said += line;
      line.clear();
      bool more = false;
      while ((more = ::read(out[0], &c, 1) == 1) && c != '\n') line += c;
      if (!more) break;
    }
    out_ = out[0];  // kept open: s_server must not get SIGPIPE on later output
    INFO("openssl s_server said: " << said << line);
    REQUIRE(line.rfind("ACCEPT 127.0.0.1:", 0) == 0);
    port_ = std::stoi(line.substr(line.rfind(':') + 1));
    REQUIRE(port_ > 0);
  }
  ~OpensslServer() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    ::close(out_);
  }
  int port() const { return port_; }

 private:
  int port_ = 0;
  int out_ = -1;
  pid_t pid_ = -1;
};

struct SeenRequest {
  std::string method, target, body;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string client_id;                       // CCF id of the client certificate, "" if none
  int connection = 0;
};

// What the scripted peer does with a request.
struct Reply {
  enum Kind { kSend, kDrop, kHang } kind = kSend;
  std::string raw;
};

inline Reply Http(int status, const std::string& reason, const std::string& body = "",
                  const std::string& extra_headers = "") {
  return {Reply::kSend, "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body};
}

// An HTTPS/1.1 server with keep-alive whose answers a test scripts.
class ScriptedPeer {
 public:
  using Handler = std::function<Reply(const SeenRequest&)>;

  ScriptedPeer(const Pki& pki, Handler handler) : handler_(std::move(handler)) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    REQUIRE(SSL_CTX_use_certificate_file(ctx_, pki.node_cert.c_str(), SSL_FILETYPE_PEM) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(ctx_, pki.node_key.c_str(), SSL_FILETYPE_PEM) == 1);
    // Ask for a client certificate, accept any (as CCF: identity is checked
    // by the application, not by the chain).
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
    // Needed to resume sessions when client certificates are requested;
    // libcurl resumes on its next connection.
    static const unsigned char kContext[] = "bank-test";
    SSL_CTX_set_session_id_context(ctx_, kContext, sizeof(kContext) - 1);
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    REQUIRE(::listen(listen_fd_, 16) == 0);
    socklen_t len = sizeof(a);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }

  ~ScriptedPeer() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : workers_) t.join();
    ::close(listen_fd_);
    SSL_CTX_free(ctx_);
  }

  int port() const { return port_; }
  int connections() const { return connections_; }
  std::vector<SeenRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      int n = ++connections_;
      std::lock_guard<std::mutex> lock(mu_);
      open_fds_.push_back(fd);
      workers_.emplace_back([this, fd, n] { Serve(fd, n); });
    }
  }

  void Serve(int fd, int connection) {
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      std::string client_id;
      if (X509* peer = SSL_get1_peer_certificate(ssl)) {
        unsigned char* der = nullptr;
        int len = i2d_X509(peer, &der);
        client_id = DigestHex(Sha256(std::span<const uint8_t>(der, static_cast<size_t>(len))));
        OPENSSL_free(der);
        X509_free(peer);
      }
      std::string buffer;
      SeenRequest request;
      while (ReadRequest(ssl, &buffer, &request)) {
        request.client_id = client_id;
        request.connection = connection;
        {
          std::lock_guard<std::mutex> lock(mu_);
          requests_.push_back(request);
        }
        Reply reply = handler_(request);
        if (reply.kind == Reply::kDrop) break;
        if (reply.kind == Reply::kHang) {
          char sink[256];
          while (SSL_read(ssl, sink, sizeof(sink)) > 0) {
          }
          break;
        }
        if (SSL_write(ssl, reply.raw.data(), static_cast<int>(reply.raw.size())) <= 0) break;
      }
    }
    SSL_free(ssl);
    std::lock_guard<std::mutex> lock(mu_);
    std::erase(open_fds_, fd);
    ::close(fd);
  }

  // One request (headers and Content-Length body) from the connection.
  static bool ReadRequest(SSL* ssl, std::string* buffer, SeenRequest* out) {
    char chunk[4096];
    size_t end;
    while ((end = buffer->find("\r\n\r\n")) == std::string::npos) {
      int n = SSL_read(ssl, chunk, sizeof(chunk));
      if (n <= 0) return false;
      buffer->append(chunk, static_cast<size_t>(n));
    }
    *out = SeenRequest{};
    std::string head = buffer->substr(0, end);
    buffer->erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    std::string request_line = head.substr(0, line_end);
    size_t sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
    out->method = request_line.substr(0, sp1);
    out->target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t next = head.find("\r\n", pos);
      if (next == std::string::npos) next = head.size();
      std::string line = head.substr(pos, next - pos);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t v = line.find_first_not_of(' ', colon + 1);
      out->headers[name] = v == std::string::npos ? "" : line.substr(v);
      pos = next + 2;
    }
    size_t length = out->headers.count("content-length") ? std::stoul(out->headers["content-length"]) : 0;
    while (buffer->size() < length) {
      int n = SSL_read(ssl, chunk, sizeof(chunk));
      if (n <= 0) return false;
      buffer->append(chunk, static_cast<size_t>(n));
    }
    out->body = buffer->substr(0, length);
    buffer->erase(0, length);
    return true;
  }

  Handler handler_;
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
  std::vector<SeenRequest> requests_;
};

}  // namespace bank::test
