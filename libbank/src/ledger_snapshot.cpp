#include "bank/ledger_snapshot.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>

#include "bank/key.hpp"
#include "bank/ledger_tables.hpp"
#include "bank/receipt_verify.hpp"

namespace bank::ledger {
namespace {

std::optional<uint64_t> Number(std::string_view s) {
  uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<SnapshotName> ParseSnapshotName(std::string_view name) {
  SnapshotName n;
  constexpr std::string_view kCommitted = ".committed";
  if (name.size() > kCommitted.size() && name.substr(name.size() - kCommitted.size()) == kCommitted) {
    n.committed = true;
    name.remove_suffix(kCommitted.size());
  }
  if (name.substr(0, 9) != "snapshot_") return std::nullopt;
  name.remove_prefix(9);
  auto sep = name.find('_');
  if (sep == std::string_view::npos) return std::nullopt;
  auto a = Number(name.substr(0, sep)), b = Number(name.substr(sep + 1));
  if (!a || !b) return std::nullopt;
  n.seqno = *a;
  n.evidence_seqno = *b;
  return n;
}

std::string SnapshotFileName(uint64_t seqno, uint64_t evidence_seqno) {
  return fmt::format("snapshot_{}_{}.committed", seqno, evidence_seqno);
}

Result<MerkleFrontier> FrontierOf(const SerialisedTree& tree) {
  // The flushed prefix [0, first_leaf) is the binary decomposition of
  // first_leaf into perfect subtrees, stored smallest first.
  std::vector<Digest> peaks(tree.flushed.rbegin(), tree.flushed.rend());
  if (peaks.size() != static_cast<size_t>(__builtin_popcountll(tree.first_leaf)))
    return Status::InputFile(
        fmt::format("the serialised tree has {} flushed subtree hashes for {} flushed leaves",
                    tree.flushed.size(), tree.first_leaf));
  MerkleFrontier f = MerkleFrontier::FromPeaks(tree.first_leaf, std::move(peaks));
  for (const auto& leaf : tree.leaves) f.Append(leaf);
  return f;
}

Result<Snapshot> ParseSnapshot(std::string_view bytes, const std::string& source,
                               const Certificate* service) {
  auto fail = [&](const std::string& why) { return Status::InputFile(source + ": " + why); };
  auto frame = ParseFrame(bytes);
  if (!frame.ok()) return fail(frame.status().message());
  if (!frame->snapshot) return fail("the IV's snapshot bit is not set");
  auto domain = ParsePublicDomain(frame->public_domain);
  if (!domain.ok()) return fail(domain.status().message());
  if (domain->type != EntryType::kSnapshot) return fail("entry type is not Snapshot");
  if (domain->version != static_cast<int64_t>(frame->txid.seqno))
    return fail("version is not the IV's seqno");
  if (domain->hash_at_snapshot.size() != 32) return fail("the hash at the snapshot is not 32 bytes");
  Snapshot s;
  s.txid = frame->txid;
  s.entry_bytes = frame->raw.size();
  const Table* tree_table = domain->Find(kTree);
  auto tree_bytes = tree_table ? tree_table->Get(kSingletonKey) : std::nullopt;
  if (!tree_bytes) return fail("no public:ccf.internal.tree");
  auto tree = ParseSerialisedTree(*tree_bytes);
  if (!tree.ok()) return fail(tree.status().message());
  auto frontier = FrontierOf(*tree);
  if (!frontier.ok()) return fail(frontier.status().message());
  if (frontier->size() != s.txid.seqno) return fail("the tree does not end just before the snapshot seqno");
  Digest at;
  std::copy(domain->hash_at_snapshot.begin(), domain->hash_at_snapshot.end(), at.begin());
  frontier->Append(at);
  s.tree = std::move(*frontier);

  // The receipt, against the given service certificate or the snapshot's own.
  std::optional<Certificate> recorded;
  if (service == nullptr) {
    const Table* info = domain->Find(kServiceInfo);
    auto info_value = info ? info->Get(kSingletonKey) : std::nullopt;
    if (!info_value) return fail("no public:ccf.gov.service.info");
    auto cert = ServiceCertificateOf(*info_value);
    if (!cert.ok()) return fail(cert.status().message());
    recorded = std::move(*cert);
    service = &*recorded;
  }
  std::string_view receipt_bytes = bytes.substr(s.entry_bytes);
  if (receipt_bytes.empty()) return fail("no receipt after the snapshot");
  auto receipt = ParseAnyReceipt(AsBytes(receipt_bytes));
  if (!receipt.ok()) return fail("receipt: " + receipt.status().message());
  ReceiptVerifier verifier(*service);
  Digest expected = Sha256(bytes.substr(0, s.entry_bytes));
  ReceiptReport report = std::visit([&](const auto& r) { return verifier.Verify(r); }, *receipt);
  if (const Check* c = report.FirstFailure())
    return Status::VerifyFailed(fmt::format("{}: receipt check {} fails: {}", source, c->name, c->detail));
  const auto* json_receipt = std::get_if<Receipt>(&*receipt);
  std::optional<Digest> claims;
  if (json_receipt && json_receipt->leaf_components) claims = json_receipt->leaf_components->claims_digest;
  if (const auto* cose_receipt = std::get_if<CoseReceipt>(&*receipt))
    claims = cose_receipt->leaf.claims_digest;
  if (!claims || *claims != expected)
    return Status::VerifyFailed(source + ": the receipt's claims digest is not SHA-256 of the snapshot");
  if (report.txid) s.receipt_txid = *report.txid;
  s.domain = std::move(*domain);
  return s;
}

Result<Snapshot> ReadSnapshot(const std::string& path, const Certificate* service) {
  BANK_ASSIGN_OR_RETURN(auto bytes, ReadFile(path));
  return ParseSnapshot(bytes, path, service);
}

}  // namespace bank::ledger
