#include "bank/merkle.hpp"

namespace bank {

Digest LeafHash(const Digest& wsd, std::string_view commit_evidence, const std::optional<Digest>& claims) {
  Digest ce = Sha256(commit_evidence);
  if (claims) return Sha256Concat({wsd, ce, *claims});
  return Sha256Concat({wsd, ce});
}

Digest RootFromProof(const Digest& leaf, const std::vector<ProofStep>& proof) {
  Digest cur = leaf;
  for (const auto& step : proof)
    cur = step.side == Side::kLeft ? Sha256Concat({step.hash, cur}) : Sha256Concat({cur, step.hash});
  return cur;
}

void MerkleTree::Append(const Digest& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  // Each time a level gains a right child, its parent becomes complete.
  for (size_t k = 0; levels_[k].size() % 2 == 0; ++k) {
    if (levels_.size() == k + 1) levels_.emplace_back();
    const auto& lv = levels_[k];
    levels_[k + 1].push_back(Sha256Concat({lv[lv.size() - 2], lv[lv.size() - 1]}));
  }
}

Digest MerkleTree::Node(size_t k, size_t j, size_t n) const {
  size_t start = j << k;
  size_t end = std::min((j + 1) << k, n);
  if (end - start == (size_t{1} << k)) return levels_[k][j];  // complete subtree
  // Partial subtree at the right edge: hash both children, or promote the
  // left one when the right child does not exist.
  size_t right_start = ((2 * j + 1) << (k - 1));
  if (right_start >= n) return Node(k - 1, 2 * j, n);
  return Sha256Concat({Node(k - 1, 2 * j, n), Node(k - 1, 2 * j + 1, n)});
}

Digest MerkleTree::RootAt(size_t n) const {
  if (n == 0) return Digest{};
  size_t k = 0;
  while ((size_t{1} << k) < n) ++k;
  return Node(k, 0, n);
}

std::vector<ProofStep> MerkleTree::Proof(size_t index, size_t n) const {
  std::vector<ProofStep> proof;
  for (size_t k = 0, count = n; count > 1; ++k, count = (count + 1) / 2) {
    size_t pos = index >> k;
    size_t sibling = pos ^ 1;
    if (sibling < count) proof.push_back({sibling < pos ? Side::kLeft : Side::kRight, Node(k, sibling, n)});
  }
  return proof;
}

std::vector<Digest> MerkleTree::PrefixPeaks(size_t n) const {
  std::vector<Digest> peaks;
  size_t start = 0;
  for (size_t k = levels_.size(); k-- > 0;) {
    if (((n >> k) & 1) == 0) continue;
    peaks.push_back(levels_[k][start >> k]);
    start += size_t{1} << k;
  }
  return peaks;
}

void MerkleTree::Truncate(size_t new_size) {
  for (size_t k = 0; k < levels_.size(); ++k) levels_[k].resize(std::min(levels_[k].size(), new_size >> k));
  while (!levels_.empty() && levels_.back().empty() && levels_.size() > 1) levels_.pop_back();
}

MerkleFrontier MerkleFrontier::FromPeaks(uint64_t size, std::vector<Digest> peaks) {
  MerkleFrontier f;
  f.size_ = size;
  f.peaks_ = std::move(peaks);
  for (int k = 63; k >= 0; --k)
    if ((size >> k) & 1) f.heights_.push_back(k);
  return f;
}

void MerkleFrontier::Append(const Digest& leaf) {
  peaks_.push_back(leaf);
  heights_.push_back(0);
  while (heights_.size() >= 2 && heights_[heights_.size() - 1] == heights_[heights_.size() - 2]) {
    Digest merged = Sha256Concat({peaks_[peaks_.size() - 2], peaks_.back()});
    peaks_.pop_back();
    heights_.pop_back();
    peaks_.back() = merged;
    ++heights_.back();
  }
  ++size_;
}

Digest MerkleFrontier::Root() const {
  if (peaks_.empty()) return Digest{};
  Digest acc = peaks_.back();
  for (size_t i = peaks_.size() - 1; i-- > 0;) acc = Sha256Concat({peaks_[i], acc});
  return acc;
}

}  // namespace bank
