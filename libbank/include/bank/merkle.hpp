// CCF's Merkle tree over transactions, and inclusion proofs.
//
// Level 0 holds one leaf per transaction in seqno order (leaf index =
// seqno - 1). A parent is SHA-256(left || right); a level with an odd count
// promotes its last node unchanged (no duplication, no hashing), so a proof
// skips the levels where the node is a lone promotee. A proof step names the
// side of the *sibling*.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "bank/hash.hpp"

namespace bank {

enum class Side { kLeft, kRight };

struct ProofStep {
  Side side;  // side of the sibling
  Digest hash;
  friend bool operator==(const ProofStep&, const ProofStep&) = default;
};

// leaf = SHA-256(write_set_digest || SHA-256(commit_evidence) || claims_digest);
// without claims_digest the leaf has two components (older CCF receipts).
Digest LeafHash(const Digest& write_set_digest, std::string_view commit_evidence,
                const std::optional<Digest>& claims_digest);

// Walks a proof from a leaf up to the root it implies.
Digest RootFromProof(const Digest& leaf, const std::vector<ProofStep>& proof);

class MerkleTree {
 public:
  void Append(const Digest& leaf);
  size_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  const Digest& leaf(size_t index) const { return levels_[0][index]; }

  // Root of the first `tree_size` leaves (tree_size <= size()); all zeros
  // for the empty tree.
  Digest RootAt(size_t tree_size) const;
  Digest Root() const { return RootAt(size()); }
  // Proof of leaf `index` in the tree of the first `tree_size` leaves.
  std::vector<ProofStep> Proof(size_t index, size_t tree_size) const;

  // The roots of the perfect subtrees that make up the first `n` leaves
  // (the binary decomposition of n), largest first.
  std::vector<Digest> PrefixPeaks(size_t n) const;

  // Drops every leaf from `new_size` on (used when a ledger tail is cut).
  void Truncate(size_t new_size);

 private:
  // Node j of level k in the tree of `n` leaves (promotion applied).
  Digest Node(size_t k, size_t j, size_t n) const;

  // levels_[k][j] = hash of the complete subtree of 2^k leaves starting at
  // leaf j * 2^k; only complete subtrees are stored.
  std::vector<std::vector<Digest>> levels_;
};

// The same tree kept as its frontier: the roots of the perfect subtrees of
// the binary decomposition of size() (the tree with promotion is the
// RFC 6962 tree, so these determine every root). O(log n) memory, for
// readers that only need roots (`ledger audit`).
class MerkleFrontier {
 public:
  // The tree of `size` leaves whose perfect subtrees (the binary
  // decomposition of `size`, largest first) have these roots.
  static MerkleFrontier FromPeaks(uint64_t size, std::vector<Digest> peaks);
  void Append(const Digest& leaf);
  uint64_t size() const { return size_; }
  // Root of all the leaves appended; all zeros when empty.
  Digest Root() const;

 private:
  std::vector<Digest> peaks_;  // largest subtree first
  std::vector<int> heights_;   // log2 of each peak's leaf count
  uint64_t size_ = 0;
};

}  // namespace bank
