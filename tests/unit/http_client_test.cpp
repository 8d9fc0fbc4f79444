// HttpClient against real TLS peers on loopback:
//  - `openssl s_server -WWW -Verify 1`, an independent implementation, for
//    CA pinning, host name checks and the client certificate handshake;
//  - a small scripted HTTPS/1.1 peer (OpenSSL, in this file) for what
//    s_server cannot do: keep-alive, 503s, dropped connections, silence.
// Certificates are made by libbank as bankd makes them: a service CA, a node
// certificate it issues for IP 127.0.0.1, client identities as keygenerator.sh.
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
#include <mutex>
#include <thread>

#include "bank/banking_client.hpp"
#include "bank/certificate.hpp"
#include "bank/hash.hpp"
#include "bank/http_client.hpp"
#include "bank/identity.hpp"
#include "support/ports.hpp"
#include "support/temp_dir.hpp"

using namespace bank;
using bank::test::TempDir;

namespace {

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

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
  std::string client_id;                        // CCF id of the client certificate, "" if none
  int connection = 0;
};

// What the scripted peer does with a request.
struct Reply {
  enum Kind { kSend, kDrop, kHang } kind = kSend;
  std::string raw;
};

Reply Http(int status, const std::string& reason, const std::string& body = "",
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

RetryPolicy FastRetry(int attempts) {
  RetryPolicy r;
  r.max_attempts = attempts;
  r.initial_backoff = std::chrono::milliseconds(1);
  return r;
}

}  // namespace

TEST_CASE("keygenerator-style keys start with EC PARAMETERS (the format the transport must load)", "[http]") {
  Pki pki;
  auto key = ReadFile(pki.client_key);
  REQUIRE(key.ok());
  CHECK(key->starts_with("-----BEGIN EC PARAMETERS-----"));
}

TEST_CASE("s_server: the service CA is trusted and the client certificate is presented", "[http]") {
  Pki pki;
  TempDir www;
  WriteText(www / "hello.txt", "hello from s_server\n");
  OpensslServer server(pki, www.path().string());

  auto client = HttpClient::Create(pki.Config(server.port()));
  REQUIRE(client.ok());
  auto r = client->Get("/hello.txt");
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body == "hello from s_server\n");
  CHECK(r->header("content-type") == "text/plain");
}

TEST_CASE("s_server: a different CA fails with kNetwork naming the server", "[http]") {
  Pki pki;
  TempDir www;
  OpensslServer server(pki, www.path().string());
  TlsConfig config = pki.Config(server.port());
  config.cacert_path = pki.other_ca;
  auto client = HttpClient::Create(config, FastRetry(1));
  REQUIRE(client.ok());
  auto r = client->Get("/hello.txt");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kNetwork);
  CHECK(r.status().message().find(config.server) != std::string::npos);
  CHECK(r.status().message().find('\n') == std::string::npos);
  CHECK(r.status().message().find("not trusted") != std::string::npos);
}

TEST_CASE("s_server: no client certificate, no response", "[http]") {
  Pki pki;
  TempDir www;
  WriteText(www / "hello.txt", "hello");
  OpensslServer server(pki, www.path().string());
  auto client = HttpClient::Create(pki.Config(server.port(), /*with_client_cert=*/false), FastRetry(1));
  REQUIRE(client.ok());
  auto r = client->Get("/hello.txt");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kNetwork);
}

TEST_CASE("s_server: the host name is checked (certificate is for IP 127.0.0.1, not localhost)", "[http]") {
  Pki pki;
  TempDir www;
  WriteText(www / "hello.txt", "hello");
  OpensslServer server(pki, www.path().string());
  TlsConfig config = pki.Config(server.port());
  config.server = "https://localhost:" + std::to_string(server.port());
  auto client = HttpClient::Create(config, FastRetry(1));
  REQUIRE(client.ok());
  auto r = client->Get("/hello.txt");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kNetwork);
  CHECK(r.status().message().find("host name") != std::string::npos);
}

TEST_CASE("connection refused is kNetwork naming the server, after bounded retries", "[http]") {
  Pki pki;
  bank::test::RefusingPort refusing;  // bound, not listening
  TlsConfig config = pki.Config(refusing.port());
  auto client = HttpClient::Create(config, FastRetry(3));
  REQUIRE(client.ok());
  auto r = client->Get("/app/commit");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kNetwork);
  CHECK(r.status().message().find(config.server) != std::string::npos);
  CHECK(r.status().message().find("cannot connect") != std::string::npos);
}

TEST_CASE("Create refuses unusable settings with a clear error", "[http]") {
  Pki pki;
  TlsConfig config = pki.Config(8000);
  SECTION("missing CA file names the file") {
    config.cacert_path = pki.dir / "missing.pem";
    auto c = HttpClient::Create(config);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == Code::kInputFile);
    CHECK(c.status().message().find("missing.pem") != std::string::npos);
  }
  SECTION("certificate without key") {
    config.key_path.clear();
    auto c = HttpClient::Create(config);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == Code::kUsage);
  }
  SECTION("key of another identity") {
    config.key_path = pki.node_key;
    auto c = HttpClient::Create(config);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == Code::kInputFile);
  }
  SECTION("plain http") {
    config.server = "http://127.0.0.1:8000";
    auto c = HttpClient::Create(config);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == Code::kUsage);
  }
}

TEST_CASE("one client keeps its connection alive and presents its certificate", "[http]") {
  Pki pki;
  ScriptedPeer peer(pki, [](const SeenRequest&) {
    return Http(200, "OK", R"({"transaction_id":"2.42"})",
                "Content-Type: application/json\r\nX-MS-CCF-Transaction-Id: 2.42\r\n");
  });
  auto client = HttpClient::Create(pki.Config(peer.port()));
  REQUIRE(client.ok());
  for (int i = 0; i < 5; ++i) {
    auto r = client->Get("/app/commit");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    REQUIRE(r->txid().has_value());
    CHECK(r->txid()->ToString() == "2.42");
    CHECK(r->header("x-ms-ccf-transaction-id") == "2.42");
  }
  CHECK(client->connections_opened() == 1);
  CHECK(peer.connections() == 1);
  auto seen = peer.requests();
  REQUIRE(seen.size() == 5);
  for (const auto& s : seen) {
    CHECK(s.client_id == pki.client_id);
    CHECK(s.connection == 1);
  }
}

TEST_CASE("request shape: method, body, content type, extra headers", "[http]") {
  Pki pki;
  ScriptedPeer peer(pki, [](const SeenRequest&) { return Http(204, "No Content"); });
  auto client = HttpClient::Create(pki.Config(peer.port()));
  REQUIRE(client.ok());

  auto put = client->Request("PUT", "/app/account/abc/savings");
  REQUIRE(put.ok());
  CHECK(put->status == 204);
  auto post = client->PostJson("/app/deposit/abc/savings", {{"value", 100}});
  REQUIRE(post.ok());
  auto get = client->Request("GET", "/app/balance/savings", "", "", {{"X-Test", "yes"}});
  REQUIRE(get.ok());

  auto seen = peer.requests();
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].method == "PUT");
  CHECK(seen[0].headers["content-length"] == "0");
  CHECK(seen[0].headers.count("content-type") == 0);
  CHECK(seen[1].method == "POST");
  CHECK(seen[1].body == R"({"value":100})");
  CHECK(seen[1].headers["content-type"] == "application/json");
  CHECK(seen[1].headers.count("expect") == 0);
  CHECK(seen[2].method == "GET");
  CHECK(seen[2].target == "/app/balance/savings");
  CHECK(seen[2].headers["x-test"] == "yes");
  CHECK(seen[2].body.empty());
  // A POST without Idempotency-Key never rides a reused connection (libcurl
  // would resend it if that connection turned out dead); a GET does.
  CHECK(seen[1].connection != seen[0].connection);
  CHECK(client->connections_opened() == 2);
}

TEST_CASE("503: GET is retried up to the bound, POST only with an Idempotency-Key", "[http]") {
  Pki pki;
  ScriptedPeer peer(pki, [](const SeenRequest&) {
    return Http(503, "Service Unavailable",
                R"({"error":{"code":"ServiceUnavailable","message":"Try again."}})",
                "Content-Type: application/json\r\n");
  });
  auto client = HttpClient::Create(pki.Config(peer.port()), FastRetry(3));
  REQUIRE(client.ok());

  auto get = client->Get("/app/commit");
  REQUIRE(get.ok());  // an HTTP answer, not a transport error
  CHECK(get->status == 503);
  CHECK(get->ToStatus().code() == Code::kNetwork);
  CHECK(peer.requests().size() == 3);

  auto post = client->PostJson("/app/transfer/a", {{"value", 1}});
  REQUIRE(post.ok());
  CHECK(post->status == 503);
  CHECK(peer.requests().size() == 4);

  auto keyed = client->Request("POST", "/app/transfer/a", "{}", "application/json", {{"Idempotency-Key", "k1"}});
  REQUIRE(keyed.ok());
  auto seen = peer.requests();
  REQUIRE(seen.size() == 7);
  for (size_t i = 4; i < 7; ++i) CHECK(seen[i].headers["idempotency-key"] == "k1");
}

TEST_CASE("a dropped connection: GET retried, POST not (it may have been processed)", "[http]") {
  Pki pki;
  std::atomic<int> calls{0};
  ScriptedPeer peer(pki, [&](const SeenRequest&) {
    // Every odd request is dropped without an answer.
    return (++calls % 2 == 1) ? Reply{Reply::kDrop, ""} : Http(200, "OK", "{}");
  });
  auto client = HttpClient::Create(pki.Config(peer.port()), FastRetry(3));
  REQUIRE(client.ok());

  auto get = client->Get("/app/commit");
  INFO(get.status().message());
  REQUIRE(get.ok());
  CHECK(get->status == 200);
  CHECK(peer.requests().size() == 2);

  auto post = client->PostJson("/app/transfer/a", {{"value", 1}});  // request 3: dropped
  REQUIRE_FALSE(post.ok());
  CHECK(post.status().code() == Code::kNetwork);
  CHECK(peer.requests().size() == 3);

  calls = 0;
  auto keyed = client->Request("POST", "/app/transfer/a", "{}", "application/json", {{"Idempotency-Key", "k2"}});
  REQUIRE(keyed.ok());
  CHECK(keyed->status == 200);
  CHECK(peer.requests().size() == 5);
}

TEST_CASE("a silent server times out with kNetwork", "[http]") {
  Pki pki;
  ScriptedPeer peer(pki, [](const SeenRequest&) { return Reply{Reply::kHang, ""}; });
  TlsConfig config = pki.Config(peer.port());
  config.timeout = std::chrono::milliseconds(300);
  auto client = HttpClient::Create(config, FastRetry(3));
  REQUIRE(client.ok());
  auto r = client->Get("/app/commit");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kNetwork);
  CHECK(r.status().message().find("timed out") != std::string::npos);
  CHECK(r.status().message().find(config.server) != std::string::npos);
  CHECK(peer.requests().size() == 1);  // a timeout is not retried
}

TEST_CASE("Response: CCF error bodies become one-line statuses with the right code", "[http]") {
  Response r;
  r.status = 401;
  r.body = R"({"error":{"code":"InvalidAuthenticationInfo","message":"Invalid authentication credentials.",)"
           R"("details":[{"auth_policy":"user_cert","code":"InvalidAuthenticationInfo",)"
           R"("message":"Could not find matching user certificate"}]}})";
  auto e = r.ccf_error();
  REQUIRE(e.has_value());
  CHECK(e->code == "InvalidAuthenticationInfo");
  CHECK(e->details.is_array());
  Status s = r.ToStatus();
  CHECK(s.code() == Code::kAuth);
  CHECK(s.message() ==
        "401 InvalidAuthenticationInfo: Invalid authentication credentials. (Could not find matching user certificate)");

  r.status = 404;
  r.body = R"({"error":{"code":"ResourceNotFound","message":"Unknown path: /app/x."}})";
  CHECK(r.ToStatus().code() == Code::kNotFound);
  CHECK(r.ToStatus().message() == "404 ResourceNotFound: Unknown path: /app/x.");

  r.status = 400;
  r.body = "Balance is not enough\n";  // the JS sample's plain-text error
  CHECK_FALSE(r.ccf_error().has_value());
  CHECK(r.ToStatus().code() == Code::kRejected);
  CHECK(r.ToStatus().message() == "400: Balance is not enough");

  r.status = 403;
  r.body.clear();
  r.reason = "Forbidden";
  CHECK(r.ToStatus().code() == Code::kAuth);
  CHECK(r.ToStatus().message() == "403 Forbidden");

  r.status = 500;
  r.body = "line one\nline two";
  CHECK(r.ToStatus().code() == Code::kNetwork);
  CHECK(r.ToStatus().message().find('\n') == std::string::npos);

  r.status = 204;
  CHECK(r.ToStatus().ok());
}

TEST_CASE("Response: transaction id and JSON accessors are strict", "[http]") {
  Response r;
  r.headers["x-ms-ccf-transaction-id"] = "2.18";
  REQUIRE(r.txid().has_value());
  CHECK(r.txid()->seqno == 18);
  r.headers["x-ms-ccf-transaction-id"] = "2.x";
  CHECK_FALSE(r.txid().has_value());
  r.body = "not json";
  CHECK(r.json().status().code() == Code::kRejected);
  r.body = R"({"balance": 5})";
  REQUIRE(r.json().ok());
  CHECK((*r.json())["balance"] == 5);
}

TEST_CASE("BankingClient: a service without bankd's endpoints is named plainly", "[http][banking]") {
  Pki pki;
  ScriptedPeer peer(pki, [](const SeenRequest& r) {
    return Http(404, "Not Found",
                R"({"error":{"code":"ResourceNotFound","message":"Unknown path: )" + r.target + R"(."}})",
                "Content-Type: application/json\r\n");
  });
  auto http = HttpClient::Create(pki.Config(peer.port()));
  REQUIRE(http.ok());
  BankingClient bank(&*http);
  auto history = bank.History("savings");
  REQUIRE_FALSE(history.ok());
  CHECK(history.status().code() == Code::kNotFound);
  CHECK(history.status().message() == "this service does not provide account history (it is not bankd)");
  CHECK(bank.ListAccounts().status().message().find("(it is not bankd)") != std::string::npos);
  // The seed API is not an extension: its 404 stays CCF's own message.
  auto balance = bank.Balance("savings");
  CHECK(balance.status().code() == Code::kNotFound);
  CHECK(balance.status().message().starts_with("404 ResourceNotFound: Unknown path"));
}

TEST_CASE("BankingClient: a money operation is retried with the same Idempotency-Key", "[http][banking]") {
  Pki pki;
  std::atomic<int> calls{0};
  ScriptedPeer peer(pki, [&](const SeenRequest&) {
    // The first attempt is lost after reaching the server; the retry succeeds.
    return ++calls == 1 ? Reply{Reply::kDrop, ""}
                        : Http(204, "No Content", "", "x-ms-ccf-transaction-id: 2.7\r\n");
  });
  auto http = HttpClient::Create(pki.Config(peer.port()), FastRetry(3));
  REQUIRE(http.ok());
  BankingClient bank(&*http);
  auto txid = bank.Deposit(std::string(64, 'a'), "savings account", 100);
  INFO(txid.status().message());
  REQUIRE(txid.ok());
  CHECK(txid->ToString() == "2.7");
  auto seen = peer.requests();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].target == "/app/deposit/" + std::string(64, 'a') + "/savings%20account");
  CHECK(seen[0].body == R"({"value":100})");
  CHECK(seen[0].headers["idempotency-key"].size() == 32);
  CHECK(seen[0].headers["idempotency-key"] == seen[1].headers["idempotency-key"]);

  // A new operation gets a new key.
  REQUIRE(bank.Transfer("savings account", std::string(64, 'b'), "x", 1).ok());
  auto after = peer.requests();
  REQUIRE(after.size() == 3);
  CHECK(after[2].headers["idempotency-key"] != seen[0].headers["idempotency-key"]);
}

TEST_CASE("BankingClient: malformed answers and dates", "[http][banking]") {
  CHECK(IsIsoDate("2024-02-29"));
  CHECK_FALSE(IsIsoDate("2023-02-29"));
  CHECK_FALSE(IsIsoDate("2024-13-01"));
  CHECK_FALSE(IsIsoDate("2024-1-01"));
  CHECK_FALSE(IsIsoDate("yesterday"));
  CHECK(EncodePathSegment("a/b c%") == "a%2Fb%20c%25");

  Pki pki;
  ScriptedPeer peer(pki, [](const SeenRequest&) { return Http(200, "OK", R"({"balance": -5})"); });
  auto http = HttpClient::Create(pki.Config(peer.port()));
  REQUIRE(http.ok());
  BankingClient bank(&*http);
  auto balance = bank.Balance("x");
  REQUIRE_FALSE(balance.ok());
  CHECK(balance.status().code() == Code::kRejected);
  CHECK(balance.status().message().find("unexpected balance") != std::string::npos);
}
