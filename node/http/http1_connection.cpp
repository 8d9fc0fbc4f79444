#include "http/http1_connection.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <iterator>
#include <optional>
#include <string_view>

#include "http/url.hpp"

namespace bankd::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

using BeastRequest = bhttp::request<bhttp::string_body>;

// Appends `response` in HTTP/1.1 wire form. `head`: the headers of the
// response only (with the body's length). RFC 9110: a 204 has no
// Content-Length.
void AppendResponse(const Response& response, bool keep_alive, bool head, std::string* out,
                    unsigned version = 11) {
  const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(response.status));
  out->append("HTTP/1.1 ").append(std::to_string(response.status)).append(" ");
  out->append(reason.data(), reason.size()).append("\r\n");
  for (const auto& [name, value] : response.headers)
    out->append(name).append(": ").append(value).append("\r\n");
  if (response.status != 204 && response.status != 304 && response.status >= 200)
    out->append("content-length: ").append(std::to_string(response.body.size())).append("\r\n");
  if (!keep_alive)
    out->append("connection: close\r\n");
  else if (version < 11)
    out->append("connection: keep-alive\r\n");
  out->append("\r\n");
  if (!head) out->append(response.body);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Response ParseFailure(const beast::error_code& ec, const Http1Limits& limits) {
  if (ec == bhttp::error::body_limit)
    return Response::Error(
        413, "RequestBodyTooLarge",
        "Request body exceeds the maximum of " + std::to_string(limits.max_body_size) + " bytes");
  if (ec == bhttp::error::header_limit)
    return Response::Error(
        431, "RequestHeaderTooLarge",
        "Request header exceeds the maximum of " + std::to_string(limits.max_header_size) + " bytes");
  return Response::Text(400, "Unable to parse data as a HTTP request. Error message is: " + ec.message());
}

// The handlers' view of a parsed request (its body moved out).
Request ToRequest(BeastRequest& req, const std::shared_ptr<const ClientCertificate>& client_cert) {
  Request request;
  request.method = std::string(req.method_string());
  SplitTarget(std::string_view(req.target().data(), req.target().size()), &request.path,
              &request.query_string);
  if (!request.query_string.empty()) request.query = ParseQuery(request.query_string);
  request.headers.reserve(8);
  for (const auto& field : req) {
    std::string name = Lower(std::string_view(field.name_string().data(), field.name_string().size()));
    request.AddHeader(std::move(name), std::string_view(field.value().data(), field.value().size()));
  }
  request.body = std::move(req.body());
  request.client_cert = client_cert;
  return request;
}

}  // namespace

struct Http1Connection::Parser {
  // Emplaced in place for each request: no allocation of its own per
  // request on a connection that serves thousands.
  std::optional<bhttp::request_parser<bhttp::string_body>> request;
};

Http1Connection::Http1Connection(const Handler& handler, std::shared_ptr<const ClientCertificate> client_cert,
                                 const Http1Limits& limits, const std::atomic<bool>& stopping)
    : handler_(handler),
      client_cert_(std::move(client_cert)),
      limits_(limits),
      stopping_(stopping),
      parser_(std::make_unique<Parser>()) {}

Http1Connection::~Http1Connection() = default;

void Http1Connection::AppendClosing(const Response& response, std::string* out) {
  AppendResponse(response, false, false, out);
}

Http1Connection::Progress Http1Connection::Process(const char* data, size_t size, size_t max_out,
                                                   std::string* out) {
  Progress progress;
  auto& parser = parser_->request;
  while (!progress.close && out->size() < max_out) {
    if (!parser) {
      parser.emplace();
      parser->eager(true);
      parser->body_limit(limits_.max_body_size);
      parser->header_limit(limits_.max_header_size);
    }
    if (progress.used == size) break;
    beast::error_code ec;
    progress.used += parser->put(boost::asio::const_buffer(data + progress.used, size - progress.used), ec);
    if (ec == bhttp::error::need_more) break;
    if (ec) {
      AppendClosing(ParseFailure(ec, limits_), out);
      progress.close = true;
      break;
    }
    if (!parser->is_done()) continue;
    BeastRequest message = parser->release();
    parser.reset();
    ++progress.requests;
    // Counted once the request is complete: Beast bounds the header
    // block's bytes, not its fields.
    if (static_cast<size_t>(std::distance(message.begin(), message.end())) > limits_.max_headers_count) {
      AppendClosing(
          Response::Error(431, "RequestHeaderTooLarge",
                          "Request has more than " + std::to_string(limits_.max_headers_count) + " headers"),
          out);
      progress.close = true;
      break;
    }
    Request request = ToRequest(message, client_cert_);
    const bool keep_alive = message.keep_alive() && !stopping_;
    const bool head = message.method() == bhttp::verb::head;
    AppendResponse(handler_(request), keep_alive, head, out, message.version());
    progress.close = !keep_alive;
  }
  unparsed_ = !parser && progress.used < size;
  return progress;
}

bool Http1Connection::InRequest() const {
  const auto& parser = parser_->request;
  return parser ? parser->got_some() : unparsed_;
}

bool Http1Connection::InHeader() const {
  const auto& parser = parser_->request;
  return parser ? parser->got_some() && !parser->is_header_done() : unparsed_;
}

}  // namespace bankd::http
