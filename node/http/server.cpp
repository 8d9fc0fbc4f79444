#include "http/server.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "bank/hash.hpp"
#include "http/url.hpp"

namespace bankd::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr std::chrono::seconds kHandshakeTimeout{10};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The client certificate of an established TLS session, or null.
std::shared_ptr<const ClientCertificate> PeerCertificate(SSL* ssl) {
  X509* peer = SSL_get1_peer_certificate(ssl);
  if (peer == nullptr) return nullptr;
  unsigned char* der = nullptr;
  int len = i2d_X509(peer, &der);
  X509_free(peer);
  if (len <= 0) return nullptr;
  auto cert = bank::Certificate::FromDer(std::span<const uint8_t>(der, static_cast<size_t>(len)));
  OPENSSL_free(der);
  if (!cert.ok()) return nullptr;
  auto client = std::make_shared<ClientCertificate>();
  client->id = cert->Id();
  client->cert = std::move(cert).value();
  return client;
}

class Session;

// Everything the acceptor and the sessions share.

struct ServerState {
  ServerOptions options;
  Handler handler;
  // Declared before the io_context: sessions still queued in it when it is
  // destroyed unregister themselves on the way out.
  std::mutex sessions_mu;
  std::list<std::weak_ptr<Session>> sessions;
  std::atomic<bool> stopping{false};
  net::io_context ioc;
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  net::steady_timer grace_timer{ioc};
  std::optional<net::signal_set> signals;

  ServerState(ServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)) {}

  bank::Status Setup();
  void Accept();
  void DoStop();
  void SessionEnded(std::list<std::weak_ptr<Session>>::iterator it);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerState& server) : stream_(std::move(socket), server.tls), server_(server) {}

  ~Session() {
    if (registered_) server_.SessionEnded(self_it_);
  }

  void Register() {
    std::lock_guard lock(server_.sessions_mu);
    self_it_ = server_.sessions.insert(server_.sessions.end(), weak_from_this());
    registered_ = true;
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Handshake(); });
  }

  // Called on stop: an idle connection (waiting for its next request) ends.
  void CloseIfIdle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) beast::get_lowest_layer(self->stream_).cancel();
    });
  }

 private:
  void Handshake() {
    beast::get_lowest_layer(stream_).expires_after(kHandshakeTimeout);
    stream_.async_handshake(ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code ec) { self->OnHandshake(ec); });
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) return;
    client_cert_ = PeerCertificate(stream_.native_handle());
    Read();
  }

  void Read() {
    if (server_.stopping) return Close();
    busy_ = false;
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_size);
    parser_->header_limit(server_.options.max_header_size);
    beast::get_lowest_layer(stream_).expires_after(server_.options.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    busy_ = true;
    if (ec == bhttp::error::end_of_stream) return Close();
    if (ec == bhttp::error::body_limit) {
      return Send(Response::Error(413, "RequestBodyTooLarge",
                                  "Request body exceeds the maximum of " +
                                      std::to_string(server_.options.max_body_size) + " bytes"),
                  false);
    }
    if (ec == bhttp::error::header_limit) {
      return Send(Response::Error(431, "RequestHeaderTooLarge",
                                  "Request header exceeds the maximum of " +
                                      std::to_string(server_.options.max_header_size) + " bytes"),
                  false);
    }
    if (ec && ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category()) {
      return Send(Response::Text(400, "Unable to parse data as a HTTP request. Error message is: " + ec.message()),
                  false);
    }
    if (ec) return;  // network error, timeout or cancellation: just drop

    auto& req = parser_->get();
    Request request;
    request.method = std::string(req.method_string());
    SplitTarget(std::string_view(req.target().data(), req.target().size()), &request.path, &request.query_string);
    request.query = ParseQuery(request.query_string);
    for (const auto& field : req) {
      std::string name = Lower(std::string_view(field.name_string().data(), field.name_string().size()));
      auto [it, inserted] = request.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    request.body = std::move(req.body());
    request.client_cert = client_cert_;
    const bool keep_alive = req.keep_alive();
    const bool head = req.method() == bhttp::verb::head;
    Send(server_.handler(request), keep_alive, head);
  }

  // `head`: answer a HEAD request, i.e. the headers of the response only.
  void Send(Response response, bool keep_alive, bool head = false) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(response.status);
    for (auto& [name, value] : response.headers) res->set(name, value);
    const size_t length = response.body.size();
    if (!head) res->body() = std::move(response.body);
    res->keep_alive(keep_alive && !server_.stopping);
    res->prepare_payload();
    if (head) res->content_length(length);
    // RFC 9110: no Content-Length on a 204 (Beast adds "0").
    if (response.status == 204) res->erase(bhttp::field::content_length);
    beast::get_lowest_layer(stream_).expires_after(server_.options.idle_timeout);
    bhttp::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (ec) return;
      if (res->keep_alive())
        self->Read();
      else
        self->Close();
    });
  }

  void Close() {
    busy_ = true;
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  ServerState& server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<const ClientCertificate> client_cert_;
  bool busy_ = true;  // only touched on the session's strand
  bool registered_ = false;
  std::list<std::weak_ptr<Session>>::iterator self_it_;
};

bank::Status ServerState::Setup() {
  SSL_CTX* ctx = tls.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate(ctx, options.certificate.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, options.key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1)
    return bank::Status::Internal("TLS: node certificate/key rejected: " + bank::TakeOpensslError());
  // Request a client certificate but accept any: who the caller is gets
  // decided per request by the endpoint's auth policies.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
  static const unsigned char kSessionContext[] = "bankd";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);

  beast::error_code ec;
  auto address = net::ip::make_address(options.host, ec);
  if (ec) return bank::Status::Usage("invalid RPC host '" + options.host + "': " + ec.message());
  tcp::endpoint endpoint(address, options.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return bank::Status::Exists("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " +
                                ec.message());
  }
  return bank::Status::OK();
}

void ServerState::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!acceptor.is_open()) return;  // stopped
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      auto session = std::make_shared<Session>(std::move(socket), *this);
      session->Register();
      session->Start();
    }
    Accept();
  });
}

void ServerState::DoStop() {
  if (stopping.exchange(true)) return;
  beast::error_code ec;
  acceptor.close(ec);
  if (signals) signals->cancel(ec);
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(sessions_mu);
    for (auto& weak : sessions)
      if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->CloseIfIdle();
  if (live.empty()) return;
  grace_timer.expires_after(options.shutdown_grace);
  grace_timer.async_wait([this](beast::error_code wait_ec) {
    if (!wait_ec) ioc.stop();  // cut connections still busy after the grace period
  });
}

void ServerState::SessionEnded(std::list<std::weak_ptr<Session>>::iterator it) {
  std::lock_guard lock(sessions_mu);
  sessions.erase(it);
  if (stopping && sessions.empty() && !ioc.stopped()) net::post(ioc, [this] { grace_timer.cancel(); });
}

}  // namespace

struct Server::Impl : ServerState {
  using ServerState::ServerState;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

bank::Result<std::unique_ptr<Server>> Server::Listen(ServerOptions options, Handler handler) {
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
  BANK_RETURN_IF_ERROR(impl->Setup());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

unsigned short Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::Run(bool handle_signals) {
  ServerState& s = *impl_;
  if (handle_signals) {
    s.signals.emplace(s.ioc, SIGTERM, SIGINT);
    s.signals->async_wait([&s](beast::error_code ec, int) {
      if (!ec) s.DoStop();
    });
  }
  net::post(s.ioc, [&s] {
    if (!s.stopping) s.Accept();
  });
  std::vector<std::thread> threads;
  for (int i = 1; i < s.options.threads; ++i) threads.emplace_back([&s] { s.ioc.run(); });
  s.ioc.run();
  for (auto& t : threads) t.join();
}

void Server::Stop() {
  net::post(impl_->ioc, [this] { impl_->DoStop(); });
}

}  // namespace bankd::http
