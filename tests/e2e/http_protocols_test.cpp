// bankd's HTTP/1.1 pipelining and HTTP/2 (ALPN h2), end to end over mTLS:
// many requests in flight on one connection, answered in order (1.1) or
// per stream (2), with the same bodies and transaction ids as one at a time.
#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bank/txid.hpp"
#include "support/bankd_process.hpp"

namespace bank::test {
namespace {

// A raw TLS connection as `name`, offering `alpn` (wire format).
class RawTls {
 public:
  RawTls(const BankdProcess& bankd, const std::string& name, std::string_view alpn) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    REQUIRE(SSL_CTX_load_verify_locations(ctx_, bankd.service_cert().c_str(), nullptr) == 1);
    REQUIRE(SSL_CTX_use_certificate_file(ctx_, bankd.cert(name).c_str(), SSL_FILETYPE_PEM) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(ctx_, bankd.key(name).c_str(), SSL_FILETYPE_PEM) == 1);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(bankd.port());
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    timeval timeout{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    if (!alpn.empty())
      SSL_set_alpn_protos(ssl_, reinterpret_cast<const unsigned char*>(alpn.data()),
                          static_cast<unsigned>(alpn.size()));
    REQUIRE(SSL_connect(ssl_) == 1);
  }
  ~RawTls() {
    SSL_free(ssl_);
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  std::string Alpn() const {
    const unsigned char* p = nullptr;
    unsigned n = 0;
    SSL_get0_alpn_selected(ssl_, &p, &n);
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  void Write(const std::string& data) {
    REQUIRE(SSL_write(ssl_, data.data(), static_cast<int>(data.size())) > 0);
  }
  // Reads until `count` complete responses (Content-Length framed) arrived.
  std::vector<std::pair<std::string, std::string>> ReadResponses(size_t count) {
    std::vector<std::pair<std::string, std::string>> out;  // head, body
    std::string buf;
    char chunk[16384];
    while (out.size() < count) {
      size_t end = buf.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::string head = buf.substr(0, end + 2);
        size_t length = 0;
        if (auto cl = head.find("content-length: "); cl != std::string::npos)
          length = std::stoul(head.substr(cl + 16));
        if (buf.size() >= end + 4 + length) {
          out.emplace_back(head, buf.substr(end + 4, length));
          buf.erase(0, end + 4 + length);
          continue;
        }
      }
      int n = SSL_read(ssl_, chunk, sizeof(chunk));
      REQUIRE(n > 0);
      buf.append(chunk, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
};

std::string Get(const std::string& path) { return "GET " + path + " HTTP/1.1\r\nHost: bankd\r\n\r\n"; }
std::string Post(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: bankd\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

void Seed(const BankdProcess& bankd) {
  auto member = bankd.Client("member0");
  for (const char* user : {"user0", "user1"})
    REQUIRE(member.Request("PUT", "/app/account/" + bankd.id(user) + "/acc")->status == 204);
  REQUIRE(member.PostJson("/app/deposit/" + bankd.id("user0") + "/acc", {{"value", 100}})->status == 204);
}

TEST_CASE("HTTP/1.1 pipelined requests are answered in order", "[e2e][http]") {
  BankdProcess bankd;
  Seed(bankd);
  RawTls tls(bankd, "user0", "\x08http/1.1");
  CHECK(tls.Alpn() == "http/1.1");
  const std::string transfer =
      nlohmann::json{{"value", 40}, {"user_id_to", bankd.id("user1")}, {"account_name_to", "acc"}}.dump();
  // One write: read, write, read, an unknown path, a refused transfer, read.
  tls.Write(
      Get("/app/balance/acc") + Post("/app/transfer/acc", transfer) + Get("/app/balance/acc") +
      Get("/app/nowhere") +
      Post("/app/transfer/acc",
           nlohmann::json{{"value", 1000}, {"user_id_to", bankd.id("user1")}, {"account_name_to", "acc"}}
               .dump()) +
      Get("/app/balance/acc"));
  auto r = tls.ReadResponses(6);
  CHECK(r[0].first.starts_with("HTTP/1.1 200"));
  CHECK(nlohmann::json::parse(r[0].second)["balance"] == 100);
  CHECK(r[1].first.starts_with("HTTP/1.1 204"));
  CHECK(r[1].first.find("x-ms-ccf-transaction-id: ") != std::string::npos);
  CHECK(nlohmann::json::parse(r[2].second)["balance"] == 60);
  CHECK(r[3].first.starts_with("HTTP/1.1 404"));
  CHECK(nlohmann::json::parse(r[3].second)["error"]["code"] == "ResourceNotFound");
  CHECK(r[4].first.starts_with("HTTP/1.1 400"));
  CHECK(nlohmann::json::parse(r[4].second)["error"]["code"] == "InsufficientFunds");
  CHECK(nlohmann::json::parse(r[5].second)["balance"] == 60);
}

TEST_CASE("HTTP/1.1 Connection: close ends the connection after that response", "[e2e][http]") {
  BankdProcess bankd;
  RawTls tls(bankd, "user0", "");
  tls.Write("GET /node/state HTTP/1.1\r\nHost: bankd\r\nConnection: close\r\n\r\n" + Get("/node/state"));
  auto r = tls.ReadResponses(1);
  CHECK(r[0].first.starts_with("HTTP/1.1 200"));
  CHECK(r[0].first.find("connection: close") != std::string::npos);
}

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

TEST_CASE("HTTP/2: ALPN h2 and many streams multiplexed on one connection", "[e2e][http]") {
  BankdProcess bankd;
  Seed(bankd);
  RawTls probe(bankd, "user0", "\x02h2\x08http/1.1");
  CHECK(probe.Alpn() == "h2");

  // libcurl (with nghttp2) multiplexing: 20 transfers of 1 and 20 balance
  // reads, all in flight at once on one connection.
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 1L);
  const std::string transfer =
      nlohmann::json{{"value", 1}, {"user_id_to", bankd.id("user1")}, {"account_name_to", "acc"}}.dump();
  struct Call {
    CURL* easy;
    std::string body;
    curl_slist* headers = nullptr;
  };
  std::vector<std::unique_ptr<Call>> calls;
  for (int i = 0; i < 40; ++i) {
    auto c = std::make_unique<Call>();
    c->easy = curl_easy_init();
    const bool post = i % 2 == 0;
    curl_easy_setopt(c->easy, CURLOPT_URL,
                     (bankd.url() + (post ? "/app/transfer/acc" : "/app/balance/acc")).c_str());
    curl_easy_setopt(c->easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(c->easy, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(c->easy, CURLOPT_CAINFO, bankd.service_cert().c_str());
    curl_easy_setopt(c->easy, CURLOPT_SSLCERT, bankd.cert("user0").c_str());
    curl_easy_setopt(c->easy, CURLOPT_SSLKEY, bankd.key("user0").c_str());
    curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, Collect);
    curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, &c->body);
    if (post) {
      c->headers = curl_slist_append(nullptr, "Content-Type: application/json");
      curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->headers);
      curl_easy_setopt(c->easy, CURLOPT_COPYPOSTFIELDS, transfer.c_str());
    }
    curl_multi_add_handle(multi, c->easy);
    calls.push_back(std::move(c));
  }
  int running = 1;
  while (running > 0) {
    REQUIRE(curl_multi_perform(multi, &running) == CURLM_OK);
    if (running > 0) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  long connections = 0;
  for (size_t i = 0; i < calls.size(); ++i) {
    long status = 0, version = 0, connects = 0;
    curl_easy_getinfo(calls[i]->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(calls[i]->easy, CURLINFO_HTTP_VERSION, &version);
    curl_easy_getinfo(calls[i]->easy, CURLINFO_NUM_CONNECTS, &connects);
    connections += connects;
    INFO(i << ": " << calls[i]->body);
    CHECK(version == CURL_HTTP_VERSION_2_0);
    CHECK(status == (i % 2 == 0 ? 204 : 200));
    curl_multi_remove_handle(multi, calls[i]->easy);
    curl_easy_cleanup(calls[i]->easy);
    curl_slist_free_all(calls[i]->headers);
  }
  curl_multi_cleanup(multi);
  CHECK(connections == 1);

  // The same state through HTTP/1.1: 20 transfers of 1 went through.
  auto balance = bankd.Client("user0").Get("/app/balance/acc");
  REQUIRE(balance.ok());
  CHECK(balance->json()->at("balance") == 80);

  // Errors keep CCF's body and the transaction id header over HTTP/2.
  CURL* easy = curl_easy_init();
  std::string body;
  curl_easy_setopt(easy, CURLOPT_URL, (bankd.url() + "/app/nowhere").c_str());
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(easy, CURLOPT_CAINFO, bankd.service_cert().c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &body);
  REQUIRE(curl_easy_perform(easy) == CURLE_OK);
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(easy);
  CHECK(status == 404);
  CHECK(nlohmann::json::parse(body)["error"]["message"] == "Unknown path: /app/nowhere.");
}

}  // namespace
}  // namespace bank::test
