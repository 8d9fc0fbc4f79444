#include "bank/ledger_audit.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "bank/ledger_verifier.hpp"

namespace bank::ledger {
namespace {

// LedgerReader's errors have AtOffset's documented shape
// "<file> at offset <n>: <what>"; the file is one of `chunks`.
AuditProblem FromReaderError(const std::vector<ChunkFile>& chunks, const std::string& message) {
  AuditProblem p;
  p.what = message;
  for (const auto& chunk : chunks) {
    const std::string prefix = chunk.path + " at offset ";
    if (!message.starts_with(prefix)) continue;
    const char* begin = message.data() + prefix.size();
    const char* end = message.data() + message.size();
    uint64_t offset = 0;
    auto [next, ec] = std::from_chars(begin, end, offset);
    if (ec != std::errc() || std::string_view(next, end).substr(0, 2) != ": ") continue;
    p.file = chunk.path;
    p.offset = offset;
    p.what = std::string(next + 2, end);
    break;
  }
  return p;
}

AuditProblem At(const std::string& file, uint64_t offset, std::string what = "") {
  AuditProblem p;
  p.file = file;
  p.offset = offset;
  p.what = std::move(what);
  return p;
}

}  // namespace

nlohmann::json AuditReport::ToJson() const {
  using nlohmann::json;
  auto txid_json = [](const std::optional<TxId>& t) { return t ? json(t->ToString()) : json(nullptr); };
  json j = {{"directory", directory},
            {"verified", ok()},
            {"files", files},
            {"bytes", bytes},
            {"transactions", transactions},
            {"signatures", signatures},
            {"last_transaction_id", txid_json(last_txid)},
            {"last_signature_transaction_id", txid_json(last_signature_txid)},
            {"unsigned_transactions", unsigned_tail},
            {"node_ids", node_ids},
            {"endorsements_checked", endorsements_checked}};
  j["torn_tail"] = torn_tail ? json{{"file", torn_tail->file},
                                    {"offset", torn_tail->offset},
                                    {"bytes", torn_tail->bytes},
                                    {"problem", torn_tail->problem}}
                             : json(nullptr);
  if (problem) {
    json p = {{"file", problem->file},
              {"offset", problem->offset},
              {"seqno", problem->seqno},
              {"transaction_id", txid_json(problem->txid)},
              {"what", problem->what}};
    if (problem->covered_from != 0) p["covers_seqnos"] = {problem->covered_from, problem->seqno - 1};
    j["problem"] = std::move(p);
  } else {
    j["problem"] = nullptr;
  }
  return j;
}

Result<AuditReport> AuditLedger(const std::string& directory, const AuditOptions& options) {
  BANK_ASSIGN_OR_RETURN(auto reader, LedgerReader::Open(directory));
  const std::vector<ChunkFile>& chunks = reader.chunks();
  if (chunks.empty()) return Status::InputFile(directory + ": no ledger chunk files (ledger_<seqno>.chunk)");

  AuditReport report;
  report.directory = directory;
  report.files = chunks.size();
  report.endorsements_checked = options.service_cert.has_value();
  PublicKey service_key;
  if (options.service_cert) service_key = options.service_cert->public_key();

  MerkleTree tree;
  ChainVerifier verifier(&tree);
  uint64_t last_signature_seqno = 0;
  std::map<std::string, bool> endorsed;  // node certificate PEM → signed by the service

  auto fail = [&](AuditProblem p) {
    if (p.seqno == 0) p.seqno = verifier.last_seqno() + 1;
    report.problem = std::move(p);
    return report;
  };

  size_t started = 0;  // chunks whose start has been checked, empty ones included
  auto start_chunks_before = [&](size_t end) -> std::optional<AuditProblem> {
    for (; started < end; ++started) {
      Status st = verifier.StartChunk(chunks[started].first_seqno);
      if (!st.ok()) return At(chunks[started].path, 0, st.message());
    }
    return std::nullopt;
  };

  Record record;
  while (true) {
    auto more = reader.Next(&record);
    if (!more.ok()) return fail(FromReaderError(chunks, more.status().message()));
    if (!*more) break;
    if (auto p = start_chunks_before(record.chunk_index + 1)) return fail(std::move(*p));
    AuditProblem here = At(chunks[record.chunk_index].path, record.offset);

    auto decoded = DecodeEntry(record.payload);
    if (!decoded.ok()) {
      here.what = decoded.status().message();
      return fail(std::move(here));
    }
    const Entry& e = decoded->entry;
    here.seqno = e.txid.seqno;
    here.txid = e.txid;
    auto signature = verifier.Add(*decoded);
    if (!signature.ok()) {
      here.what = signature.status().message();
      if (e.kind == EntryKind::kSignature && signature.status().code() == Code::kVerifyFailed)
        here.covered_from = last_signature_seqno + 1;
      return fail(std::move(here));
    }
    if (*signature) {
      const SignatureRecord& sig = **signature;
      if (options.service_cert) {
        auto it = endorsed.find(sig.cert_pem);
        if (it == endorsed.end()) {
          auto cert = Certificate::FromPem(sig.cert_pem, "node certificate");
          bool ok = cert.ok() && cert->IsSignedBy(service_key);
          it = endorsed.emplace(sig.cert_pem, ok).first;
        }
        if (!it->second) {
          here.what = "the node certificate of signature " + e.txid.ToString() + " (node " + sig.node_id +
                      ") is not endorsed by the service certificate";
          return fail(std::move(here));
        }
      }
      if (std::find(report.node_ids.begin(), report.node_ids.end(), sig.node_id) == report.node_ids.end())
        report.node_ids.push_back(sig.node_id);
      ++report.signatures;
      last_signature_seqno = e.txid.seqno;
      report.last_signature_txid = e.txid;
    }
    ++report.transactions;
    report.bytes += record.size;
    report.last_txid = e.txid;
  }
  if (auto p = start_chunks_before(chunks.size())) return fail(std::move(*p));
  report.torn_tail = reader.torn_tail();
  report.unsigned_tail = report.transactions - last_signature_seqno;
  return report;
}

}  // namespace bank::ledger
