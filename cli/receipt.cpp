// Receipt commands: `receipt get` fetches a transaction's receipt (JSON or
// COSE), `receipt verify` checks receipts offline against the service
// certificate, many at once (see node/receipts/RECEIPTS.md).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "bank/receipt_verify.hpp"
#include "cli.hpp"
#include "trust_anchor.hpp"

namespace bankctl {
namespace {

using bank::Result;
using bank::Status;
using Clock = std::chrono::steady_clock;

struct GetArgs {
  std::string txid;
  std::string out;
  bool wait = false;
  bool cose = false;
  bool any = false;  // /node/receipt: members, any transaction
};

struct VerifyArgs {
  std::vector<std::string> paths;
  std::string service_cert;
  std::string claim;
  bool has_claim = false;
};

// Seconds from a retry-after header, within [0.05, 3] s; 1 s when absent.
std::chrono::milliseconds RetryAfter(const bank::Response& r) {
  double seconds = 1;
  try {
    if (std::string h = r.header("retry-after"); !h.empty()) seconds = std::stod(h);
  } catch (const std::exception&) {
  }
  return std::chrono::milliseconds(static_cast<long long>(std::clamp(seconds, 0.05, 3.0) * 1000));
}

Status Get(Context& ctx, const GetArgs& a) {
  auto txid = bank::TxId::Parse(a.txid);
  if (!txid) return Status::Usage("'" + a.txid + "' is not a transaction id (expected VIEW.SEQNO, e.g. 2.18)");
  if (a.cose && a.out.empty() && !ctx.json() && ::isatty(STDOUT_FILENO) == 1)
    return Status::Usage("a COSE receipt is binary: pass --out FILE (or redirect stdout)");
  BANK_ASSIGN_OR_RETURN(bank::HttpClient * http, ctx.Client());
  const std::string path = std::string(a.any ? "/node" : "/app") + (a.cose ? "/receipt/cose" : "/receipt") +
                           "?transaction_id=" + txid->ToString();

  const auto deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<long long>(ctx.settings.timeout_seconds * 1000));
  BANK_ASSIGN_OR_RETURN(bank::Response response, http->Get(path));
  for (int polls = 0; response.status == 202; ++polls) {
    if (!a.wait)
      return Status::NotFound(fmt::format("the receipt of {} is not available yet: no signature covers it "
                                          "(retry, or pass --wait)",
                                          txid->ToString()));
    if (Clock::now() >= deadline)
      return Status::Network(fmt::format("the receipt of {} is still not available after {:g} s (--timeout)",
                                         txid->ToString(), ctx.settings.timeout_seconds));
    if (polls == 0) ctx.Progress(fmt::format("waiting for a signature over {}...", txid->ToString()));
    std::this_thread::sleep_for(std::min<Clock::duration>(RetryAfter(response), deadline - Clock::now()));
    BANK_ASSIGN_OR_RETURN(response, http->Get(path));
  }
  if (response.status != 200) return response.ToStatus();

  // Check the form before handing it on: a receipt that does not parse is
  // the service's fault, and better said now than at verification.
  if (a.cose) {
    BANK_RETURN_IF_ERROR(bank::ParseCoseReceipt(bank::AsBytes(response.body)).status().WithContext("the service sent"));
  } else {
    BANK_RETURN_IF_ERROR(bank::ParseReceipt(response.body).status().WithContext("the service sent"));
  }
  std::string content = response.body;
  if (!a.cose) content = nlohmann::json::parse(response.body).dump(2) + "\n";

  if (a.out.empty()) {
    if (a.cose && ctx.json()) {
      ctx.Emit({{"transaction_id", txid->ToString()},
                {"format", "cose"},
                {"receipt_base64", bank::Base64Encode(bank::AsBytes(content))}},
               "");
    } else {
      std::cout << content;
      std::cout.flush();
    }
    return Status::OK();
  }
  BANK_RETURN_IF_ERROR(bank::WriteFileAtomic(a.out, content, 0644));
  ctx.Emit({{"transaction_id", txid->ToString()},
            {"format", a.cose ? "cose" : "json"},
            {"file", a.out},
            {"bytes", content.size()}},
           fmt::format("receipt of {} written to {}", txid->ToString(), a.out));
  return Status::OK();
}

// Regular files named directly, and every regular file under a directory
// but certificates (*.pem), sorted so that reports are stable.
Result<std::vector<std::string>> ReceiptFiles(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec))
        if (it->is_regular_file() && it->path().extension() != ".pem") found.push_back(it->path().string());
      if (ec) return Status::InputFile("cannot list " + p + ": " + ec.message());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(p);  // a missing file is reported with the others
    }
  }
  if (files.empty()) return Status::InputFile("no receipt files in " + paths.front());
  return files;
}

std::string CheckLines(const bank::ReceiptReport& rep) {
  std::string out;
  for (const auto& c : rep.checks) out += fmt::format("  {:<4} {:<16} {}\n", c.passed ? "ok" : "FAIL", c.name, c.detail);
  return out;
}

std::string Headline(const bank::ReceiptReport& rep) {
  std::string what = rep.txid ? "transaction " + rep.txid->ToString() : "signature transaction";
  if (rep.claim) what += ", claim \"" + *rep.claim + "\"";
  if (rep.verified()) return fmt::format("{}: verified ({} receipt of {})", rep.source, rep.format, what);
  const bank::Check* f = rep.FirstFailure();
  return fmt::format("{}: DOES NOT VERIFY ({} receipt of {}): {}: {}", rep.source, rep.format, what, f->name,
                     f->detail);
}

Status Verify(Context& ctx, const VerifyArgs& a) {
  BANK_ASSIGN_OR_RETURN(auto service, TrustedServiceCertificate(ctx, a.service_cert));
  if (!service)
    return Status::Usage("verifying needs the service certificate: pass --service-cert FILE (or --cacert, or "
                         "--workspace with service_cert.pem)");
  BANK_ASSIGN_OR_RETURN(auto files, ReceiptFiles(a.paths));
  std::optional<std::string> claim;
  if (a.has_claim) {
    // Claims are text: the banking app's are "<from> sent <value> to <to>".
    try {
      (void)nlohmann::json(a.claim).dump();
    } catch (const nlohmann::json::exception&) {
      return Status::Usage("--claim must be UTF-8 text");
    }
    claim = a.claim;
  }

  bank::ReceiptVerifier verifier(*service);
  nlohmann::json reports = nlohmann::json::array();
  std::string text;
  size_t verified = 0, failed = 0, unreadable = 0;
  std::string first_problem;
  const bool detailed = files.size() == 1;
  const auto start = Clock::now();
  for (const auto& file : files) {
    auto content = bank::ReadFile(file);
    auto parsed = content.ok() ? bank::ParseAnyReceipt(bank::AsBytes(*content)) : content.status();
    if (!parsed.ok()) {
      ++unreadable;
      std::string message = parsed.status().message();
      if (message.rfind(file, 0) != 0) message = file + ": " + message;
      if (first_problem.empty()) first_problem = message;
      reports.push_back({{"source", file}, {"verified", false}, {"error", message}});
      text += message + "\n";
      continue;
    }
    bank::ReceiptReport rep = std::visit([&](const auto& r) { return verifier.Verify(r, claim); }, *parsed);
    rep.source = file;
    if (rep.verified()) {
      ++verified;
    } else {
      ++failed;
      if (first_problem.empty()) {
        const bank::Check* f = rep.FirstFailure();
        first_problem = fmt::format("{}: {}: {}", file, f->name, f->detail);
      }
    }
    text += Headline(rep) + "\n";
    if (detailed || !rep.verified()) text += CheckLines(rep);
    reports.push_back(rep.ToJson());
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double rate = seconds > 0 ? static_cast<double>(files.size()) / seconds : 0;
  const bank::VerifyStats& s = verifier.stats();
  if (!detailed)
    text += fmt::format(
        "{} receipts: {} verified, {} do not verify, {} unreadable, in {:.3f} s ({:.0f}/s); {} signatures and {} "
        "endorsement chains verified, {} signature and {} endorsement checks answered from the cache\n",
        files.size(), verified, failed, unreadable, seconds, rate, s.signatures_verified, s.endorsements_verified,
        s.signature_cache_hits, s.endorsement_cache_hits);
  ctx.Emit({{"service_certificate", service->Id()},
            {"claim", claim ? nlohmann::json(*claim) : nlohmann::json(nullptr)},
            {"receipts", reports},
            {"verified", verified},
            {"failed", failed},
            {"unreadable", unreadable},
            {"seconds", seconds},
            {"rate_per_second", rate},
            {"signatures_verified", s.signatures_verified},
            {"signature_cache_hits", s.signature_cache_hits},
            {"endorsements_verified", s.endorsements_verified},
            {"endorsement_cache_hits", s.endorsement_cache_hits}},
           text);
  const std::string of = files.size() == 1 ? "" : fmt::format(" ({} of {})", failed + unreadable, files.size());
  if (failed > 0) return Status::VerifyFailed("receipt does not verify" + of + ": " + first_problem);
  if (unreadable > 0) return Status::InputFile("unreadable receipt" + of + ": " + first_problem);
  return Status::OK();
}

void Register(CLI::App& app, Context& ctx) {
  auto* receipt = app.add_subcommand("receipt", "Transaction receipts: fetch them, verify them offline");
  receipt->require_subcommand(1);

  auto get_args = std::make_shared<GetArgs>();
  auto* get = receipt->add_subcommand("get", "Fetch the receipt of a transaction (your transfer, or any with --node)");
  get->add_option("TXID", get_args->txid, "Transaction id VIEW.SEQNO (e.g. 2.18)")->required();
  get->add_flag("--wait", get_args->wait,
                "Wait until a signature covers the transaction (the service answers 202 until then; bounded by "
                "--timeout)");
  get->add_option("--out", get_args->out, "Write the receipt to FILE (default: stdout)");
  get->add_flag("--cose", get_args->cose, "The COSE receipt (RFC 9942, CCF profile) instead of CCF's JSON receipt");
  get->add_flag("--node", get_args->any,
                "Use /node/receipt (members: any transaction, governance included) instead of /app/receipt");
  ctx.Bind(get, [&ctx, get_args] { return Get(ctx, *get_args); });

  auto verify_args = std::make_shared<VerifyArgs>();
  auto* verify = receipt->add_subcommand(
      "verify", "Verify receipts offline: leaf, proof, root signature, endorsement (exit 7 when one does not verify)");
  verify->add_option("FILE", verify_args->paths, "Receipt files or directories (JSON, managed-service envelope, COSE)")
      ->required();
  verify->add_option("--service-cert", verify_args->service_cert,
                     "The service certificate to trust (default: --cacert, or the workspace's service_cert.pem)");
  auto* claim = verify->add_option("--claim", verify_args->claim,
                                   "Also check that each receipt proves exactly this claim text");
  ctx.Bind(verify, [&ctx, verify_args, claim] {
    verify_args->has_claim = claim->count() > 0;
    return Verify(ctx, *verify_args);
  });
}

BANKCTL_COMMAND_GROUP_ORDERED(Register, 30);

}  // namespace
}  // namespace bankctl
