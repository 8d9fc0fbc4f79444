// Transfer throughput of a real bankd over loopback mTLS.
//
//   build/bench/transfer_load --bankd build/node/bankd [--connections 8]
//       [--in-flight 32] [--accounts 1000] [--users 4] [--seconds 10]
//       [--max-requests 200000] [--rate R] [--snapshot-tx-count 10000]
//       [--snapshot-min-ledger-growth 1] [--idempotency-keys] [--json]
//       [--keep-workspace]
//
// Creates a throw-away sandbox workspace under /tmp, starts bankd on a
// free loopback port; member0 creates N accounts ("a<i>", owned by user
// i % users) and deposits the same amount into each. Then `connections`
// TLS connections (one thread each, connection c is user c % users) keep
// `in-flight` pipelined HTTP/1.1 transfers of 1 each outstanding, every one
// from a random account of the connection's user to a random other
// account, until the time or request budget is spent (--rate paces the
// whole run to R transfers/s, for latency at a given load). The clock and
// the CPU counters start once every connection has its TLS session.
// --snapshot-tx-count sets bankd's snapshots.tx_count (default 10,000, as
// CCF's; 0 writes none: the transaction path alone, for comparing two
// builds with less noise; the figures to report keep the default).
// --snapshot-min-ledger-growth sets bankd's snapshots.min_ledger_growth
// (default 1, bankd's; 0: snapshots at every tx_count, CCF's schedule).
//
// At the end it checks what a bank must guarantee and fails (exit 1) when
// any check fails: every transfer got 204 (a refused request is a failure,
// never a data point), the newest acknowledged transaction reads
// Committed (commit is a prefix, so every acknowledged one is durable),
// and the balances of all accounts add up to the deposits.
//
// --keep-workspace keeps the workspace (ledger, snapshots, config, keys:
// its config names absolute paths, so it stays where it is) instead of
// deleting it, and reports its path ("workspace"): a store of a given size
// for bench/restart_time.
//
// Reports transfers/s, latency percentiles, CPU per transfer of bankd
// (/proc/<pid>/stat) and of this load generator (getrusage), which on a
// shared machine say more than wall-clock rates, and how long the last
// transfer took to read Committed. bankd's CPU includes its snapshotter's
// thread, which is also given apart (bankd_snapshot_cpu_us_per_transfer):
// a snapshot is the whole store, so with --snapshot-min-ledger-growth 0
// (one every 10,000 transactions) its share grows with the length of the
// run until the snapshotter never rests; bankd's default bounds it by the
// ledger written.
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <latch>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bank/certificate.hpp"
#include "bank/sandbox.hpp"
#include "bank/txid.hpp"
#include "pipelined_client.hpp"

namespace {

using bench::Clock;

constexpr uint64_t kDeposit = 1000000000;

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

// CPU seconds (user + system) in a /proc stat file (a process's or a thread's).
double StatCpuSeconds(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return 0;
  char buf[1024];
  size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');
  unsigned long utime = 0, stime = 0;
  // Fields after the command name: state is field 3; utime and stime are 14 and 15.
  if (p == nullptr ||
      std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return 0;
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// CPU seconds a process has used so far.
double ProcessCpuSeconds(pid_t pid) { return StatCpuSeconds("/proc/" + std::to_string(pid) + "/stat"); }

// CPU seconds the process's threads named `name` (bankd names its
// threads: bankd-snapshot, bankd-commit, ...) have used so far.
double ThreadCpuSeconds(pid_t pid, std::string_view name) {
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  double sum = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    std::FILE* f = std::fopen((task.path() / "comm").c_str(), "r");
    if (f == nullptr) continue;
    char comm[64] = {};
    const bool named = std::fgets(comm, sizeof(comm), f) != nullptr &&
                       std::string_view(comm).substr(0, std::strcspn(comm, "\n")) == name;
    std::fclose(f);
    if (named) sum += StatCpuSeconds(task.path() / "stat");
  }
  return sum;
}

double SelfCpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "transfer_load: %s\n", what.c_str());
  return 1;
}

void AppendRequest(std::string* out, std::string_view method, std::string_view target, std::string_view body,
                   std::string_view extra_headers = {}) {
  fmt::format_to(std::back_inserter(*out), "{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\n{}", method, target,
                 extra_headers);
  if (!body.empty() || method == "POST")
    fmt::format_to(std::back_inserter(*out), "Content-Type: application/json\r\nContent-Length: {}\r\n",
                   body.size());
  out->append("\r\n").append(body);
}

struct Options {
  std::string bankd;
  int connections = 8, in_flight = 32, accounts = 1000, users = 4, seconds = 10;
  long max_requests = 200000;
  long snapshot_tx_count = 10000;         // bankd's snapshots.tx_count (CCF's default); 0: none
  double snapshot_min_ledger_growth = 1;  // bankd's snapshots.min_ledger_growth
  double rate = 0;                        // transfers/s over all connections; 0: as fast as possible
  bool idempotency_keys = false, json = false;
  bool keep_workspace = false;
};

bool ParseFlags(int argc, char** argv, Options* o, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--idempotency-keys") {
      o->idempotency_keys = true;
      continue;
    }
    if (flag == "--json") {
      o->json = true;
      continue;
    }
    if (flag == "--keep-workspace") {
      o->keep_workspace = true;
      continue;
    }
    if (i + 1 >= argc) return *error = "missing value for " + flag, false;
    const char* v = argv[++i];
    if (flag == "--bankd")
      o->bankd = v;
    else if (flag == "--connections")
      o->connections = std::atoi(v);
    else if (flag == "--in-flight")
      o->in_flight = std::atoi(v);
    else if (flag == "--accounts")
      o->accounts = std::atoi(v);
    else if (flag == "--users")
      o->users = std::atoi(v);
    else if (flag == "--seconds")
      o->seconds = std::atoi(v);
    else if (flag == "--max-requests")
      o->max_requests = std::atol(v);
    else if (flag == "--rate")
      o->rate = std::atof(v);
    else if (flag == "--snapshot-tx-count")
      o->snapshot_tx_count = std::atol(v);
    else if (flag == "--snapshot-min-ledger-growth")
      o->snapshot_min_ledger_growth = std::atof(v);
    else
      return *error = "unknown flag " + flag, false;
  }
  if (o->bankd.empty() || o->connections < 1 || o->connections > 256 || o->in_flight < 1 ||
      o->in_flight > 4096 || o->users < 1 || o->users > 32 || o->accounts < 2 * o->users ||
      o->accounts > 1000000 || o->seconds < 1 || o->seconds > 600 || o->max_requests < 1 || o->rate < 0 ||
      o->snapshot_tx_count < 0 || o->snapshot_min_ledger_growth < 0 || o->snapshot_min_ledger_growth > 1000) {
    *error =
        "usage: transfer_load --bankd PATH [--connections 1..256] [--in-flight 1..4096] [--accounts "
        "N>=2*users] "
        "[--users 1..32] [--seconds 1..600] [--max-requests N] [--rate TPS] [--snapshot-tx-count N] "
        "[--snapshot-min-ledger-growth 0..1000] [--idempotency-keys] [--json] [--keep-workspace]";
    return false;
  }
  return true;
}

struct Run {
  const Options& o;
  unsigned short port;
  bank::SandboxLayout layout;
  std::vector<std::string> user_ids;

  bench::TlsFiles Files(const std::string& name) const {
    return {layout.service_cert_path, layout.CertPath(name), layout.KeyPath(name)};
  }
  static std::string Account(int i) { return "a" + std::to_string(i); }
  int Owner(int account) const { return account % o.users; }

  // Sends `count` requests made by make() on one connection as `name`;
  // every response must have status `expect`. Empty on success.
  std::string Batch(const std::string& name, long count, int expect, const bench::PipelinedClient::Make& make,
                    const std::function<void(long, const bench::ResponseView&)>& check = {}) const {
    bench::PipelinedClient client;
    if (auto e = client.Connect(port, Files(name)); !e.empty()) return e;
    std::string error;
    long got = client.Run(
        count, 64, {}, Clock::time_point::max(), make, [&](long i, const bench::ResponseView& r, double) {
          if (r.status != expect && error.empty())
            error = fmt::format("request {} as {}: status {} {}", i, name, r.status, r.body);
          if (check) check(i, r);
        });
    if (got != count)
      return fmt::format("connection of {} failed after {} of {} responses", name, got, count);
    return error;
  }

  std::string CreateAccounts() const {
    return Batch("member0", o.accounts, 204, [&](long i, std::string* out) {
      AppendRequest(out, "PUT", fmt::format("/app/account/{}/{}", user_ids[Owner(int(i))], Account(int(i))),
                    {});
    });
  }
  std::string Deposit() const {
    const std::string body = fmt::format("{{\"value\":{}}}", kDeposit);
    return Batch("member0", o.accounts, 204, [&](long i, std::string* out) {
      AppendRequest(out, "POST", fmt::format("/app/deposit/{}/{}", user_ids[Owner(int(i))], Account(int(i))),
                    body, fmt::format("Idempotency-Key: setup-{}\r\n", i));
    });
  }
  // Sum of all balances, read by each account's owner.
  std::string SumBalances(uint64_t* sum) const {
    *sum = 0;
    for (int u = 0; u < o.users; ++u) {
      std::vector<int> mine;
      for (int a = u; a < o.accounts; a += o.users) mine.push_back(a);
      auto e = Batch(
          "user" + std::to_string(u), long(mine.size()), 200,
          [&](long i, std::string* out) {
            AppendRequest(out, "GET", "/app/balance/" + Account(mine[size_t(i)]), {});
          },
          [&](long, const bench::ResponseView& r) {
            auto j = nlohmann::json::parse(r.body, nullptr, false);
            if (j.is_object() && j["balance"].is_number_unsigned()) *sum += j["balance"].get<uint64_t>();
          });
      if (!e.empty()) return e;
    }
    return {};
  }
  std::string Status(const bank::TxId& txid, std::string* status) const {
    return Batch(
        "member0", 1, 200,
        [&](long, std::string* out) {
          AppendRequest(out, "GET", "/app/tx?transaction_id=" + txid.ToString(), {});
        },
        [&](long, const bench::ResponseView& r) {
          auto j = nlohmann::json::parse(r.body, nullptr, false);
          *status = j.is_object() ? j.value("status", "") : "";
        });
  }
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (std::string error; !ParseFlags(argc, argv, &o, &error)) return Fail(error);

  char tmpl[] = "/tmp/transfer_load.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return Fail("mkdtemp failed");
  const std::string dir = tmpl;
  bank::SandboxOptions options;
  options.workspace = dir + "/workspace";
  options.port = FreePort();
  options.users = o.users;
  options.snapshot_tx_count = static_cast<uint64_t>(o.snapshot_tx_count);
  options.snapshot_min_ledger_growth = o.snapshot_min_ledger_growth;
  auto config = bank::PrepareSandbox(options);
  if (!config.ok()) return Fail(config.status().message());
  Run run{o, options.port, bank::SandboxLayout::For(options.workspace), {}};
  auto pid = bank::SpawnBankd(o.bankd, run.layout.config_path, run.layout.log_path, /*die_with_parent=*/true);
  if (!pid.ok()) return Fail(pid.status().message());
  int rc = 0;
  auto stop = [&] {
    bank::StopProcess(*pid, std::chrono::seconds(30));
    std::error_code ec;
    if (!o.keep_workspace) std::filesystem::remove_all(dir, ec);
  };
  if (auto ready =
          bank::WaitUntilServing(*pid, "https://" + config->rpc_address, run.layout.service_cert_path,
                                 run.layout.log_path, std::chrono::seconds(60));
      !ready.ok()) {
    stop();
    return Fail(ready.message());
  }
  for (int u = 0; u < o.users; ++u)
    run.user_ids.push_back(
        bank::Certificate::LoadFile(run.layout.CertPath("user" + std::to_string(u)))->Id());
  if (auto e = run.CreateAccounts(); !e.empty()) return stop(), Fail("creating accounts: " + e);
  if (auto e = run.Deposit(); !e.empty()) return stop(), Fail("depositing: " + e);

  // The load.
  std::atomic<long> ok{0}, refused{0}, broken{0};
  std::vector<std::vector<double>> latencies(size_t(o.connections));
  std::vector<bank::TxId> newest(size_t(o.connections));
  std::vector<std::string> first_refusal(size_t(o.connections));
  const auto interval =
      o.rate > 0
          ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.connections / o.rate))
          : Clock::duration::zero();
  // Every connection completes its TLS handshake before the load starts:
  // the figures are those of a steady load, not of the handshakes of the
  // other connections, which bankd's request thread serves in between.
  std::latch connected(o.connections), go(1);
  Clock::time_point start, deadline;
  std::vector<std::thread> threads;
  for (int c = 0; c < o.connections; ++c) {
    threads.emplace_back([&, c] {
      const int user = c % o.users;
      const int own = (o.accounts - user + o.users - 1) / o.users;  // accounts user, user + users, ...
      std::mt19937_64 rng(static_cast<uint64_t>(c) * 7919 + 1);
      bench::PipelinedClient client;
      const bool up = client.Connect(run.port, run.Files("user" + std::to_string(user))).empty();
      connected.count_down();
      go.wait();
      if (!up) {
        ++broken;
        return;
      }
      const long share = o.max_requests / o.connections + (c < o.max_requests % o.connections ? 1 : 0);
      auto& lat = latencies[size_t(c)];
      lat.reserve(size_t(share));
      long got = client.Run(
          share, o.in_flight, interval, deadline,
          [&](long i, std::string* out) {
            const int from = user + o.users * int(rng() % uint64_t(own));
            int to = int(rng() % uint64_t(o.accounts - 1));
            if (to >= from) ++to;
            const std::string body = fmt::format(R"({{"value":1,"user_id_to":"{}","account_name_to":"{}"}})",
                                                 run.user_ids[size_t(run.Owner(to))], Run::Account(to));
            AppendRequest(
                out, "POST", "/app/transfer/" + Run::Account(from), body,
                o.idempotency_keys ? fmt::format("Idempotency-Key: t{}-{}\r\n", c, i) : std::string());
          },
          [&](long, const bench::ResponseView& r, double ms) {
            lat.push_back(ms);
            if (r.status != 204) {
              if (first_refusal[size_t(c)].empty())
                first_refusal[size_t(c)] = fmt::format("{} {}", r.status, r.body);
              ++refused;
              return;
            }
            ++ok;
            if (auto id = bank::TxId::Parse(r.txid)) newest[size_t(c)] = std::max(newest[size_t(c)], *id);
          });
      if (got < 0) ++broken;
    });
  }
  connected.wait();
  const double server_cpu_start = ProcessCpuSeconds(*pid), client_cpu_start = SelfCpuSeconds();
  const double snapshot_cpu_start = ThreadCpuSeconds(*pid, "bankd-snapshot");
  start = Clock::now();
  deadline = start + std::chrono::seconds(o.seconds);
  go.count_down();
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double server_cpu = ProcessCpuSeconds(*pid) - server_cpu_start;
  const double snapshot_cpu = ThreadCpuSeconds(*pid, "bankd-snapshot") - snapshot_cpu_start;
  const double client_cpu = SelfCpuSeconds() - client_cpu_start;

  // Every acknowledged transfer durable: wait for the newest to read Committed.
  const bank::TxId last = *std::max_element(newest.begin(), newest.end());
  const auto commit_start = Clock::now();
  std::string status, error;
  while (error.empty() && status != "Committed" && Clock::now() - commit_start < std::chrono::seconds(10)) {
    error = run.Status(last, &status);
    if (status != "Committed") std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double commit_ms = std::chrono::duration<double, std::milli>(Clock::now() - commit_start).count();
  uint64_t sum = 0;
  std::string sum_error = run.SumBalances(&sum);
  const uint64_t expected = kDeposit * uint64_t(o.accounts);

  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, size_t(p * double(all.size())))];
  };
  const double tps = double(ok) / elapsed;
  const double bankd_us = ok > 0 ? server_cpu * 1e6 / double(ok) : 0.0;
  const double client_us = ok > 0 ? client_cpu * 1e6 / double(ok) : 0.0;
  const double snapshot_us = ok > 0 ? snapshot_cpu * 1e6 / double(ok) : 0.0;
  const bool conserved = sum_error.empty() && sum == expected;
  if (o.json) {
    nlohmann::json j = {{"transfers_per_second", std::round(tps)},
                        {"committed", status == "Committed" ? ok.load() : 0},
                        {"failed", refused.load() + broken.load()},
                        {"connections", o.connections},
                        {"in_flight", o.in_flight},
                        {"accounts", o.accounts},
                        {"seconds", std::round(elapsed * 100) / 100},
                        {"p50_ms", std::round(pct(0.5) * 1000) / 1000},
                        {"p99_ms", std::round(pct(0.99) * 1000) / 1000},
                        {"bankd_cpu_us_per_transfer", std::round(bankd_us * 10) / 10},
                        {"bankd_snapshot_cpu_us_per_transfer", std::round(snapshot_us * 10) / 10},
                        {"client_cpu_us_per_transfer", std::round(client_us * 10) / 10},
                        {"last_commit_ms", std::round(commit_ms * 10) / 10},
                        {"last_txid", last.ToString()},
                        {"conserved", conserved}};
    if (o.keep_workspace) j["workspace"] = options.workspace;
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf(
        "connections=%d in_flight=%d accounts=%d transfers=%ld refused=%ld broken=%ld elapsed=%.2fs\n",
        o.connections, o.in_flight, o.accounts, ok.load(), refused.load(), broken.load(), elapsed);
    std::printf(
        "transfers/s=%.0f  latency ms p50=%.2f p90=%.2f p99=%.2f max=%.2f  last tx %s %s after %.1f ms\n",
        tps, pct(0.5), pct(0.9), pct(0.99), all.empty() ? 0.0 : all.back(), last.ToString().c_str(),
        status.c_str(), commit_ms);
    std::printf(
        "CPU per transfer: bankd %.1f us (its snapshotter %.1f), load generator %.1f us (bankd used %.2f "
        "CPU-s "
        "in %.2f s)\n",
        bankd_us, snapshot_us, client_us, server_cpu, elapsed);
    std::printf("balances: sum %llu, deposits %llu: %s\n", static_cast<unsigned long long>(sum),
                static_cast<unsigned long long>(expected), conserved ? "conserved" : "NOT CONSERVED");
    if (o.keep_workspace) std::printf("workspace kept: %s\n", options.workspace.c_str());
  }
  for (const auto& r : first_refusal)
    if (!r.empty()) {
      std::fprintf(stderr, "transfer_load: first refusal: %s\n", r.c_str());
      break;
    }
  if (!sum_error.empty()) std::fprintf(stderr, "transfer_load: reading balances: %s\n", sum_error.c_str());
  if (!error.empty()) std::fprintf(stderr, "transfer_load: reading tx status: %s\n", error.c_str());
  if (refused > 0 || broken > 0 || ok == 0 || status != "Committed" || !conserved) rc = 1;
  stop();
  return rc;
}
