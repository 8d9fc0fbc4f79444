#include "bank/ledger_audit.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "bank/cose.hpp"
#include "bank/ledger_secret.hpp"
#include "bank/ledger_snapshot.hpp"
#include "bank/ledger_tables.hpp"
#include "bank/merkle.hpp"

namespace bank::ledger {
namespace {

using nlohmann::json;

// A transaction read since the last signature: where it is and its leaf.
struct Pending {
  uint64_t seqno;
  size_t file_index;
  uint64_t offset;
  TxId txid;
  Digest leaf;
};

class Auditor {
 public:
  Auditor(const AuditOptions& options, AuditReport* report) : options_(options), report_(report) {}

  void StartFromGenesis() { tree_.Append(Digest{}); }
  Status StartFromSnapshot(const Snapshot& snapshot);
  void Transaction(const LedgerReader& reader, const ReadEntry& e);
  void Finish();

 private:
  void Problem(const std::string& file, uint64_t offset, std::optional<TxId> txid, std::string check,
               std::string detail) {
    report_->problems.push_back({file, offset, txid, std::move(check), std::move(detail)});
  }
  void ApplyState(const PublicDomain& d);
  void CheckGovernance(const std::string& file, uint64_t offset, const TxId& txid, const PublicDomain& d);
  // True for a signature transaction.
  bool CheckSignatures(const LedgerReader& reader, const ReadEntry& e);
  // Names the transaction whose leaf the signature's tree disagrees with,
  // or returns false.
  bool LocaliseByTree(const LedgerReader& reader, const ReadEntry& e, const SerialisedTree& tree,
                      bool root_ok);
  std::optional<std::string> NodeCertificate(const std::string& node_id) const;

  const AuditOptions& options_;
  AuditReport* report_;
  MerkleFrontier tree_;
  std::vector<Pending> pending_;
  std::map<std::string, std::string> member_certs_;     // member id -> PEM
  std::map<std::string, std::string> endorsed_certs_;   // node id -> PEM
  std::map<std::string, std::string> node_info_certs_;  // node id -> PEM (1.x)
  std::optional<Certificate> service_cert_;
  std::set<std::string> service_ids_;
  bool pinned_seen_ = false;
  bool root_failed_ = false;  // later roots all include the bad leaf
  uint64_t unsigned_ = 0;     // transactions since the last signature
};

void Auditor::ApplyState(const PublicDomain& d) {
  auto apply = [&](std::string_view table, std::map<std::string, std::string>* into, auto transform) {
    const Table* t = d.Find(table);
    if (!t) return;
    for (const auto& w : t->writes) {
      if (!w.value) {
        into->erase(w.key);
        continue;
      }
      auto v = transform(*w.value);
      if (v) (*into)[w.key] = *v;
    }
  };
  auto same = [](const std::string& v) { return std::optional<std::string>(v); };
  apply(kMembersCerts, &member_certs_, same);
  apply(kEndorsedNodeCerts, &endorsed_certs_, same);
  apply(kNodesInfo, &node_info_certs_, [](const std::string& v) -> std::optional<std::string> {
    auto j = json::parse(v, nullptr, false);
    if (j.is_object() && j.contains("cert") && j["cert"].is_string()) return j["cert"].get<std::string>();
    return std::nullopt;
  });
  if (const Table* t = d.Find(kServiceInfo)) {
    if (auto v = t->Get(kSingletonKey)) {
      auto cert = ServiceCertificateOf(*v);
      if (cert.ok()) {
        service_cert_ = *cert;
        service_ids_.insert(cert->Id());
        if (options_.service_cert && cert->Id() == options_.service_cert->Id()) pinned_seen_ = true;
      }
    }
  }
}

std::optional<std::string> Auditor::NodeCertificate(const std::string& node_id) const {
  if (auto it = endorsed_certs_.find(node_id); it != endorsed_certs_.end()) return it->second;
  if (auto it = node_info_certs_.find(node_id); it != node_info_certs_.end()) return it->second;
  return std::nullopt;
}

void Auditor::CheckGovernance(const std::string& file, uint64_t offset, const TxId& txid,
                              const PublicDomain& d) {
  auto verify = [&](const std::string& member_id, std::string_view envelope_b64, const char* what) -> bool {
    auto it = member_certs_.find(member_id);
    std::optional<std::string> pem;
    if (it != member_certs_.end())
      pem = it->second;
    else if (const Table* certs = d.Find(kMembersCerts))
      if (auto v = certs->Get(member_id)) pem = std::string(*v);
    if (!pem) {
      Problem(file, offset, txid, "governance",
              fmt::format("{} by member {} whose certificate the ledger does not hold", what, member_id));
      return false;
    }
    Status s = VerifyGovernanceEnvelope(envelope_b64, *pem, member_id);
    if (!s.ok()) {
      Problem(file, offset, txid, "governance",
              fmt::format("{} by member {}: {}", what, member_id, s.message()));
      return false;
    }
    return true;
  };
  if (const Table* t = d.Find(kCoseHistory)) {
    for (const auto& w : t->writes) {
      if (!w.value) continue;
      auto b64 = JsonString(*w.value);
      if (!b64) {
        Problem(file, offset, txid, "governance", "a cose_history value is not a JSON string");
        continue;
      }
      if (verify(w.key, *b64, "governance envelope")) ++report_->governance_envelopes;
    }
  }
  if (const Table* t = d.Find(kMembersAcks)) {
    for (const auto& w : t->writes) {
      if (!w.value) continue;
      auto j = json::parse(*w.value, nullptr, false);
      if (!j.is_object()) {
        Problem(file, offset, txid, "governance", "a member ack is not a JSON object");
        continue;
      }
      if (!j.contains("cose_sign1_req")) continue;  // acks recorded without the request
      if (!j["cose_sign1_req"].is_string()) {
        Problem(file, offset, txid, "governance", "a member ack's cose_sign1_req is not a string");
        continue;
      }
      if (verify(w.key, j["cose_sign1_req"].get<std::string>(), "member ack")) ++report_->member_acks;
    }
  }
}

bool Auditor::LocaliseByTree(const LedgerReader& reader, const ReadEntry& e, const SerialisedTree& tree,
                             bool root_ok) {
  for (const auto& p : pending_) {
    if (p.seqno < tree.first_leaf || p.seqno >= tree.first_leaf + tree.leaves.size()) continue;
    if (tree.leaves[p.seqno - tree.first_leaf] == p.leaf) continue;
    if (root_ok) continue;  // the tree table itself is what changed: below
    Problem(reader.files()[p.file_index].path, p.offset, p.txid, "root",
            fmt::format("its leaf is not the one signature {} signed: this transaction was changed",
                        e.frame.txid.ToString()));
    return true;
  }
  (void)e;
  return false;
}

bool Auditor::CheckSignatures(const LedgerReader& reader, const ReadEntry& e) {
  const std::string& file = reader.files()[e.file_index].path;
  const TxId& txid = e.frame.txid;
  const Table* raw = e.domain.Find(kSignatures);
  const Table* cose = e.domain.Find(kCoseSignatures);
  if (!raw && !cose) return false;
  Digest root = tree_.Root();
  report_->last_signature = txid;

  // The tree the signature transaction records, leaf by leaf.
  std::optional<SerialisedTree> tree;
  if (const Table* t = e.domain.Find(kTree)) {
    if (auto v = t->Get(kSingletonKey)) {
      auto parsed = ParseSerialisedTree(*v);
      if (!parsed.ok())
        Problem(file, e.offset, txid, "tree", parsed.status().message());
      else if (parsed->first_leaf + parsed->leaves.size() != txid.seqno)
        Problem(file, e.offset, txid, "tree",
                fmt::format("records {} leaves, the signature is at seqno {}",
                            parsed->first_leaf + parsed->leaves.size(), txid.seqno));
      else
        tree = std::move(*parsed);
    }
  }

  bool root_ok = true;
  if (raw) {
    auto value = raw->Get(kSingletonKey);
    auto sig = value ? ParsePrimarySignature(*value)
                     : Result<PrimarySignature>(Status::InputFile("no value at key 0"));
    if (!sig.ok()) {
      Problem(file, e.offset, txid, "node_signature", sig.status().message());
    } else if (sig->txid != txid) {
      Problem(file, e.offset, txid, "node_signature", fmt::format("names txid {}", sig->txid.ToString()));
    } else if (sig->root != root) {
      root_ok = false;
      if (!root_failed_ && !(tree && LocaliseByTree(reader, e, *tree, false)))
        Problem(file, e.offset, txid, "root",
                fmt::format("signs root {}, the transactions since the last signature give {}",
                            DigestHex(sig->root), DigestHex(root)));
      root_failed_ = true;
    } else {
      auto pem = NodeCertificate(sig->node_id);
      Status s = pem ? VerifyPrimarySignature(*sig, *pem)
                     : Status::VerifyFailed("no certificate recorded for node " + sig->node_id);
      if (!s.ok()) {
        Problem(file, e.offset, txid, "node_signature", s.message());
      } else {
        ++report_->signatures;
        if (endorsed_certs_.count(sig->node_id)) {
          auto cert = Certificate::FromPem(*pem);
          if (!service_cert_)
            Problem(file, e.offset, txid, "endorsement", "no service certificate recorded yet");
          else if (!cert.ok() || !cert->IsSignedBy(service_cert_->public_key()))
            Problem(
                file, e.offset, txid, "endorsement",
                "node " + sig->node_id + "'s certificate is not endorsed by the current service certificate");
        }
      }
    }
  }
  if (cose) {
    auto value = cose->Get(kSingletonKey);
    auto b64 = value ? JsonString(*value) : std::nullopt;
    if (!b64) {
      Problem(file, e.offset, txid, "cose_signature", "value is not a JSON string");
    } else if (!service_cert_) {
      Problem(file, e.offset, txid, "cose_signature", "no service certificate recorded before it");
    } else {
      Status s = VerifyCoseRootSignature(*b64, *service_cert_, root, txid);
      if (s.ok())
        ++report_->cose_signatures;
      else if (!raw && s.code() == Code::kVerifyFailed && !root_failed_ && tree &&
               LocaliseByTree(reader, e, *tree, false))
        root_failed_ = true;
      else if (!root_failed_)
        Problem(file, e.offset, txid, "cose_signature", s.message());
    }
  }
  // With the root right, the recorded tree must agree leaf for leaf (this
  // covers the tree bytes of the signature itself).
  if (tree && root_ok && !root_failed_) {
    for (const auto& p : pending_) {
      if (p.seqno < tree->first_leaf) continue;
      if (tree->leaves[p.seqno - tree->first_leaf] != p.leaf) {
        Problem(file, e.offset, txid, "tree",
                fmt::format("its tree records a leaf for seqno {} other than the recomputed one", p.seqno));
        break;
      }
    }
  }
  pending_.clear();
  return true;
}

void Auditor::Transaction(const LedgerReader& reader, const ReadEntry& e) {
  const std::string& file = reader.files()[e.file_index].path;
  const TxId& txid = e.frame.txid;
  if (!report_->first) report_->first = txid;
  report_->last = txid;
  ++report_->transactions;
  if (options_.ledger_secret) {
    auto opened = OpenDomains(*options_.ledger_secret, e.frame);
    if (opened.ok())
      ++report_->gcm_tags;
    else
      Problem(file, e.offset, txid, "gcm_tag", opened.status().message());
  }
  CheckGovernance(file, e.offset, txid, e.domain);
  ApplyState(e.domain);
  bool signature = CheckSignatures(reader, e);
  unsigned_ = signature ? 0 : unsigned_ + 1;
  Digest leaf = LeafOf(e.frame, e.domain);
  pending_.push_back({txid.seqno, e.file_index, e.offset, txid, leaf});
  tree_.Append(leaf);
}

void Auditor::Finish() {
  report_->unsigned_tail = unsigned_;
  report_->service_certificates = service_ids_.size();
  if (options_.service_cert && !pinned_seen_)
    report_->problems.push_back(
        {"", 0, std::nullopt, "service_identity",
         "the ledger never records the pinned service certificate (id " + options_.service_cert->Id() + ")"});
}

Status Auditor::StartFromSnapshot(const Snapshot& s) {
  for (const auto& t : s.domain.tables) {
    PublicDomain one;
    one.tables.push_back(t);
    ApplyState(one);
  }
  tree_ = s.tree;
  report_->snapshot = s.txid;
  return Status::OK();
}

}  // namespace

nlohmann::json AuditReport::ToJson() const {
  auto txid = [](const std::optional<TxId>& t) { return t ? json(t->ToString()) : json(nullptr); };
  json problems_json = json::array();
  for (const auto& p : problems)
    problems_json.push_back({{"file", p.file},
                             {"offset", p.offset},
                             {"txid", txid(p.txid)},
                             {"check", p.check},
                             {"detail", p.detail}});
  json j = {{"verified", verified()},
            {"transactions", transactions},
            {"first", txid(first)},
            {"last", txid(last)},
            {"signatures", signatures},
            {"cose_signatures", cose_signatures},
            {"governance_envelopes", governance_envelopes},
            {"service_certificates", service_certificates},
            {"problems", problems_json},
            {"member_acks", member_acks},
            {"files", files},
            {"bytes", bytes},
            {"last_signature", txid(last_signature)},
            {"unsigned_transactions", unsigned_tail},
            {"gcm_tags_checked", gcm_tags},
            {"snapshot", txid(snapshot)}};
  j["torn_tail"] = torn_tail ? json{{"file", torn_tail->file},
                                    {"offset", torn_tail->offset},
                                    {"bytes", torn_tail->bytes},
                                    {"problem", torn_tail->problem}}
                             : json(nullptr);
  return j;
}

Result<AuditReport> AuditLedger(const std::vector<std::string>& paths, const AuditOptions& options) {
  ListOptions list;
  list.uncommitted = options.uncommitted;
  BANK_ASSIGN_OR_RETURN(auto files, ListLedgerFiles(paths, list));
  AuditReport report;
  Auditor auditor(options, &report);
  uint64_t first = 1;
  if (options.snapshot_file) {
    auto snapshot = ReadSnapshot(*options.snapshot_file);
    if (!snapshot.ok()) {
      report.problems.push_back(
          {*options.snapshot_file, 0, std::nullopt, "snapshot", snapshot.status().message()});
      return report;
    }
    BANK_RETURN_IF_ERROR(auditor.StartFromSnapshot(*snapshot));
    first = snapshot->txid.seqno + 1;
  } else {
    auditor.StartFromGenesis();
  }
  if (files.empty())
    return Status::InputFile("no CCF ledger chunk (ledger_<first>-<last>.committed" +
                             std::string(options.uncommitted ? " or ledger_<first>" : "") +
                             ") in the given paths");
  LedgerReader reader(std::move(files), first);
  report.files = reader.files().size();
  ReadEntry entry;
  while (reader.Next(&entry)) auditor.Transaction(reader, entry);
  if (reader.error()) {
    const auto& e = *reader.error();
    report.problems.push_back({e.file, e.offset, e.txid, e.check, e.detail});
  }
  report.torn_tail = reader.torn_tail();
  report.bytes = reader.bytes_read();
  auditor.Finish();
  return report;
}

}  // namespace bank::ledger
