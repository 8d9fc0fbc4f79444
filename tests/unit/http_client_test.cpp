// HttpClient against real TLS peers on loopback (tests/support/tls_peers.hpp):
//  - `openssl s_server -WWW -Verify 1`, an independent implementation, for
//    CA pinning, host name checks and the client certificate handshake;
//  - a small scripted HTTPS/1.1 peer for what s_server cannot do:
//    keep-alive, 503s, dropped connections, silence.
// Certificates are made by libbank as bankd makes them: a service CA, a node
// certificate it issues for IP 127.0.0.1, client identities as keygenerator.sh.
#include "bank/http_client.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "bank/banking_client.hpp"
#include "support/ports.hpp"
#include "support/tls_peers.hpp"

using namespace bank;
using namespace bank::test;  // the peers of tests/support/tls_peers.hpp

namespace {

// `openssl s_server` under a fresh PKI, serving /hello.txt ("hello").
std::string HelloDir(const TempDir& www) {
  WriteText(www / "hello.txt", "hello");
  return www.path().string();
}
struct HelloServer {
  Pki pki;
  TempDir www;
  OpensslServer server{pki, HelloDir(www)};
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

TEST_CASE("s_server: every certificate of a CA file is trusted, not only its first", "[http]") {
  // As a client keeps the service certificates from before and after a
  // disaster recovery (a new service identity) in one file.
  HelloServer hello;
  TlsConfig config = hello.pki.Config(hello.server.port());
  config.cacert_path = hello.www / "bundle.pem";
  WriteText(config.cacert_path, *ReadFile(hello.pki.other_ca) + *ReadFile(hello.pki.ca));
  auto client = HttpClient::Create(config, FastRetry(1));
  REQUIRE(client.ok());
  auto r = client->Get("/hello.txt");
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK(r->status == 200);
}

TEST_CASE("s_server: no client certificate, no response", "[http]") {
  HelloServer hello;
  auto client =
      HttpClient::Create(hello.pki.Config(hello.server.port(), /*with_client_cert=*/false), FastRetry(1));
  REQUIRE(client.ok());
  auto r = client->Get("/hello.txt");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kNetwork);
}

TEST_CASE("s_server: the host name is checked (certificate is for IP 127.0.0.1, not localhost)", "[http]") {
  HelloServer hello;
  TlsConfig config = hello.pki.Config(hello.server.port());
  config.server = "https://localhost:" + std::to_string(hello.server.port());
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

  auto keyed =
      client->Request("POST", "/app/transfer/a", "{}", "application/json", {{"Idempotency-Key", "k1"}});
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
  auto keyed =
      client->Request("POST", "/app/transfer/a", "{}", "application/json", {{"Idempotency-Key", "k2"}});
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
        "401 InvalidAuthenticationInfo: Invalid authentication credentials. (Could not find matching user "
        "certificate)");

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
