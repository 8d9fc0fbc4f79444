// Hostile clients against a real bankd on loopback: idle connections by
// the thousand, slowloris headers, oversized bodies and headers, a long
// pipeline on one connection, TLS renegotiation, garbage instead of a
// handshake, and the session caps. After each, bankd still answers a
// normal client; the assertions are statuses and closed connections, never
// times (every wait is a poll with a generous deadline).
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "support/bankd_process.hpp"
#include "support/raw_client.hpp"

namespace bank::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kDeadline = 30s;
const std::string kStateRequest = "GET /node/state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

// A normal client, on a fresh connection, still gets its answer.
void CheckStillServing(const BankdProcess& bankd) {
  auto client = bankd.Client("user0");
  auto r = client.Get("/node/state");
  REQUIRE(r.ok());
  CHECK(r->status == 200);
}

// A value (kB) from /proc/<pid>/status: VmHWM is the peak resident set.
long ProcStatusKb(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  return -1;
}

// `answer` is an HTTP/1.1 response with `status` and CCF's error body
// naming `code`.
void CheckCcfError(const std::string& answer, int status, const std::string& code) {
  INFO(answer.substr(0, 300));
  CHECK(answer.rfind("HTTP/1.1 " + std::to_string(status), 0) == 0);
  CHECK(CountOf(answer, "\"" + code + "\"") == 1);
}

std::unique_ptr<RawConnection> TlsConnection(const BankdProcess& bankd, const RawTlsContext& tls) {
  auto c = std::make_unique<RawConnection>(bankd.port());
  std::string error;
  const bool ok = c->Handshake(tls, kDeadline, &error);
  INFO(error);
  REQUIRE(ok);
  return c;
}

// Sends `piece` up to `times` times, stopping as soon as an answer (a JSON
// body's closing brace) arrives, as bankd answers before the client is
// done; then waits for the answer. Returns what arrived.
std::string SendUntilAnswered(RawConnection& c, const std::string& piece, int times) {
  std::string answer;
  for (int i = 0; i < times && answer.empty(); ++i) {
    if (!c.Send(piece)) break;
    answer = c.ReadUntil("}", 1ms);
  }
  if (answer.empty()) answer = c.ReadUntil("}", kDeadline);
  return answer;
}

TEST_CASE("2,000 idle TLS connections: others are served, memory stays bounded", "[e2e][hostile]") {
  constexpr int kConnections = 2000;
  // Room for them all (CCF's default soft cap is 1,000; see the cap test).
  BankdOptions options;
  options.config_patch = {{"max_open_sessions_soft", 2500}, {"max_open_sessions_hard", 2600}};
  BankdProcess bankd(options);
  struct rlimit limit {};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur < kConnections + 200) {
    WARN("skipped: RLIMIT_NOFILE " << limit.rlim_cur << " is too low for " << kConnections << " connections");
    return;
  }
  const long rss_before = ProcStatusKb(bankd.pid(), "VmRSS");
  RawTlsContext tls(bankd.service_cert());
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < kConnections; ++i) idle.push_back(TlsConnection(bankd, tls));
  CheckStillServing(bankd);
  // The idle ones are still open and usable.
  CHECK(idle.front()->Send(kStateRequest));
  CHECK(CountOf(idle.front()->ReadUntil("HTTP/1.1 200", kDeadline), "HTTP/1.1 200") == 1);
  CHECK(idle.back()->Send(kStateRequest));
  CHECK(CountOf(idle.back()->ReadUntil("HTTP/1.1 200", kDeadline), "HTTP/1.1 200") == 1);
  const long rss_open = ProcStatusKb(bankd.pid(), "VmRSS");
  const long peak = ProcStatusKb(bankd.pid(), "VmHWM");
  std::cout << "bankd with " << kConnections << " idle TLS connections: VmRSS " << rss_before
            << " kB before, " << rss_open << " kB with them open, peak (VmHWM) " << peak << " kB\n";
  WARN("bankd peak RSS (VmHWM) with " << kConnections << " idle TLS connections: " << peak << " kB");
#if defined(__SANITIZE_ADDRESS__)
  // ASan's redzones, shadow and free quarantine (up to 256 MB) are most of
  // a sanitized bankd's RSS: the bound is the normal build's to check.
  WARN("RSS bound not checked under AddressSanitizer");
#else
  CHECK(peak < 512 * 1024);  // bounded: about 85 kB per idle TLS connection today
#endif
  idle.clear();
  CheckStillServing(bankd);
}

TEST_CASE("past max_open_sessions_soft: 503 SessionCapExhausted, past _hard: closed", "[e2e][hostile]") {
  BankdOptions options;
  options.config_patch = {{"max_open_sessions_soft", 4}, {"max_open_sessions_hard", 6}};
  BankdProcess bankd(options);
  RawTlsContext tls(bankd.service_cert());
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) held.push_back(TlsConnection(bankd, tls));
  // Sessions 5 and 6: CCF's answer, then closed.
  for (int i = 0; i < 2; ++i) {
    held.push_back(TlsConnection(bankd, tls));
    REQUIRE(held.back()->Send(kStateRequest));
    const std::string answer = held.back()->ReadUntil("}", kDeadline);
    CheckCcfError(answer, 503, "SessionCapExhausted");
    CHECK(held.back()->WaitClosed(kDeadline));
  }
  // The 7th (6 still open on bankd's side until it sees them close) is cut
  // before its handshake: it fails or the connection closes.
  {
    RawConnection seventh(bankd.port());
    std::string error;
    if (seventh.Handshake(tls, kDeadline, &error)) CHECK(seventh.WaitClosed(kDeadline));
  }
  held.clear();
  // Once bankd has seen them go, normal service resumes.
  const auto end = std::chrono::steady_clock::now() + kDeadline;
  bool served = false;
  while (!served && std::chrono::steady_clock::now() < end) {
    RawConnection c(bankd.port());
    if (c.Handshake(tls, kDeadline) && c.Send(kStateRequest))
      served = c.ReadUntil("\r\n", kDeadline).rfind("HTTP/1.1 200", 0) == 0;
  }
  CHECK(served);
}

TEST_CASE("slowloris: a header block trickling in is cut at header_timeout", "[e2e][hostile]") {
  BankdOptions options;
  options.config_patch = {{"http_configuration", {{"header_timeout", "2s"}}}};
  BankdProcess bankd(options);
  RawTlsContext tls(bankd.service_cert());
  auto slow = TlsConnection(bankd, tls);
  REQUIRE(slow->Send("GET /node/state HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  // One header byte at a time (each would restart an idle timer), until
  // bankd closes the connection or the deadline passes.
  bool closed = false;
  const auto end = std::chrono::steady_clock::now() + kDeadline;
  while (!closed && std::chrono::steady_clock::now() < end) {
    if (!slow->Send("X"))
      closed = true;
    else
      closed = slow->WaitClosed(200ms);
  }
  CHECK(closed);
  CheckStillServing(bankd);
}

TEST_CASE("a 100 MB body gets 413 RequestBodyTooLarge, declared or chunked", "[e2e][hostile]") {
  BankdProcess bankd;
  RawTlsContext tls(bankd.service_cert());
  const std::string chunk(1 << 16, 'x');
  SECTION("Content-Length: 100 MB") {
    auto c = TlsConnection(bankd, tls);
    REQUIRE(
        c->Send("POST /app/deposit/a/b HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                "Content-Length: 104857600\r\n\r\n"));
    // Answered as soon as the length is known, before the body.
    const std::string answer = SendUntilAnswered(*c, chunk, 1600);
    CheckCcfError(answer, 413, "RequestBodyTooLarge");
    CHECK(c->WaitClosed(kDeadline));
  }
  SECTION("chunked, 100 MB") {
    auto c = TlsConnection(bankd, tls);
    REQUIRE(
        c->Send("POST /app/deposit/a/b HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
    const std::string answer = SendUntilAnswered(*c, "10000\r\n" + chunk + "\r\n", 1600);
    CheckCcfError(answer, 413, "RequestBodyTooLarge");
  }
  CheckStillServing(bankd);
}

TEST_CASE("a 1 MB header gets 431 RequestHeaderTooLarge, so do too many headers", "[e2e][hostile]") {
  BankdProcess bankd;
  RawTlsContext tls(bankd.service_cert());
  SECTION("one 1 MB header") {
    auto c = TlsConnection(bankd, tls);
    REQUIRE(c->Send("GET /node/state HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "));
    const std::string answer = SendUntilAnswered(*c, std::string(1 << 14, 'a'), 64);
    CheckCcfError(answer, 431, "RequestHeaderTooLarge");
  }
  SECTION("300 small headers (max_headers_count 256)") {
    auto c = TlsConnection(bankd, tls);
    std::string request = "GET /node/state HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (int i = 0; i < 300; ++i) request += "X-H" + std::to_string(i) + ": 1\r\n";
    REQUIRE(c->Send(request + "\r\n"));
    const std::string answer = c->ReadUntil("}", kDeadline);
    CheckCcfError(answer, 431, "RequestHeaderTooLarge");
  }
  CheckStillServing(bankd);
}

TEST_CASE("10,000 requests on one connection are all answered", "[e2e][hostile]") {
  BankdProcess bankd;
  RawTlsContext tls(bankd.service_cert());
  auto c = TlsConnection(bankd, tls);
  constexpr int kBatches = 100, kPerBatch = 100;
  std::string batch;
  for (int i = 0; i < kPerBatch; ++i) batch += kStateRequest;
  size_t answered = 0;
  for (int b = 0; b < kBatches; ++b) {
    REQUIRE(c->Send(batch));
    const std::string answers = c->ReadUntil("HTTP/1.1 200", kDeadline, kPerBatch);
    const size_t ok = CountOf(answers, "HTTP/1.1 200");
    REQUIRE(ok == kPerBatch);
    answered += ok;
  }
  CHECK(answered == kBatches * kPerBatch);
  CheckStillServing(bankd);
}

TEST_CASE("TLS renegotiation is refused, the connection's peers go on", "[e2e][hostile]") {
  BankdProcess bankd;
  RawTlsContext tls12(bankd.service_cert(), TLS1_2_VERSION);
  auto c = TlsConnection(bankd, tls12);
  REQUIRE(c->Send(kStateRequest));
  REQUIRE(c->ReadUntil("}", kDeadline).rfind("HTTP/1.1 200", 0) == 0);
  CHECK_FALSE(c->Renegotiate(10s));
  CheckStillServing(bankd);
}

TEST_CASE("garbage instead of a TLS handshake closes the connection", "[e2e][hostile]") {
  BankdProcess bankd;
  SECTION("plain HTTP on the TLS port") {
    RawConnection c(bankd.port());
    REQUIRE(c.Send(kStateRequest));
    CHECK(c.WaitClosed(kDeadline));
  }
  SECTION("random bytes") {
    RawConnection c(bankd.port());
    std::string junk;
    for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 7919 + 13) & 0xff));
    c.Send(junk);  // bankd may close before it has read it all
    CHECK(c.WaitClosed(kDeadline));
  }
  CheckStillServing(bankd);
}

}  // namespace
}  // namespace bank::test
