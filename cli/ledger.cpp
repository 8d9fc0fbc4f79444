// `ledger audit DIR`: re-verifies a copy of bankd's ledger offline and names
// the first transaction that does not verify (bank/ledger_audit.hpp).
#include <memory>

#include <fmt/format.h>

#include "bank/ledger_audit.hpp"
#include "cli.hpp"
#include "trust_anchor.hpp"

namespace bankctl {
namespace {

using bank::Status;

struct AuditArgs {
  std::string directory;
  std::string service_cert;
};

std::string Summary(const bank::ledger::AuditReport& r, const std::optional<bank::Certificate>& service) {
  std::string text = fmt::format("{}: {} transactions ({} signatures) in {} chunk file(s), {} bytes", r.directory,
                                 r.transactions, r.signatures, r.files, r.bytes);
  if (r.last_txid) text += fmt::format("\nlast transaction {}", r.last_txid->ToString());
  if (r.last_signature_txid)
    text += fmt::format(", last signature {}", r.last_signature_txid->ToString());
  if (r.unsigned_tail > 0)
    text += fmt::format(" ({} transaction(s) after it are not covered by a signature yet)", r.unsigned_tail);
  if (service)
    text += fmt::format("\nnode certificates endorsed by the service certificate (CN={}, id {})",
                        service->CommonName(), service->Id());
  else
    text += "\nnode certificate endorsement not checked (no --service-cert, --cacert or workspace)";
  if (r.torn_tail)
    text += fmt::format("\ntorn tail: {} byte(s) at the end of {} from offset {} ({}); bankd cuts them on start",
                        r.torn_tail->bytes, r.torn_tail->file, r.torn_tail->offset, r.torn_tail->problem);
  return text;
}

Status Audit(Context& ctx, const AuditArgs& a) {
  BANK_ASSIGN_OR_RETURN(auto service, TrustedServiceCertificate(ctx, a.service_cert));
  bank::ledger::AuditOptions options;
  options.service_cert = service;
  BANK_ASSIGN_OR_RETURN(auto report, bank::ledger::AuditLedger(a.directory, options));

  if (report.ok()) {
    ctx.Emit(report.ToJson(), Summary(report, service) + "\nverified: every leaf, root and signature checks out");
    return Status::OK();
  }
  const auto& p = *report.problem;
  std::string which = p.txid ? fmt::format("transaction {} (seqno {})", p.txid->ToString(), p.seqno)
                             : fmt::format("the transaction at seqno {}", p.seqno);
  if (!p.txid && report.last_txid) which += fmt::format(" (after {})", report.last_txid->ToString());
  std::string message = fmt::format("{} does not verify: {} in {} at offset {}: {}", a.directory, which,
                                    p.file.empty() ? "?" : p.file, p.offset, p.what);
  if (p.covered_from != 0)
    message += fmt::format(" (its root covers seqnos {} to {}: one of them was altered)", p.covered_from,
                           p.seqno - 1);
  ctx.Emit(report.ToJson(), Summary(report, service) + "\nverified up to the problem below");
  return Status::VerifyFailed(message);
}

void Register(CLI::App& app, Context& ctx) {
  auto* ledger = app.add_subcommand("ledger", "bankd's ledger files, offline");
  ledger->require_subcommand(1);
  auto args = std::make_shared<AuditArgs>();
  auto* audit = ledger->add_subcommand(
      "audit",
      "Re-verify a ledger directory: checksums, chain, every leaf and root, every signature and endorsement "
      "(exit 7 naming the first transaction that does not verify)");
  audit->add_option("DIR", args->directory, "The ledger directory (ledger_<seqno>.chunk files)")->required();
  audit->add_option("--service-cert", args->service_cert,
                    "The service certificate that must endorse the node certificates (default: --cacert, or the "
                    "workspace's service_cert.pem)");
  ctx.Bind(audit, [&ctx, args] { return Audit(ctx, *args); });
}

BANKCTL_COMMAND_GROUP_ORDERED(Register, 60);

}  // namespace
}  // namespace bankctl
