// Merkle tree: proofs walk to the root for every leaf of every size, the
// incremental tree agrees with a naive recomputation, historical roots hold.
#include "bank/merkle.hpp"

#include <catch2/catch.hpp>

using namespace bank;

namespace {

Digest LeafN(size_t i) { return Sha256("leaf-" + std::to_string(i)); }

// Textbook recomputation: hash pairs level by level, promote odd last.
Digest NaiveRoot(std::vector<Digest> level) {
  if (level.empty()) return Digest{};
  while (level.size() > 1) {
    std::vector<Digest> next;
    for (size_t i = 0; i + 1 < level.size(); i += 2) next.push_back(Sha256Concat({level[i], level[i + 1]}));
    if (level.size() % 2) next.push_back(level.back());
    level = std::move(next);
  }
  return level[0];
}

}  // namespace

TEST_CASE("Merkle roots and proofs for every size up to 70", "[merkle]") {
  MerkleTree tree;
  std::vector<Digest> leaves;
  for (size_t n = 1; n <= 70; ++n) {
    tree.Append(LeafN(n - 1));
    leaves.push_back(LeafN(n - 1));
    REQUIRE(tree.Root() == NaiveRoot(leaves));
    for (size_t i = 0; i < n; ++i) REQUIRE(RootFromProof(leaves[i], tree.Proof(i, n)) == tree.Root());
  }
  // Historical roots and proofs stay valid as the tree grows.
  for (size_t n = 1; n <= 70; ++n) {
    std::vector<Digest> prefix(leaves.begin(), leaves.begin() + static_cast<long>(n));
    REQUIRE(tree.RootAt(n) == NaiveRoot(prefix));
    for (size_t i = 0; i < n; i += 7) REQUIRE(RootFromProof(leaves[i], tree.Proof(i, n)) == tree.RootAt(n));
  }
}

TEST_CASE("a proof fails for a different leaf or a flipped side", "[merkle]") {
  MerkleTree tree;
  for (size_t i = 0; i < 11; ++i) tree.Append(LeafN(i));
  auto proof = tree.Proof(5, 11);
  REQUIRE(proof.size() >= 3);
  CHECK(RootFromProof(LeafN(6), proof) != tree.Root());
  proof[1].side = proof[1].side == Side::kLeft ? Side::kRight : Side::kLeft;
  CHECK(RootFromProof(LeafN(5), proof) != tree.Root());
}

TEST_CASE("truncating a tree restores an earlier state", "[merkle]") {
  MerkleTree tree;
  for (size_t i = 0; i < 37; ++i) tree.Append(LeafN(i));
  Digest at20 = tree.RootAt(20);
  tree.Truncate(20);
  CHECK(tree.size() == 20);
  CHECK(tree.Root() == at20);
  for (size_t i = 20; i < 37; ++i) tree.Append(LeafN(i));
  CHECK(tree.RootAt(37) == tree.Root());
}
