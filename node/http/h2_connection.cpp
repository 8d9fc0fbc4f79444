#include "http/h2_connection.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <iterator>
#include <vector>

#include "http/url.hpp"

namespace bankd::http {
namespace {

H2Connection& Self(void* user_data) { return *static_cast<H2Connection*>(user_data); }

int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
    Self(user_data).StreamFor(frame->hd.stream_id);
  return 0;
}

int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
             const uint8_t* value, size_t valuelen, uint8_t, void* user_data) {
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  H2Connection& self = Self(user_data);
  H2Connection::Stream* s = self.StreamFor(frame->hd.stream_id);
  s->header_bytes += static_cast<uint32_t>(namelen + valuelen + 4);
  if (s->header_bytes > self.max_header_size()) {
    s->too_large_header = true;
    return 0;
  }
  std::string_view n(reinterpret_cast<const char*>(name), namelen);
  std::string_view v(reinterpret_cast<const char*>(value), valuelen);
  Request& r = s->request;
  if (n == ":method") {
    r.method = std::string(v);
  } else if (n == ":path") {
    SplitTarget(v, &r.path, &r.query_string);
    if (!r.query_string.empty()) r.query = ParseQuery(r.query_string);
  } else if (n == ":authority") {
    r.AddHeader("host", v);
  } else if (!n.empty() && n[0] != ':') {
    r.AddHeader(std::string(n), v);  // HTTP/2 names arrive lower-case (nghttp2 checks)
  }
  return 0;
}

int OnDataChunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data, size_t len,
                void* user_data) {
  H2Connection& self = Self(user_data);
  H2Connection::Stream* s = self.StreamFor(stream_id);
  if (s->too_large_body) return 0;
  if (s->request.body.size() + len > self.max_body_size()) {
    s->too_large_body = true;
    s->request.body.clear();
    return 0;
  }
  s->request.body.append(reinterpret_cast<const char*>(data), len);
  return 0;
}

int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0)
    Self(user_data).OnRequestComplete(frame->hd.stream_id);
  return 0;
}

int OnClose(nghttp2_session*, int32_t stream_id, uint32_t, void* user_data) {
  Self(user_data).OnStreamClose(stream_id);
  return 0;
}

ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                 nghttp2_data_source* source, void*) {
  auto* s = static_cast<H2Connection::Stream*>(source->ptr);
  const size_t n = std::min(length, s->response_body.size() - s->sent);
  std::memcpy(buf, s->response_body.data() + s->sent, n);
  s->sent += n;
  if (s->sent == s->response_body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

nghttp2_nv Header(const std::string& name, const std::string& value) {
  return {reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
          NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

H2Connection::H2Connection(const Handler& handler, std::shared_ptr<const ClientCertificate> client_cert,
                           const H2Limits& limits)
    : handler_(handler),
      client_cert_(std::move(client_cert)),
      max_body_size_(limits.max_body_size),
      max_header_size_(limits.max_header_size) {
  nghttp2_session_callbacks* callbacks;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, OnDataChunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, OnFrameRecv);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, OnClose);
  nghttp2_session_server_new(&session_, callbacks, this);
  nghttp2_session_callbacks_del(callbacks);
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, limits.max_concurrent_streams_count},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, limits.max_header_size},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, limits.initial_window_size},
      {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, limits.max_frame_size}};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
}

H2Connection::~H2Connection() { nghttp2_session_del(session_); }

H2Connection::Stream* H2Connection::StreamFor(int32_t id) {
  auto& s = streams_[id];
  if (!s) {
    s = std::make_unique<Stream>();
    s->request.client_cert = client_cert_;
  }
  return s.get();
}

void H2Connection::OnRequestComplete(int32_t id) { complete_.push_back(id); }

bool H2Connection::Receive(const char* data, size_t size) {
  ssize_t used = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(data), size);
  if (used < 0) return false;
  for (int32_t id : complete_) {
    auto it = streams_.find(id);
    if (it != streams_.end()) Answer(id, *it->second);
  }
  complete_.clear();
  return true;
}

void H2Connection::Answer(int32_t id, Stream& s) {
  Response response;
  if (s.too_large_header) {
    response = Response::Error(
        431, "RequestHeaderTooLarge",
        "Request header exceeds the maximum of " + std::to_string(max_header_size_) + " bytes");
  } else if (s.too_large_body) {
    response =
        Response::Error(413, "RequestBodyTooLarge",
                        "Request body exceeds the maximum of " + std::to_string(max_body_size_) + " bytes");
  } else {
    response = handler_(s.request);
  }
  const bool head = s.request.method == "HEAD";
  // HTTP/2 header names are lower-case (RFC 9113 8.2.1).
  std::vector<std::pair<std::string, std::string>> fields;
  fields.reserve(response.headers.size() + 2);
  fields.emplace_back(":status", std::to_string(response.status));
  for (auto& [name, value] : response.headers) {
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    fields.emplace_back(std::move(lower), std::move(value));
  }
  if (response.status != 204 && response.status != 304)
    fields.emplace_back("content-length", std::to_string(response.body.size()));
  std::vector<nghttp2_nv> nva;
  nva.reserve(fields.size());
  for (const auto& [name, value] : fields) nva.push_back(Header(name, value));
  s.response_body = head ? std::string() : std::move(response.body);
  s.sent = 0;
  nghttp2_data_provider provider{};
  provider.source.ptr = &s;
  provider.read_callback = ReadBody;
  // nghttp2 copies the header block; the body is read from the stream later.
  nghttp2_submit_response(session_, id, nva.data(), nva.size(),
                          s.response_body.empty() ? nullptr : &provider);
}

void H2Connection::TakeOutput(std::string* out) {
  for (;;) {
    const uint8_t* data;
    ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n <= 0) return;
    out->append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
}

bool H2Connection::Finished() const {
  return nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0;
}

void H2Connection::Shutdown() { nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR); }

}  // namespace bankd::http
