// `ledger audit DIR...` (bank/ledger_audit.hpp) and `ledger read DIR...`
// (like CCF's read_ledger.py) on CCF ledgers: bankd's and real CCF
// services' alike.
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <regex>

#include "bank/json_text.hpp"
#include "bank/ledger_audit.hpp"
#include "bank/ledger_display.hpp"
#include "bank/ledger_secret.hpp"
#include "cli.hpp"

namespace bankctl {
namespace {

using bank::Status;
using nlohmann::json;
namespace ledger = bank::ledger;

struct AuditArgs {
  std::vector<std::string> paths;
  std::string service_cert;
  std::string snapshot;
  std::string ledger_secret;
  bool uncommitted = false;
};

std::string Summary(const ledger::AuditReport& r) {
  auto id = [](const std::optional<bank::TxId>& t) { return t ? t->ToString() : std::string("-"); };
  std::string text = fmt::format(
      "{}: {} transactions {}..{} in {} file(s), {} node signatures, {} COSE root signatures, {} governance "
      "envelopes, {} signed member acks, {} service certificate(s)",
      r.verified() ? "verified" : "NOT verified", r.transactions, id(r.first), id(r.last), r.files,
      r.signatures, r.cose_signatures, r.governance_envelopes, r.member_acks, r.service_certificates);
  if (r.snapshot) text += fmt::format(", from snapshot {}", r.snapshot->ToString());
  if (r.gcm_tags) text += fmt::format(", {} GCM tags checked", r.gcm_tags);
  if (r.unsigned_tail)
    text +=
        fmt::format("\nnote: {} transaction(s) after the last signature {} are covered by no signature yet",
                    r.unsigned_tail, id(r.last_signature));
  if (r.torn_tail)
    text += fmt::format("\nnote: torn tail of {} byte(s) at the end of {} from offset {} ({})",
                        r.torn_tail->bytes, r.torn_tail->file, r.torn_tail->offset, r.torn_tail->problem);
  for (const auto& p : r.problems)
    text += fmt::format("\n{} at offset {}{}: {}: {}", p.file.empty() ? "ledger" : p.file, p.offset,
                        p.txid ? " (txid " + p.txid->ToString() + ")" : "", p.check, p.detail);
  return text;
}

Status Audit(Context& ctx, const AuditArgs& a) {
  ledger::AuditOptions options;
  options.uncommitted = a.uncommitted;
  if (!a.service_cert.empty()) {
    BANK_ASSIGN_OR_RETURN(options.service_cert, bank::Certificate::LoadFile(a.service_cert));
  }
  if (!a.snapshot.empty()) options.snapshot_file = a.snapshot;
  if (!a.ledger_secret.empty()) {
    BANK_ASSIGN_OR_RETURN(options.ledger_secret, ledger::LoadLedgerSecret(a.ledger_secret));
  }
  BANK_ASSIGN_OR_RETURN(auto report, ledger::AuditLedger(a.paths, options));
  ctx.Emit(report.ToJson(), Summary(report));
  if (report.verified()) return Status::OK();
  const auto& p = report.problems.empty() ? ledger::AuditProblem{"", 0, {}, "empty", "no transaction"}
                                          : report.problems.front();
  return Status::VerifyFailed(fmt::format(
      "ledger does not verify: {} problem(s), first in {} at offset {}{}: {}", report.problems.size(), p.file,
      p.offset, p.txid ? " (txid " + p.txid->ToString() + ")" : "", p.detail));
}

struct ReadArgs {
  std::vector<std::string> paths;
  std::string tables;
  std::string ledger_secret;
  bool digests_only = false;
  bool uncommitted = false;
  bool jsonl = false;
};

json TablesJson(const std::vector<ledger::Table>& tables, const std::optional<std::regex>& filter) {
  json out = json::object();
  for (const auto& t : tables) {
    if (filter && !std::regex_search(t.name, *filter)) continue;
    json writes = json::array(), removes = json::array();
    for (const auto& w : t.writes) {
      if (w.value)
        writes.push_back(
            {{"key", ledger::DisplayKey(t.name, w.key)}, {"value", ledger::DisplayValue(t.name, *w.value)}});
      else
        removes.push_back(ledger::DisplayKey(t.name, w.key));
    }
    out[t.name] = {{"writes", writes}, {"removes", removes}};
  }
  return out;
}

std::string TablesText(const std::vector<ledger::Table>& tables, const std::optional<std::regex>& filter) {
  std::string text;
  for (const auto& t : tables) {
    if (filter && !std::regex_search(t.name, *filter)) continue;
    text += fmt::format("    table \"{}\" ({} write{}):\n", t.name, t.writes.size(),
                        t.writes.size() == 1 ? "" : "s");
    for (const auto& w : t.writes) {
      std::string key = ledger::DisplayKey(t.name, w.key);
      if (!w.value) {
        text += fmt::format("      Removed {}\n", key);
        continue;
      }
      json v = ledger::DisplayValue(t.name, *w.value);
      std::string shown = v.is_string() ? v.get<std::string>() : v.dump(2);
      std::string indented;
      for (char c : shown) indented += c == '\n' ? std::string("\n        ") : std::string(1, c);
      text += fmt::format("      {}:\n        {}\n", key, indented);
    }
  }
  return text;
}

Status Read(Context& ctx, const ReadArgs& a) {
  std::optional<std::regex> filter;
  if (!a.tables.empty()) {
    try {
      filter.emplace(a.tables, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Status::Usage(fmt::format("--tables: not a regular expression: {}", e.what()));
    }
  }
  std::optional<std::string> secret;
  if (!a.ledger_secret.empty()) {
    BANK_ASSIGN_OR_RETURN(secret, ledger::LoadLedgerSecret(a.ledger_secret));
  }
  ledger::ListOptions list;
  list.uncommitted = a.uncommitted;
  BANK_ASSIGN_OR_RETURN(auto files, ledger::ListLedgerFiles(a.paths, list));
  if (files.empty()) return Status::InputFile("no CCF ledger chunk in the given paths");
  ledger::LedgerReader reader(std::move(files));
  json all = json::array();
  size_t last_file = SIZE_MAX;
  ledger::ReadEntry e;
  while (reader.Next(&e)) {
    const auto& f = e.frame;
    const auto& file = reader.files()[e.file_index];
    std::string wsd = bank::DigestHex(ledger::WriteSetDigest(f));
    std::optional<std::vector<ledger::Table>> private_tables;
    std::string private_error;
    if (secret && !f.private_domain.empty()) {
      auto plain = ledger::OpenDomains(*secret, f);
      auto parsed = plain.ok() ? ledger::ParsePrivateDomain(*plain) : plain.status();
      if (parsed.ok())
        private_tables = std::move(*parsed);
      else
        private_error = parsed.status().message();
    }
    if (ctx.json()) {
      json tx = {{"txid", f.txid.ToString()},
                 {"file", file.name},
                 {"offset", e.offset},
                 {"size", f.raw.size()},
                 {"write_set_digest", wsd}};
      if (!a.digests_only) {
        tx["entry_type"] = ledger::EntryTypeName(e.domain.type);
        tx["flags"] = f.flags;
        if (e.domain.claims_digest) tx["claims_digest"] = bank::DigestHex(*e.domain.claims_digest);
        if (e.domain.commit_evidence_digest)
          tx["commit_evidence_digest"] = bank::DigestHex(*e.domain.commit_evidence_digest);
        tx["private_bytes"] = f.private_domain.size();
        tx["tables"] = TablesJson(e.domain.tables, filter);
        if (private_tables) tx["private_tables"] = TablesJson(*private_tables, filter);
        if (!private_error.empty()) tx["private_error"] = private_error;
      }
      if (a.jsonl)
        std::cout << bank::JsonText(tx) << '\n';
      else
        all.push_back(std::move(tx));
      continue;
    }
    if (a.digests_only) {
      std::cout << f.txid.ToString() << ' ' << wsd << '\n';
      continue;
    }
    if (e.file_index != last_file) {
      std::cout << fmt::format("chunk {} ({}committed)\n", file.path, file.committed ? "" : "un");
      last_file = e.file_index;
    }
    std::string body = TablesText(e.domain.tables, filter);
    if (!filter && !f.private_domain.empty()) {
      if (private_tables)
        body += "    -- private (decrypted):\n" + TablesText(*private_tables, filter);
      else
        body = fmt::format("    -- private: {} bytes{}\n", f.private_domain.size(),
                           private_error.empty() ? "" : " (" + private_error + ")") +
               body;
    }
    if (filter && body.empty()) continue;
    std::cout << fmt::format("  txid {} ({} public table{}) [{} bytes{}] {}\n", f.txid.ToString(),
                             e.domain.tables.size(), e.domain.tables.size() == 1 ? "" : "s", f.raw.size(),
                             f.flags ? fmt::format(", flags={:#x}", f.flags) : "",
                             ledger::EntryTypeName(e.domain.type))
              << body;
  }
  std::cout.flush();
  if (ctx.json() && !a.jsonl) ctx.Emit({{"transactions", all}}, "");
  if (reader.error()) return reader.error()->ToStatus();
  return Status::OK();
}

void Register(CLI::App& app, Context& ctx) {
  auto* group = app.add_subcommand("ledger", "CCF ledger directories (bankd's or a CCF service's), offline");
  group->require_subcommand(1);

  auto args = std::make_shared<AuditArgs>();
  auto* audit = group->add_subcommand("audit",
                                      "Re-verify a CCF ledger: framing, every leaf and root, node and COSE "
                                      "signatures, endorsements, governance "
                                      "envelopes (exit 7 when anything does not verify)");
  audit->add_option("DIR", args->paths, "Ledger directories or chunk files")->required();
  audit->add_option("--service-cert", args->service_cert,
                    "A service certificate the ledger must record as one of its identities");
  audit->add_option("--snapshot", args->snapshot,
                    "Start from this snapshot file (its receipt is verified first) instead of seqno 1");
  audit->add_option("--ledger-secret", args->ledger_secret,
                    "The ledger secret (bankd's data directory): also check every entry's AES-GCM tag");
  audit->add_flag("--uncommitted", args->uncommitted, "Also read uncommitted chunks (ledger_<first>)");
  ctx.Bind(audit, [&ctx, args] { return Audit(ctx, *args); });

  auto read_args = std::make_shared<ReadArgs>();
  auto* read =
      group->add_subcommand("read", "Show a CCF ledger's transactions and tables (like read_ledger.py)");
  read->add_option("DIR", read_args->paths, "Ledger directories or chunk files")->required();
  read->add_option("--tables", read_args->tables, "Only tables whose name matches this regular expression");
  read->add_flag("--digests-only", read_args->digests_only,
                 "Only each transaction's id and write set digest");
  read->add_flag("--uncommitted", read_args->uncommitted, "Also read uncommitted chunks (ledger_<first>)");
  read->add_flag("--jsonl", read_args->jsonl, "With --output json: one JSON object per line per transaction");
  read->add_option("--ledger-secret", read_args->ledger_secret,
                   "Decrypt private tables with this ledger secret");
  ctx.Bind(read, [&ctx, read_args] { return Read(ctx, *read_args); });
}

BANKCTL_COMMAND_GROUP_ORDERED(Register, 60);

}  // namespace
}  // namespace bankctl
