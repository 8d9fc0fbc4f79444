// Receipt verification rate, as `bankctl receipt verify` does it minus file
// reading: parse + verify per receipt, one thread, one ReceiptVerifier.
//
//   receipt_verify [RECEIPTS] [CURVE] [MODE]   defaults: 2000 secp384r1 both
//
// Receipts come from bankd's real ledger engine (a temporary directory):
//   cold    every transaction under its own signature transaction, so each
//           receipt has a distinct signed root: one ECDSA verification each
//   shared  all transactions under one signature: one ECDSA verification,
//           then a leaf hash and a proof walk per receipt
// for CCF's JSON form (node key signs) and the COSE form (service key signs).
// CURVE is the node and service key curve: secp384r1 is what bankd and CCF
// use by default, secp256r1 what the real CCF receipt in tests/vectors uses.
// MODE is both, cold or shared: `shared` alone lets a profiler see the
// shared-root path without the cold run's ECDSA verifications.
#include "bank/receipt_verify.hpp"

#include <fmt/format.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "bank/cose_receipt.hpp"
#include "bank/receipt.hpp"
#include "ledger/engine.hpp"
#include "receipts/receipts.hpp"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "receipt_verify: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T Must(bank::Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.status().message());
  return std::move(r).value();
}

struct Issued {
  bank::Certificate service_cert;  // what verifiers trust
  std::vector<std::string> json;   // receipt texts
  std::vector<bank::Bytes> cose;   // receipt bytes
  size_t distinct_roots = 0;
};

// Writes `n` transfers-like transactions; signs after every one (cold) or
// once at the end (shared); returns their receipts in both forms.
Issued Issue(size_t n, bool sign_each, bank::Curve curve) {
  char tmpl[] = "/tmp/receipt_verify.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) Die("mkdtemp failed");
  const std::string dir = tmpl;

  auto service_key = Must(bank::PrivateKey::GenerateEc(curve), "service key");
  bank::CertificateSpec service_spec;
  service_spec.common_name = "CCF Service";
  service_spec.is_ca = true;
  service_spec.path_length = 0;
  auto service_cert = Must(bank::Certificate::SelfSigned(service_key, service_spec), "service certificate");
  auto node_key = Must(bank::PrivateKey::GenerateEc(curve), "node key");
  bank::CertificateSpec node_spec;
  node_spec.common_name = "CCF Node";
  auto node_cert =
      Must(bank::Certificate::Issue(node_key.Public(), node_spec, service_cert, service_key), "node cert");

  bankd::ledger::EngineOptions options;
  options.directory = dir + "/ledger";
  options.node_cert = node_cert;
  options.node_key = node_key;
  options.service_cert = service_cert;
  options.service_key = service_key;
  options.secret_file = dir + "/ledger_secret";
  options.signature_tx_count = 1u << 30;  // signatures only when asked
  options.signature_interval = std::chrono::hours(24);
  auto engine = Must(bankd::ledger::Engine::Open(options), "engine");

  std::vector<bank::TxId> txids;
  for (size_t i = 0; i < n; ++i) {
    auto w = engine->Write([&](bankd::kv::Tx& tx) {
      tx.Put(fmt::format("user_accounts:user{}", i), "current_account", fmt::format("{{\"balance\":{}}}", i));
      tx.SetClaim(fmt::format("{:064x} sent {} to {:064x}", i, i + 1, i + 2));
      return true;
    });
    txids.push_back(w.txid);
    if (sign_each) engine->Sign();
  }
  if (!sign_each) engine->Sign();
  engine->Flush();

  Issued out;
  out.service_cert = service_cert;
  std::map<uint64_t, bank::CoseSignedRoot> cose_roots;  // one COSE signature per signed root, as bankd
  for (const auto& txid : txids) {
    auto m = engine->Receipt(txid);
    if (!m) Die("no receipt for " + txid.ToString());
    out.json.push_back(bank::ReceiptToJson(bankd::receipts::JsonReceiptOf(*m)).dump());
    auto it = cose_roots.find(m->signature_txid.seqno);
    if (it == cose_roots.end())
      it = cose_roots
               .emplace(
                   m->signature_txid.seqno,
                   Must(bank::SignRootCose(service_key, {m->root, m->signature_txid, 1700000000}), "COSE"))
               .first;
    bank::ReceiptLeaf leaf{m->write_set_digest, m->commit_evidence, m->claims_digest, {}};
    out.cose.push_back(bank::EncodeCoseReceipt(it->second, leaf, m->proof));
  }
  out.distinct_roots = cose_roots.size();
  engine.reset();
  std::filesystem::remove_all(dir);
  return out;
}

// Under `perf record --control=fifo:CTL -D -1`, with RECEIPT_VERIFY_PERF_CTL=CTL
// in the environment, only the verification loops are profiled (issuing the
// receipts through the ledger engine costs far more than verifying them);
// RECEIPT_VERIFY_PERF_FORM=json or cose narrows that to one form.
void PerfControl(const char* command, const char* label) {
  const char* form = std::getenv("RECEIPT_VERIFY_PERF_FORM");
  if (form != nullptr && std::string_view(label).substr(0, 4) != form) return;
  static FILE* const ctl = [] {
    const char* path = std::getenv("RECEIPT_VERIFY_PERF_CTL");
    return path == nullptr ? nullptr : std::fopen(path, "w");
  }();
  if (ctl == nullptr) return;
  std::fprintf(ctl, "%s\n", command);
  std::fflush(ctl);
}

// CPU time of this thread: the machine is shared, wall time is not ours.
double CpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

template <typename Items>
void Rate(const Items& items, const bank::Certificate& service, const char* label) {
  bank::ReceiptVerifier verifier(service);
  const auto start = Clock::now();
  PerfControl("enable", label);
  const double cpu_start = CpuSeconds();
  for (const auto& item : items) {
    auto parsed = Must(bank::ParseAnyReceipt(bank::AsBytes(
                           std::string_view(reinterpret_cast<const char*>(item.data()), item.size()))),
                       "parse");
    auto report = std::visit([&](const auto& r) { return verifier.Verify(r); }, parsed);
    if (!report.verified())
      Die(std::string(label) + ": a receipt does not verify: " + report.FirstFailure()->detail);
  }
  const double cpu = CpuSeconds() - cpu_start;
  PerfControl("disable", label);
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  const double count = static_cast<double>(items.size());
  const auto& s = verifier.stats();
  std::printf(
      "%-12s %6zu receipts: %9.0f /s per core (%.3f s CPU), %9.0f /s wall (%.3f s); %zu signatures "
      "verified, %zu from cache\n",
      label, items.size(), count / cpu, cpu, count / wall, wall, s.signatures_verified,
      s.signature_cache_hits);
}

// What nlohmann's parser alone costs over the same texts (json::accept:
// lexing and grammar, no DOM): the ceiling for any JSON receipt path that
// parses with it.
void LexerFloor(const std::vector<std::string>& texts) {
  const double cpu_start = CpuSeconds();
  size_t bytes = 0;
  for (const auto& t : texts) {
    if (!nlohmann::json::accept(t)) Die("a receipt is not JSON");
    bytes += t.size();
  }
  const double cpu = CpuSeconds() - cpu_start;
  std::printf("%-12s %6zu receipts: %9.0f /s per core (%.3f s CPU), %zu bytes each on average\n",
              "json accept", texts.size(), static_cast<double>(texts.size()) / cpu, cpu,
              bytes / texts.size());
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 2000;
  const std::string curve_name = argc > 2 ? argv[2] : "secp384r1";
  const std::string mode = argc > 3 ? argv[3] : "both";
  if (n == 0) Die("RECEIPTS must be a positive number");
  if (mode != "both" && mode != "cold" && mode != "shared") Die("MODE must be both, cold or shared");
  const bank::Curve curve = Must(bank::ParseCurve(curve_name), "CURVE");
  std::printf("receipt verification, one thread, %s keys, %zu receipts per run\n", bank::CurveName(curve), n);
  for (bool cold : {true, false}) {
    if (mode != "both" && cold != (mode == "cold")) continue;
    Issued issued = Issue(n, cold, curve);
    std::printf("%s: %zu signed root(s)\n",
                cold ? "cold (a signed root per receipt)" : "shared (one signed root)",
                issued.distinct_roots);
    Rate(issued.json, issued.service_cert, cold ? "json cold" : "json shared");
    if (!cold) LexerFloor(issued.json);
    Rate(issued.cose, issued.service_cert, cold ? "cose cold" : "cose shared");
  }
  return 0;
}
