// Fuzz target: bankd's HTTP/1.1 side (node/http/http1_connection.hpp), fed
// arbitrary bytes as one client would send them, in two reads, exactly as
// the server hands them over (what is not consumed is handed in again with
// what follows; answers in small batches). Whatever the bytes, it must not
// crash, must answer only complete requests (a method, bodies and header
// fields within the limits, header names lower-case), and every byte it
// produces must be a response: a status line first, one per complete
// request (answered, or refused for too many headers), plus at most one
// refusal (400, 413, 431) before a close. An input of odd size also has
// the server stop before the second read: the next answer closes.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/http1_connection.hpp"

namespace {

constexpr bankd::http::Http1Limits kLimits{
    .max_body_size = 4096, .max_header_size = 1024, .max_headers_count = 8};

void Check(bool condition) {
  if (!condition) std::abort();
}

size_t CountResponses(std::string_view out) {
  size_t n = 0;
  for (size_t at = out.find("HTTP/1.1 "); at != std::string_view::npos; at = out.find("HTTP/1.1 ", at + 1))
    ++n;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  size_t answered = 0;
  const bankd::http::Http1Connection::Handler handler = [&](bankd::http::Request& r) {
    ++answered;
    Check(!r.method.empty() && r.body.size() <= kLimits.max_body_size);
    Check(r.headers.size() <= kLimits.max_headers_count);
    for (const auto& [name, value] : r.headers)
      for (char c : name) Check(!(c >= 'A' && c <= 'Z'));
    // An answer that cannot be mistaken for a status line of its own.
    return bankd::http::Response::Text(200,
                                       std::to_string(r.path.size()) + " " + std::to_string(r.body.size()));
  };
  std::atomic<bool> stopping{false};
  bankd::http::Http1Connection h1(handler, nullptr, kLimits, stopping);

  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t half = size / 2;
  std::string pending(input.substr(0, half)), out;
  size_t requests = 0;
  bool close = false;
  for (int read = 0; read < 2 && !close; ++read) {
    if (read == 1) {
      pending.append(input.substr(half));
      stopping = size % 2 == 1;
    }
    // As the server does: answer in batches until nothing more is answered.
    for (;;) {
      std::string batch;
      const auto progress = h1.Process(pending.data(), pending.size(), 256, &batch);
      Check(progress.used <= pending.size());
      pending.erase(0, progress.used);
      requests += progress.requests;
      close = progress.close;
      Check(batch.empty() || batch.starts_with("HTTP/1.1 "));
      Check(!stopping || batch.empty() || close);
      Check(!h1.InHeader() || h1.InRequest());
      out += batch;
      if (close || batch.empty()) break;
    }
  }
  Check(answered <= requests && requests <= answered + 1);
  const size_t responses = CountResponses(out);
  Check(responses == requests || (close && responses == requests + 1));
  return 0;
}
