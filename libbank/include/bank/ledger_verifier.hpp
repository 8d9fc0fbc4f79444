// The checks every reader of a whole ledger makes, in one place: bankd's
// replay on start and `bankctl ledger audit` run the same code.
//
// Feed the decoded entries of a ledger in order (see bank/ledger_format.hpp).
// The verifier checks that seqnos run 1, 2, 3, ... with each chunk file
// starting where its name says, that views never decrease, and that every
// signature transaction signs, with the key of the certificate it carries,
// the Merkle root of all the transactions before it. It appends each
// entry's leaf to the tree it is given, which the caller keeps.
//
// Errors carry no file or offset: the caller knows where the entry came
// from and adds it (bank::ledger::AtOffset).
#pragma once

#include <optional>

#include "bank/ledger_format.hpp"
#include "bank/merkle.hpp"

namespace bank::ledger {

class ChainVerifier {
 public:
  // `tree` holds the leaves of the transactions already verified (empty for
  // a ledger read from seqno 1) and must outlive the verifier.
  explicit ChainVerifier(MerkleTree* tree) : tree_(tree) {}

  // A chunk file named for `first_seqno` begins (kInputFile when it does not
  // continue the chain).
  Status StartChunk(uint64_t first_seqno) const;
  // Checks `entry` and appends its leaf. Returns the signature record of a
  // signature transaction (nullopt for a write). Chain breaks are
  // kInputFile, signatures that do not verify kVerifyFailed.
  Result<std::optional<SignatureRecord>> Add(const DecodedEntry& entry);

  uint64_t last_seqno() const { return tree_->size(); }
  uint64_t last_view() const { return last_view_; }

 private:
  MerkleTree* tree_;
  uint64_t last_view_ = 0;
};

}  // namespace bank::ledger
