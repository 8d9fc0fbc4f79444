#include "ledger/serialiser.hpp"

#include <algorithm>
#include <map>

#include "bank/ledger_secret.hpp"

namespace bankd::ledger {

namespace bl = bank::ledger;

namespace {

void AppendTo(std::vector<bl::Table>* tables,
              const std::map<std::string_view, std::vector<const bl::Write*>>& by_table, bool want_public) {
  for (const auto& [name, writes] : by_table) {
    if (bl::IsPublicTable(name) != want_public) continue;
    bl::Table t;
    t.name = std::string(name);
    t.writes.reserve(writes.size());
    for (const bl::Write* w : writes) t.writes.push_back({w->key, w->value, 0});
    tables->push_back(std::move(t));
  }
}

}  // namespace

bank::Result<SerialisedTx> Serialiser::Serialise(const bank::TxId& txid, const bl::WriteSet& writes,
                                                 const bank::Digest& claims_digest,
                                                 std::string_view commit_evidence, uint8_t flags) const {
  std::map<std::string_view, std::vector<const bl::Write*>> by_table;
  for (const auto& w : writes) by_table[w.table].push_back(&w);

  bl::PublicDomain domain;
  domain.type = bl::EntryType::kWriteSetWithCommitEvidenceAndClaims;
  domain.version = static_cast<int64_t>(txid.seqno);
  domain.claims_digest = claims_digest;
  domain.commit_evidence_digest = bank::Sha256(commit_evidence);
  AppendTo(&domain.tables, by_table, true);
  std::string public_bytes;
  bl::AppendPublicDomain(domain, &public_bytes);

  std::vector<bl::Table> private_tables;
  AppendTo(&private_tables, by_table, false);
  std::string private_plain;
  bl::AppendTables(private_tables, false, &private_plain);

  std::string iv = bl::GcmIv(txid, false);
  BANK_ASSIGN_OR_RETURN(auto sealed, bl::SealDomains(secret_, iv, public_bytes, private_plain));
  SerialisedTx out;
  out.bytes = bl::SerialiseEntry(flags, sealed.tag, txid, false, public_bytes, sealed.ciphertext);
  out.write_set_digest = bank::Sha256(out.bytes);
  out.leaf = bank::Sha256Concat({out.write_set_digest, *domain.commit_evidence_digest, claims_digest});
  return out;
}

bank::Result<bl::WriteSet> Serialiser::Writes(const bl::EntryFrame& frame,
                                              const bl::PublicDomain& domain) const {
  BANK_ASSIGN_OR_RETURN(auto plain, bl::OpenDomains(secret_, frame));
  BANK_ASSIGN_OR_RETURN(const auto private_tables, bl::ParsePrivateDomain(plain));
  bl::WriteSet out;
  for (const std::vector<bl::Table>* tables : {&domain.tables, &private_tables})
    for (const auto& t : *tables)
      for (const auto& w : t.writes) out.push_back(bl::Write{t.name, w.key, w.value});
  return out;
}

bank::Result<std::string> Serialiser::SerialiseSnapshot(const bank::TxId& txid, const bank::Digest& leaf,
                                                        const std::vector<uint64_t>& view_history,
                                                        std::vector<bl::Table> tables) const {
  bl::PublicDomain domain;
  domain.type = bl::EntryType::kSnapshot;
  domain.version = static_cast<int64_t>(txid.seqno);
  domain.hash_at_snapshot.assign(reinterpret_cast<const char*>(leaf.data()), leaf.size());
  domain.view_history = view_history;
  std::vector<bl::Table> private_tables;
  for (auto& t : tables) (bl::IsPublicTable(t.name) ? domain.tables : private_tables).push_back(std::move(t));
  std::string public_bytes;
  bl::AppendPublicDomain(domain, &public_bytes);
  std::string private_plain;
  bl::AppendTables(private_tables, true, &private_plain);
  std::string iv = bl::GcmIv(txid, true);
  BANK_ASSIGN_OR_RETURN(auto sealed, bl::SealDomains(secret_, iv, public_bytes, private_plain));
  return bl::SerialiseEntry(0, sealed.tag, txid, true, public_bytes, sealed.ciphertext);
}

bank::Result<std::vector<bl::Table>> Serialiser::SnapshotTables(const bl::EntryFrame& frame,
                                                                bl::PublicDomain&& domain) const {
  BANK_ASSIGN_OR_RETURN(auto plain, bl::OpenDomains(secret_, frame));
  BANK_ASSIGN_OR_RETURN(auto private_tables, bl::ParsePrivateDomain(plain, true));
  std::vector<bl::Table> out = std::move(domain.tables);
  for (auto& t : private_tables) out.push_back(std::move(t));
  return out;
}

}  // namespace bankd::ledger
