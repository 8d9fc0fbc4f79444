// Receipt commands: `receipt get` / `receipt fetch` fetch a transaction's
// receipt (JSON or COSE; fetch waits through 202 + Retry-After), `receipt
// verify` checks receipts of every form offline against trust anchors,
// many at once (see node/receipts/RECEIPTS.md).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "bank/application_claims.hpp"
#include "bank/receipt_verify.hpp"
#include "bank/transfer_proof.hpp"
#include "cli.hpp"
#include "receipt_fetch.hpp"
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
  std::vector<std::string> service_certs;  // files, bundles, directories
  std::vector<std::string> jwks;
  std::vector<std::string> service_params;
  std::string claim;
  bool has_claim = false;
  std::string application_claims;  // FILE
  std::string claims_digest;       // HEX
  std::string trust;               // a transfer proof's: service id or certificate file
  bool integrity_only = false;
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

}  // namespace

Result<bank::Response> FetchReceipt(Context& ctx, const bank::TxId& txid, const std::string& path, bool wait,
                                    bool json_form) {
  BANK_ASSIGN_OR_RETURN(bank::HttpClient * http, ctx.Client());
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<long long>(ctx.settings.timeout_seconds * 1000));
  // Not ready yet: 202 (CCF), or 200 with an envelope whose state is not
  // "Ready" (Azure Confidential Ledger's "Loading").
  auto pending = [&](const bank::Response& r) {
    if (r.status == 202) return true;
    if (r.status != 200 || !json_form) return false;
    auto j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    return j.is_object() && j.contains("state") && j["state"] != "Ready" && !j.contains("receipt");
  };
  BANK_ASSIGN_OR_RETURN(bank::Response response, http->Get(path));
  for (int polls = 0; pending(response); ++polls) {
    if (!wait)
      return Status::NotFound(
          fmt::format("the receipt of {} is not available yet: no signature covers it "
                      "(retry, or pass --wait)",
                      txid.ToString()));
    if (Clock::now() >= deadline)
      return Status::Network(fmt::format("the receipt of {} is still not available after {:g} s (--timeout)",
                                         txid.ToString(), ctx.settings.timeout_seconds));
    if (polls == 0) ctx.Progress(fmt::format("waiting for a signature over {}...", txid.ToString()));
    std::this_thread::sleep_for(std::min<Clock::duration>(RetryAfter(response), deadline - Clock::now()));
    BANK_ASSIGN_OR_RETURN(response, http->Get(path));
  }
  if (response.status != 200) return response.ToStatus();
  return response;
}

namespace {

Status Get(Context& ctx, const GetArgs& a) {
  auto txid = bank::TxId::Parse(a.txid);
  if (!txid)
    return Status::Usage("'" + a.txid + "' is not a transaction id (expected VIEW.SEQNO, e.g. 2.18)");
  if (a.cose && a.out.empty() && !ctx.json() && ::isatty(STDOUT_FILENO) == 1)
    return Status::Usage("a COSE receipt is binary: pass --out FILE (or redirect stdout)");
  const std::string path = std::string(a.any ? "/node" : "/app") + (a.cose ? "/receipt/cose" : "/receipt") +
                           "?transaction_id=" + txid->ToString();
  BANK_ASSIGN_OR_RETURN(bank::Response response, FetchReceipt(ctx, *txid, path, a.wait, !a.cose));
  // Check the form before handing it on: a receipt that does not parse is
  // the service's fault, and better said now than at verification.
  BANK_RETURN_IF_ERROR(
      bank::ParseAnyReceipt(bank::AsBytes(response.body)).status().WithContext("the service sent"));
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

void CheckLines(const bank::ReceiptReport& rep, const std::string& indent, bool integrity_only,
                std::string& out) {
  const char* suffix = integrity_only ? "  [not anchored]" : "";
  for (const auto& c : rep.checks)
    out +=
        fmt::format("{}{:<7} {:<18} {}{}\n", indent, bank::OutcomeName(c.outcome), c.name, c.detail, suffix);
  for (const auto& sub : rep.receipts) {
    out += fmt::format("{}{}: {}{}\n", indent, sub.source, sub.form, sub.skipped ? " (skipped)" : "");
    CheckLines(sub, indent + "  ", integrity_only, out);
  }
}

std::string Headline(const bank::ReceiptReport& rep, bool integrity_only) {
  std::string what = rep.txid ? "transaction " + rep.txid->ToString() : "signature transaction";
  if (rep.claim) what += ", claim \"" + *rep.claim + "\"";
  if (rep.verified())
    return fmt::format("{}: verified ({} of {}; anchor {})", rep.source, rep.form, what, rep.anchor);
  if (integrity_only && rep.intact())
    return fmt::format(
        "{}: intact, NOT ANCHORED (--check-integrity-only: {} of {}; no trust anchor checked it)", rep.source,
        rep.form, what);
  const bank::Check* f = rep.FirstFailure();
  if (f == nullptr)
    return fmt::format("{}: DOES NOT VERIFY ({} of {}): nothing this verifier can check", rep.source,
                       rep.form, what);
  return fmt::format("{}: DOES NOT VERIFY ({} of {}): {}: {}", rep.source, rep.form, what, f->name,
                     f->detail);
}

// The trust anchors: every --service-cert / --jwks / --service-params, else
// --cacert or the workspace's service certificate; none with
// --check-integrity-only.
Result<bank::TrustAnchors> Anchors(Context& ctx, const VerifyArgs& a) {
  bank::TrustAnchors anchors;
  const bool explicit_anchor = !a.service_certs.empty() || !a.jwks.empty() || !a.service_params.empty();
  if (a.integrity_only) {
    if (explicit_anchor)
      return Status::Usage(
          "--check-integrity-only verifies without a trust anchor: drop --service-cert, --jwks "
          "and --service-params (or drop --check-integrity-only)");
    return anchors;
  }
  for (const auto& p : a.service_certs) BANK_RETURN_IF_ERROR(anchors.AddPath(p));
  for (const auto& p : a.jwks) {
    BANK_ASSIGN_OR_RETURN(std::string text, bank::ReadFile(p));
    BANK_RETURN_IF_ERROR(anchors.AddJwks(text, p));
  }
  for (const auto& p : a.service_params) {
    BANK_ASSIGN_OR_RETURN(std::string text, bank::ReadFile(p));
    BANK_RETURN_IF_ERROR(anchors.AddServiceParameters(text, p));
  }
  // --trust: a certificate is an anchor for plain receipts too; an id
  // serves transfer proofs only (they bundle the certificate it names).
  if (!a.trust.empty() && !bank::IsHexId(a.trust)) BANK_RETURN_IF_ERROR(anchors.AddPath(a.trust));
  if (!explicit_anchor && a.trust.empty()) {
    BANK_ASSIGN_OR_RETURN(auto service, TrustedServiceCertificate(ctx, ""));
    if (service) BANK_RETURN_IF_ERROR(anchors.AddCertificate(*service, "the service certificate"));
  }
  if (anchors.empty() && a.trust.empty())
    return Status::Usage(
        "verifying needs a trust anchor: pass --service-cert FILE|DIR, --jwks FILE or "
        "--service-params FILE (or --cacert, or --workspace with service_cert.pem); "
        "--check-integrity-only checks everything but the anchor");
  return anchors;
}

Result<bank::Expected> Expectation(const VerifyArgs& a) {
  bank::Expected e;
  if (a.has_claim) {
    // Claims are text: the banking app's are "<from> sent <value> to <to>".
    try {
      (void)nlohmann::json(a.claim).dump();
    } catch (const nlohmann::json::exception&) {
      return Status::Usage("--claim must be UTF-8 text");
    }
    e.claim = a.claim;
  }
  if (!a.claims_digest.empty() && !a.application_claims.empty())
    return Status::Usage("--claims-digest and --application-claims both give the claims digest: pass one");
  if (!a.claims_digest.empty()) {
    auto d = bank::DigestFromHex(a.claims_digest);
    if (!d.ok()) return Status::Usage("--claims-digest must be 64 hex characters");
    e.claims_digest = *d;
    e.claims_source = "the --claims-digest given";
  }
  if (!a.application_claims.empty()) {
    BANK_ASSIGN_OR_RETURN(std::string text, bank::ReadFile(a.application_claims));
    auto d = bank::ApplicationClaimsDigestFromText(text);
    if (!d.ok()) return d.status().WithContext(a.application_claims);
    e.claims_digest = *d;
    e.claims_step = "application_claims";
    e.claims_source = "the digest of the application claims in " + a.application_claims;
  }
  return e;
}

// A transfer proof (bankctl receipt bundle) checked against --trust alone.
Result<bank::ReceiptReport> VerifyProof(const VerifyArgs& a, const std::string& file,
                                        const std::string& content) {
  if (a.trust.empty())
    return Status::Usage(file +
                         " is a transfer proof: pass --trust SERVICE_ID_OR_CERT (the service you trust)");
  BANK_ASSIGN_OR_RETURN(bank::TransferProof proof, bank::ParseTransferProof(content));
  std::string trust = a.trust;
  if (!bank::IsHexId(trust)) {
    BANK_ASSIGN_OR_RETURN(trust, bank::ReadFile(a.trust));
  }
  bank::ReceiptReport rep = bank::VerifyTransferProof(proof, trust);
  rep.source = file;
  return rep;
}

Status Verify(Context& ctx, const VerifyArgs& a) {
  BANK_ASSIGN_OR_RETURN(bank::TrustAnchors anchors, Anchors(ctx, a));
  BANK_ASSIGN_OR_RETURN(bank::Expected expected, Expectation(a));
  BANK_ASSIGN_OR_RETURN(auto files, ReceiptFiles(a.paths));
  nlohmann::json anchors_json = nlohmann::json::array();
  for (const auto& an : anchors.all())
    anchors_json.push_back({{"origin", an.origin}, {"kid", an.kid}, {"common_name", an.name}});

  bank::ReceiptVerifier verifier(std::move(anchors));
  nlohmann::json reports = nlohmann::json::array();
  std::string text;
  size_t verified = 0, failed = 0, unreadable = 0;
  std::string first_problem;
  const bool detailed = files.size() == 1;
  const auto start = Clock::now();
  for (const auto& file : files) {
    auto content = bank::ReadFile(file);
    if (content.ok() && bank::LooksLikeTransferProof(*content)) {
      BANK_ASSIGN_OR_RETURN(bank::ReceiptReport rep, VerifyProof(a, file, *content));
      const bool good = rep.verified();
      ++(good ? verified : failed);
      if (!good && first_problem.empty()) {
        const bank::Check* f = rep.FirstFailure();
        first_problem = f ? fmt::format("{}: {}: {}", file, f->name, f->detail) : file + ": not anchored";
      }
      text += Headline(rep, false) + "\n";
      if (detailed || !good) CheckLines(rep, "  ", false, text);
      reports.push_back(rep.ToJson());
      continue;
    }
    auto parsed = content.ok() ? bank::ParseAnyReceipt(bank::AsBytes(*content)) : content.status();
    if (!parsed.ok()) {
      ++unreadable;
      std::string message = parsed.status().message();
      if (message.rfind(file, 0) != 0) message = file + ": " + message;
      if (first_problem.empty()) first_problem = message;
      reports.push_back({{"source", file}, {"verified", false}, {"anchored", false}, {"error", message}});
      text += message + "\n";
      continue;
    }
    bank::ReceiptReport rep = verifier.Verify(*parsed, expected);
    rep.source = file;
    const bool good = a.integrity_only ? rep.intact() : rep.verified();
    if (good) {
      ++verified;
    } else {
      ++failed;
      if (first_problem.empty()) {
        const bank::Check* f = rep.FirstFailure();
        first_problem = f ? fmt::format("{}: {}: {}", file, f->name, f->detail)
                          : file + ": nothing this verifier can check (every receipt skipped)";
      }
    }
    text += Headline(rep, a.integrity_only) + "\n";
    if (detailed || !good) CheckLines(rep, "  ", a.integrity_only, text);
    reports.push_back(rep.ToJson());
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double rate = seconds > 0 ? static_cast<double>(files.size()) / seconds : 0;
  const bank::VerifyStats& s = verifier.stats();
  const char* ok_word = a.integrity_only ? "intact (not anchored)" : "verified";
  if (!detailed)
    text += fmt::format(
        "{} receipts: {} {}, {} do not verify, {} unreadable, in {:.3f} s ({:.0f}/s); {} signatures and {} "
        "endorsement chains verified, {} signature and {} endorsement checks answered from the cache\n",
        files.size(), verified, ok_word, failed, unreadable, seconds, rate, s.signatures_verified,
        s.endorsements_verified, s.signature_cache_hits, s.endorsement_cache_hits);
  ctx.Emit(
      {{"anchored", !a.integrity_only},
       {"integrity_only", a.integrity_only},
       {"trust_anchors", anchors_json},
       {"claim", expected.claim ? nlohmann::json(*expected.claim) : nlohmann::json(nullptr)},
       {"claims_digest", expected.claims_digest ? nlohmann::json(bank::DigestHex(*expected.claims_digest))
                                                : nlohmann::json(nullptr)},
       {"receipts", reports},
       {a.integrity_only ? "intact" : "verified", verified},
       {"failed", failed},
       {"unreadable", unreadable},
       {"seconds", seconds},
       {"rate_per_second", rate},
       {"signatures_verified", s.signatures_verified},
       {"signature_cache_hits", s.signature_cache_hits},
       {"endorsements_verified", s.endorsements_verified},
       {"endorsement_cache_hits", s.endorsement_cache_hits}},
      text);
  const std::string of =
      files.size() == 1 ? "" : fmt::format(" ({} of {})", failed + unreadable, files.size());
  if (failed > 0) return Status::VerifyFailed("receipt does not verify" + of + ": " + first_problem);
  if (unreadable > 0) return Status::InputFile("unreadable receipt" + of + ": " + first_problem);
  return Status::OK();
}

void Register(CLI::App& app, Context& ctx) {
  auto* receipt = app.add_subcommand("receipt", "Transaction receipts: fetch them, verify them offline");
  receipt->require_subcommand(1);

  // `get` answers at once; `fetch` waits through 202 + Retry-After by default.
  for (bool fetch : {false, true}) {
    auto get_args = std::make_shared<GetArgs>();
    get_args->wait = fetch;
    auto* get = receipt->add_subcommand(
        fetch ? "fetch" : "get",
        fetch ? "Fetch the receipt of a transaction, polling while the service answers 202 (bounded by "
                "--timeout)"
              : "Fetch the receipt of a transaction (your transfer, or any with --node)");
    get->add_option("TXID", get_args->txid, "Transaction id VIEW.SEQNO (e.g. 2.18)")->required();
    if (!fetch)
      get->add_flag(
          "--wait", get_args->wait,
          "Wait until a signature covers the transaction (the service answers 202 until then; bounded "
          "by --timeout)");
    get->add_option("--out", get_args->out, "Write the receipt to FILE (default: stdout)");
    get->add_flag("--cose", get_args->cose,
                  "The COSE receipt (RFC 9942, CCF profile) instead of CCF's JSON receipt");
    get->add_flag(
        "--node", get_args->any,
        "Use /node/receipt (members: any transaction, governance included) instead of /app/receipt");
    ctx.Bind(get, [&ctx, get_args] { return Get(ctx, *get_args); });
  }

  auto verify_args = std::make_shared<VerifyArgs>();
  auto* verify = receipt->add_subcommand(
      "verify",
      "Verify receipts offline, every form (CCF JSON, ACL camelCase, envelopes, COSE receipts, transparent "
      "statements) against trust anchors (exit 7 when one does not verify)");
  verify
      ->add_option("FILE", verify_args->paths, "Receipt files or directories (any form, detected by content)")
      ->required();
  verify->add_option(
      "--service-cert", verify_args->service_certs,
      "A service certificate to trust: PEM (one or a bundle), DER, or a directory of them; repeatable "
      "(default: --cacert, or the workspace's service_cert.pem)");
  verify->add_option(
      "--jwks", verify_args->jwks,
      "A JWKS of service keys to trust (a CCF or SCITT service's /jwks; EC keys matched by kid); "
      "repeatable");
  verify->add_option(
      "--service-params", verify_args->service_params,
      "A service parameters file to trust ({\"parameters\": [{\"serviceCertificate\": ...}]}, as the "
      "Code Transparency Service publishes); repeatable");
  verify->add_option(
      "--trust", verify_args->trust,
      "The service a transfer proof (receipt bundle) must come from: its id (64 hex, SHA-256 of "
      "the service certificate) or its certificate file; a certificate also anchors plain receipts");
  auto* claim = verify->add_option("--claim", verify_args->claim,
                                   "Also check that each receipt proves exactly this claim text");
  verify->add_option("--application-claims", verify_args->application_claims,
                     "Azure Confidential Ledger application claims (JSON array, LedgerEntry or ClaimDigest): "
                     "recompute their digest as ACL's SDKs do and check it against the leaf");
  verify->add_option("--claims-digest", verify_args->claims_digest,
                     "Check that the leaf's claims digest is this 64-hex value (any other claims scheme)");
  verify->add_flag("--check-integrity-only", verify_args->integrity_only,
                   "Check everything but the trust anchor (leaf, proof, node signature, endorsement links): "
                   "every line and the JSON say \"not anchored\"; exit 0 when all that holds");
  ctx.Bind(verify, [&ctx, verify_args, claim] {
    verify_args->has_claim = claim->count() > 0;
    return Verify(ctx, *verify_args);
  });
}

BANKCTL_COMMAND_GROUP_ORDERED(Register, 30);

}  // namespace
}  // namespace bankctl
