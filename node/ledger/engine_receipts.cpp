// Engine::Receipt: the material of a transaction's receipts, read back from
// its entry and the signature after it in the ledger files.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <shared_mutex>

#include "bank/cose.hpp"
#include "bank/encoding.hpp"
#include "bank/ledger_files.hpp"
#include "bank/ledger_tables.hpp"
#include "ledger/chunk_files.hpp"
#include "ledger/engine_impl.hpp"

namespace bankd::ledger {

namespace bl = bank::ledger;

namespace {

struct ParsedEntry {
  std::string bytes;
  bl::EntryFrame frame;
  bl::PublicDomain domain;
};

bank::Result<ParsedEntry> ReadEntry(const std::string& directory, const ChunkInfo& chunk,
                                    const EntryLocation& at) {
  ParsedEntry e;
  BANK_ASSIGN_OR_RETURN(e.bytes,
                        ReadChunkBytes(directory, chunk.first_seqno, chunk.last_seqno, at.offset, at.size));
  BANK_ASSIGN_OR_RETURN(e.frame, bl::ParseFrame(e.bytes));
  BANK_ASSIGN_OR_RETURN(e.domain, bl::ParsePublicDomain(e.frame.public_domain));
  return e;
}

}  // namespace

std::optional<ReceiptMaterial> Engine::Receipt(const bank::TxId& txid) const {
  const Impl& m = *impl_;
  uint64_t durable = m.commit->durable_seqno();
  ReceiptMaterial out;
  out.txid = txid;
  ChunkInfo entry_chunk, signature_chunk;
  EntryLocation entry_at, signature_at;
  {
    std::shared_lock lock(m.state_mu);
    if (!m.state.Contains(txid)) return std::nullopt;
    const auto& sigs = m.state.signature_seqnos();
    // The first signature at or after txid signs a root covering it (its
    // own root, for a signature transaction).
    auto it = std::lower_bound(sigs.begin(), sigs.end(), txid.seqno);
    if (it == sigs.end() || *it > durable) return std::nullopt;
    out.signature_txid = {m.state.ViewOf(*it), *it};
    out.is_signature_transaction = *it == txid.seqno;
    if (!out.is_signature_transaction) out.proof = m.state.tree.Proof(txid.seqno, *it);
    entry_at = m.state.location(txid.seqno);
    signature_at = m.state.location(*it);
    const ChunkInfo& ec = m.state.chunks[entry_at.chunk];
    const ChunkInfo& sc = m.state.chunks[signature_at.chunk];
    entry_chunk = {ec.first_seqno, ec.last_seqno, 0, {}};
    signature_chunk = {sc.first_seqno, sc.last_seqno, 0, {}};
  }
  // Both entries are durable, hence in their files: read them without locks.
  auto fail = [&](const bank::Status& st) -> std::optional<ReceiptMaterial> {
    std::fprintf(stderr, "bankd: ledger: no receipt for %s: %s\n", txid.ToString().c_str(),
                 st.message().c_str());
    return std::nullopt;
  };
  auto entry = ReadEntry(m.options.directory, entry_chunk, entry_at);
  if (!entry.ok()) return fail(entry.status());
  auto signature_entry =
      out.is_signature_transaction ? entry : ReadEntry(m.options.directory, signature_chunk, signature_at);
  if (!signature_entry.ok()) return fail(signature_entry.status());
  const bl::Table* sig_table = signature_entry->domain.Find(bl::kSignatures);
  const bl::Table* cose_table = signature_entry->domain.Find(bl::kCoseSignatures);
  auto sig_value = sig_table ? sig_table->Get(bl::kSingletonKey) : std::nullopt;
  auto cose_value = cose_table ? cose_table->Get(bl::kSingletonKey) : std::nullopt;
  if (!sig_value || !cose_value)
    return fail(bank::Status::InputFile("the signature transaction has no signatures"));
  auto signature = bl::ParsePrimarySignature(*sig_value);
  if (!signature.ok()) return fail(signature.status());
  auto cose_b64 = bl::JsonString(*cose_value);
  if (!cose_b64) return fail(bank::Status::InputFile("the COSE signature is not a JSON string"));
  auto cose_bytes = bank::Base64Decode(*cose_b64);
  if (!cose_bytes.ok()) return fail(cose_bytes.status());
  auto sign1 = bank::cose::ParseSign1(*cose_bytes);
  if (!sign1.ok()) return fail(sign1.status());

  out.write_set_digest = bl::WriteSetDigest(entry->frame);
  out.commit_evidence = m.evidence.For(txid);
  if (entry->domain.commit_evidence_digest != bank::Sha256(out.commit_evidence))
    return fail(bank::Status::InputFile("the recorded commit evidence digest is not this service's"));
  out.claims_digest = entry->domain.claims_digest;
  if (out.claims_digest && *out.claims_digest != bank::Digest{}) {
    auto writes = m.serialiser.Writes(entry->frame, entry->domain);
    if (!writes.ok()) return fail(writes.status());
    for (const auto& w : *writes) {
      if (w.table != kClaimTable || w.key != kClaimKey || !w.value) continue;
      auto j = nlohmann::json::parse(*w.value, nullptr, false);
      if (j.is_object() && j.contains("claim") && j["claim"].is_string())
        out.claim = j["claim"].get<std::string>();
    }
  }
  out.root = signature->root;
  out.signature = std::move(signature->signature);
  out.node_cert_pem = std::move(signature->cert_pem);
  out.cose_protected_header = std::move(sign1->protected_bytes);
  out.cose_signature = std::move(sign1->signature);
  return out;
}

bank::Receipt JsonReceiptOf(const ReceiptMaterial& m) {
  bank::Receipt r;
  r.node_cert_pem = m.node_cert_pem;
  if (auto cert = bank::Certificate::FromPem(m.node_cert_pem); cert.ok()) r.node_id = cert->PublicKeyId();
  if (m.is_signature_transaction) {
    // CCF's form for a signature transaction: the signed root is the leaf.
    r.signed_leaf = m.root;
    r.is_signature_transaction = true;
  } else {
    r.leaf_components = bank::ReceiptLeaf{m.write_set_digest, m.commit_evidence, m.claims_digest, m.claim};
    r.proof = m.proof;
  }
  r.signature = m.signature;
  return r;
}

}  // namespace bankd::ledger
