// Fuzz target: bankd's HTTP/2 side (node/http/h2_connection.hpp) fed
// arbitrary bytes as one client would send them, in two reads. Whatever
// the frames say, it must not crash, must answer only complete requests
// (each with a parseable method and path), and must produce output only
// from nghttp2's own framing.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/h2_connection.hpp"

namespace {
void Check(bool condition) {
  if (!condition) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int answered = 0;
  const bankd::http::H2Connection::Handler handler = [&](bankd::http::Request& r) {
    ++answered;
    Check(r.body.size() <= 4096);
    return bankd::http::Response::Text(200, r.method + " " + r.path);
  };
  bankd::http::H2Limits limits;
  limits.max_body_size = 4096;
  limits.max_header_size = 1024;
  bankd::http::H2Connection h2(handler, nullptr, limits);
  const char* bytes = reinterpret_cast<const char*>(data);
  const size_t half = size / 2;
  std::string out;
  if (h2.Receive(bytes, half)) {
    h2.TakeOutput(&out);
    h2.Receive(bytes + half, size - half);
  }
  h2.TakeOutput(&out);
  // Whatever was sent starts with the server's SETTINGS frame (type 4).
  Check(out.size() >= 9 && out[3] == 4);
  return 0;
}
