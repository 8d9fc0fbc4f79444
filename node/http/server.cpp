#include "http/server.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <sys/resource.h>

#include <algorithm>
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
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "bank/hash.hpp"
#include "http/h2_connection.hpp"
#include "http/http1_connection.hpp"

namespace bankd::http {
namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr std::chrono::seconds kHandshakeTimeout{10};
constexpr size_t kReadChunk = 64 << 10;
// What a connection waiting for a request reads into (its buffer is
// released down to this): one TLS record's plaintext at most, which is all
// one SSL_read returns anyway, so no throughput is lost.
constexpr size_t kIdleReadChunk = 16 << 10;
// What a connection keeps of its last batch of answers.
constexpr size_t kKeptOutput = 64 << 10;
// Out of file descriptors (or another accept error): try again after this.
constexpr std::chrono::milliseconds kAcceptBackoff{100};
constexpr size_t kMaxBatchBytes = 1 << 20;  // write what is answered once it is this big

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
  // The acceptor, its timers and stopping run on one strand: the accept
  // handler re-arms the acceptor while a stop (signal or Stop()) closes
  // it, and an asio object must never be used by two threads at once.
  net::strand<net::io_context::executor_type> control{net::make_strand(ioc)};
  tcp::acceptor acceptor{control};
  net::steady_timer accept_timer{control};
  net::steady_timer grace_timer{control};
  std::optional<net::signal_set> signals;

  ServerState(ServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)) {}

  bank::Status Setup();
  void Accept();
  void DoStop();
  void SessionEnded(std::list<std::weak_ptr<Session>>::iterator it);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `capped`: past max_open_sessions_soft, answered 503 and closed.
  Session(tcp::socket socket, ServerState& server, bool capped)
      : stream_(std::move(socket), server.tls), server_(server), capped_(capped) {}

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
    const unsigned char* protocol = nullptr;
    unsigned length = 0;
    SSL_get0_alpn_selected(stream_.native_handle(), &protocol, &length);
    const ServerOptions& o = server_.options;
    if (std::string_view(reinterpret_cast<const char*>(protocol), length) == "h2" && !capped_)
      h2_ = std::make_unique<H2Connection>(
          server_.handler, client_cert_,
          H2Limits{o.max_body_size, o.max_header_size, o.max_concurrent_streams_count, o.initial_window_size,
                   o.max_frame_size});
    else if (!capped_)
      http1_ = std::make_unique<Http1Connection>(
          server_.handler, client_cert_, Http1Limits{o.max_body_size, o.max_header_size, o.max_headers_count},
          server_.stopping);
    Process();
  }

  void Read() {
    if (server_.stopping && h2_ && !goaway_sent_) {
      goaway_sent_ = true;
      h2_->Shutdown();
      return Process();
    }
    if (server_.stopping) return Close();
    busy_ = false;
    size_t chunk = kReadChunk;
    if (buffer_.size() == 0 && !(http1_ && http1_->InRequest())) {
      // Idle between requests: hold (almost) no memory while waiting.
      if (buffer_.capacity() > kIdleReadChunk) buffer_.shrink_to_fit();
      if (out_.capacity() > kKeptOutput) std::string().swap(out_);
      chunk = kIdleReadChunk;
    }
    beast::get_lowest_layer(stream_).expires_after(ReadTimeout());
    stream_.async_read_some(
        buffer_.prepare(chunk),
        [self = shared_from_this()](beast::error_code ec, size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(beast::error_code ec, size_t n) {
    busy_ = true;
    if (ec) return Close();  // end of stream, network error, timeout or cancellation
    buffer_.commit(n);
    Process();
  }

  // The idle timeout, or less while a request's header block is arriving:
  // it must be complete within header_timeout of its first byte, however
  // slowly its bytes trickle in (each of which would restart an idle
  // timer).
  std::chrono::steady_clock::duration ReadTimeout() {
    const auto now = std::chrono::steady_clock::now();
    const bool in_header = http1_ && http1_->InHeader();
    if (!in_header) {
      header_deadline_.reset();
      return server_.options.idle_timeout;
    }
    if (!header_deadline_) header_deadline_ = now + server_.options.header_timeout;
    return std::max(
        std::chrono::steady_clock::duration::zero(),
        std::min<std::chrono::steady_clock::duration>(*header_deadline_ - now, server_.options.idle_timeout));
  }

  // Answers every complete request in the buffer (a pipelining client sends
  // many at once), in order, then writes all the answers with one write:
  // one TLS record and one syscall for the batch instead of one per request.
  void Process() {
    if (capped_) return RefuseCapped();
    if (h2_) return ProcessH2();
    out_.clear();
    const auto progress = http1_->Process(static_cast<const char*>(buffer_.data().data()), buffer_.size(),
                                          kMaxBatchBytes, &out_);
    buffer_.consume(progress.used);
    // The next header block has header_timeout from its own first byte.
    if (progress.requests > 0) header_deadline_.reset();
    WriteOut(progress.close);
  }

  // Sends out_ (or reads on when there is nothing to send), then closes or
  // goes on answering what is buffered.
  void WriteOut(bool close) {
    if (out_.empty()) return close ? Close() : Read();
    beast::get_lowest_layer(stream_).expires_after(server_.options.idle_timeout);
    net::async_write(stream_, net::buffer(out_),
                     [self = shared_from_this(), close](beast::error_code ec, size_t) {
                       if (ec) return;
                       if (close) return self->Close();
                       self->Process();
                     });
  }

  // Past max_open_sessions_soft: CCF's answer to the first request, then
  // the connection closes.
  void RefuseCapped() {
    if (buffer_.size() == 0) return Read();
    buffer_.consume(buffer_.size());
    out_.clear();
    Http1Connection::AppendClosing(
        Response::Error(503, "SessionCapExhausted",
                        "Service is currently busy and unable to serve new connections"),
        &out_);
    WriteOut(true);
  }

  // HTTP/2: nghttp2 takes all bytes read, answers the streams they
  // complete, and says what to send.
  void ProcessH2() {
    out_.clear();
    bool ok = true;
    if (buffer_.size() > 0) {
      ok = h2_->Receive(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      buffer_.consume(buffer_.size());
    }
    h2_->TakeOutput(&out_);
    WriteOut(!ok || h2_->Finished());
  }

  void Close() {
    busy_ = true;
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  ServerState& server_;
  beast::flat_buffer buffer_;
  std::string out_;                         // responses of the current batch
  std::unique_ptr<H2Connection> h2_;        // set when ALPN chose h2
  std::unique_ptr<Http1Connection> http1_;  // set otherwise, unless capped_
  bool goaway_sent_ = false;
  std::shared_ptr<const ClientCertificate> client_cert_;
  const bool capped_;
  std::optional<std::chrono::steady_clock::time_point> header_deadline_;
  bool busy_ = true;  // only touched on the session's strand
  bool registered_ = false;
  std::list<std::weak_ptr<Session>>::iterator self_it_;
};

// Every open session holds a descriptor: the soft limit (often 1024) is
// raised to the hard one so that max_open_sessions_hard can be reached.
void RaiseDescriptorLimit(size_t wanted) {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted + 64)
    std::fprintf(stderr,
                 "bankd: warning: %llu file descriptors allowed, fewer than max_open_sessions_hard (%zu) "
                 "needs; new connections wait while none is free\n",
                 static_cast<unsigned long long>(limit.rlim_cur), wanted);
}

bank::Status ServerState::Setup() {
  RaiseDescriptorLimit(options.max_open_sessions_hard);
  SSL_CTX* ctx = tls.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // An idle connection keeps no TLS read/write buffers (about 34 KB each).
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate(ctx, options.certificate.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, options.key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1)
    return bank::Status::Internal("TLS: node certificate/key rejected: " + bank::TakeOpensslError());
  // Request a client certificate but accept any: who the caller is gets
  // decided per request by the endpoint's auth policies.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
  // ALPN: h2 when the client offers it, else HTTP/1.1 (also when the client
  // offers no ALPN or nothing we speak, as CCF's TLS server does: no ALPN
  // answer rather than a failed handshake).
  SSL_CTX_set_alpn_select_cb(
      ctx,
      [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen,
         void*) {
        static const unsigned char kProtocols[] = "\x02h2\x08http/1.1";
        if (SSL_select_next_proto(const_cast<unsigned char**>(out), outlen, kProtocols,
                                  sizeof(kProtocols) - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
          return SSL_TLSEXT_ERR_NOACK;
        return SSL_TLSEXT_ERR_OK;
      },
      nullptr);
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
    return bank::Status::Exists("cannot listen on " + options.host + ":" + std::to_string(options.port) +
                                ": " + ec.message());
  }
  return bank::Status::OK();
}

void ServerState::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!acceptor.is_open()) return;  // stopped
      // EMFILE, ENFILE, ENOBUFS...: accepting again at once would fail
      // again at once (a busy loop); the backlog waits meanwhile.
      accept_timer.expires_after(kAcceptBackoff);
      accept_timer.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && !stopping) Accept();
      });
      return;
    }
    size_t open;
    {
      std::lock_guard lock(sessions_mu);
      open = sessions.size();
    }
    if (open >= options.max_open_sessions_hard) {
      socket.close(ec);  // as CCF past max_open_sessions_hard: no session at all
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      auto session =
          std::make_shared<Session>(std::move(socket), *this, open >= options.max_open_sessions_soft);
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
  accept_timer.cancel();
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
  if (stopping && sessions.empty() && !ioc.stopped()) net::post(control, [this] { grace_timer.cancel(); });
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
    s.signals.emplace(s.control, SIGTERM, SIGINT);
    s.signals->async_wait([&s](beast::error_code ec, int) {
      if (!ec) s.DoStop();  // on the control strand, as the signal set is
    });
  }
  net::post(s.control, [&s] {
    if (!s.stopping) s.Accept();
  });
  std::vector<std::thread> threads;
  for (int i = 1; i < s.options.threads; ++i)
    threads.emplace_back([&s] {
      ::pthread_setname_np(::pthread_self(), "bankd-io");  // as top -H shows it
      s.ioc.run();
    });
  s.ioc.run();
  for (auto& t : threads) t.join();
}

void Server::Stop() {
  net::post(impl_->control, [this] { impl_->DoStop(); });
}

}  // namespace bankd::http
