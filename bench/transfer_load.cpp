// Transfer throughput of a real bankd over loopback mTLS.
//
//   build/bench/transfer_load --bankd build/node/bankd [--connections 8]
//                             [--seconds 10] [--max-requests 200000]
//                             [--idempotency-keys]
//
// Creates a throw-away sandbox workspace (3 members, 2 users) under $TMPDIR,
// starts bankd on a free loopback port, member0 creates user0's and user1's
// accounts and deposits enough money, then N keep-alive libcurl connections
// (one thread each, alternating user0 -> user1 and user1 -> user0) send
// transfers of 1 until the time or request budget is spent. Reports
// transfers/s (204s only), latency percentiles, CPU per transfer, and how
// long the last transaction took to be Committed. Stops bankd and removes
// the workspace.
//
// bank::HttpClient opens a fresh connection for a POST that may not be
// repeated (libcurl could otherwise resend it silently), so by default every
// transfer pays a TLS handshake. With --idempotency-keys each transfer
// carries a unique Idempotency-Key, which makes it safe to retry and lets
// the client keep its connection.
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bank/certificate.hpp"
#include "bank/http_client.hpp"
#include "bank/sandbox.hpp"

namespace {

using Clock = std::chrono::steady_clock;

unsigned short FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// CPU seconds (user + system) a process has used so far.
double CpuSeconds(pid_t pid) {
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (f == nullptr) return 0;
  char buf[1024];
  size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');
  unsigned long utime = 0, stime = 0;
  // Fields after the command name: state is field 3; utime and stime are 14 and 15.
  if (p == nullptr || std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return 0;
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "transfer_load: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string bankd;
  int connections = 8, seconds = 10;
  long max_requests = 200000;
  bool idempotency_keys = false;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--idempotency-keys") {
      idempotency_keys = true;
      --i;
      continue;
    }
    if (i + 1 >= argc) return Fail("missing value for " + flag);
    if (flag == "--bankd") bankd = argv[i + 1];
    else if (flag == "--connections") connections = std::atoi(argv[i + 1]);
    else if (flag == "--seconds") seconds = std::atoi(argv[i + 1]);
    else if (flag == "--max-requests") max_requests = std::atol(argv[i + 1]);
    else return Fail("unknown flag " + flag);
  }
  if (bankd.empty() || connections < 1 || connections > 256 || seconds < 1 || seconds > 600 || max_requests < 1)
    return Fail("usage: transfer_load --bankd PATH [--connections 1..256] [--seconds 1..600] [--max-requests N]");

  char tmpl[] = "/tmp/transfer_load.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return Fail("mkdtemp failed");
  const std::string dir = tmpl;
  bank::SandboxOptions options;
  options.workspace = dir + "/workspace";
  options.port = FreePort();
  auto config = bank::PrepareSandbox(options);
  if (!config.ok()) return Fail(config.status().message());
  const auto layout = bank::SandboxLayout::For(options.workspace);
  auto pid = bank::SpawnBankd(bankd, layout.config_path, layout.log_path, /*die_with_parent=*/true);
  if (!pid.ok()) return Fail(pid.status().message());
  const std::string url = "https://" + config->rpc_address;
  int rc = 0;
  if (auto ready = bank::WaitUntilServing(*pid, url, layout.service_cert_path, layout.log_path, std::chrono::seconds(60));
      !ready.ok()) {
    rc = Fail(ready.message());
  } else {
    auto tls = [&](const std::string& name) {
      bank::TlsConfig t;
      t.server = url;
      t.cacert_path = layout.service_cert_path;
      t.cert_path = layout.CertPath(name);
      t.key_path = layout.KeyPath(name);
      return t;
    };
    const std::string user[2] = {bank::Certificate::LoadFile(layout.CertPath("user0"))->Id(),
                                 bank::Certificate::LoadFile(layout.CertPath("user1"))->Id()};
    auto member = bank::HttpClient::Create(tls("member0"));
    for (int u = 0; u < 2; ++u) {
      member->Request("PUT", "/app/account/" + user[u] + "/acc");
      member->PostJson("/app/deposit/" + user[u] + "/acc", {{"value", 1000000000000ULL}});
    }

    std::atomic<long> budget{max_requests}, ok{0}, refused{0}, failed{0};
    std::vector<std::vector<double>> latencies(static_cast<size_t>(connections));
    std::vector<bank::TxId> last(static_cast<size_t>(connections));
    const auto deadline = Clock::now() + std::chrono::seconds(seconds);
    const double server_cpu_start = CpuSeconds(*pid), client_cpu_start = CpuSeconds(::getpid());
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < connections; ++c) {
      threads.emplace_back([&, c] {
        const int from = c % 2;
        auto client = bank::HttpClient::Create(tls("user" + std::to_string(from)), bank::RetryPolicy{1, {}});
        if (!client.ok()) return;
        const std::string body =
            nlohmann::json{{"value", 1}, {"user_id_to", user[1 - from]}, {"account_name_to", "acc"}}.dump();
        long n = 0;
        while (Clock::now() < deadline && budget.fetch_sub(1) > 0) {
          std::map<std::string, std::string> headers;
          if (idempotency_keys) headers["Idempotency-Key"] = "bench-" + std::to_string(c) + "-" + std::to_string(n++);
          auto t0 = Clock::now();
          auto r = client->Request("POST", "/app/transfer/acc", body, "application/json", headers);
          latencies[static_cast<size_t>(c)].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
          if (!r.ok()) {
            ++failed;
          } else if (r->status == 204) {
            ++ok;
            if (auto id = r->txid()) last[static_cast<size_t>(c)] = std::max(last[static_cast<size_t>(c)], *id);
          } else {
            ++refused;
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const double server_cpu = CpuSeconds(*pid) - server_cpu_start;
    const double client_cpu = CpuSeconds(::getpid()) - client_cpu_start;

    // Time until the last acknowledged transfer is Committed (durable).
    const bank::TxId newest = *std::max_element(last.begin(), last.end());
    const auto commit_start = Clock::now();
    std::string status;
    for (int i = 0; i < 1000 && status != "Committed"; ++i) {
      auto r = member->Get("/app/tx?transaction_id=" + newest.ToString());
      if (r.ok() && r->json().ok()) status = r->json()->value("status", "");
      if (status != "Committed") std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const double commit_ms = std::chrono::duration<double, std::milli>(Clock::now() - commit_start).count();

    std::vector<double> all;
    for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    auto pct = [&](double p) { return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))]; };
    std::printf("idempotency_keys=%s connections=%d requests=%zu ok=%ld refused=%ld failed=%ld elapsed=%.2fs\n", idempotency_keys ? "yes" : "no", connections, all.size(),
                ok.load(), refused.load(), failed.load(), elapsed);
    std::printf("transfers/s=%.0f  latency ms p50=%.2f p90=%.2f p99=%.2f max=%.2f  last tx %s %s after %.1f ms\n",
                ok / elapsed, pct(0.5), pct(0.9), pct(0.99), all.empty() ? 0.0 : all.back(), newest.ToString().c_str(),
                status.c_str(), commit_ms);
    // On a shared machine wall-clock rates depend on the neighbours; CPU
    // per transfer does much less.
    std::printf("CPU per transfer: bankd %.0f us, load generator %.0f us (bankd used %.2f CPU-s in %.2f s)\n",
                ok > 0 ? server_cpu * 1e6 / static_cast<double>(ok) : 0.0,
                ok > 0 ? client_cpu * 1e6 / static_cast<double>(ok) : 0.0, server_cpu, elapsed);
    if (failed > 0 || refused > 0) rc = 1;
  }
  bank::StopProcess(*pid, std::chrono::seconds(30));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return rc;
}
