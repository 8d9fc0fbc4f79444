#include "bank/ledger_verifier.hpp"

namespace bank::ledger {

Status ChainVerifier::StartChunk(uint64_t first_seqno) const {
  if (first_seqno != last_seqno() + 1)
    return Status::InputFile("chunk starts at seqno " + std::to_string(first_seqno) + " but the previous entry is " +
                             std::to_string(last_seqno()));
  return Status::OK();
}

Result<std::optional<SignatureRecord>> ChainVerifier::Add(const DecodedEntry& decoded) {
  const Entry& e = decoded.entry;
  if (e.txid.seqno != last_seqno() + 1)
    return Status::InputFile("entry " + e.txid.ToString() + " follows seqno " + std::to_string(last_seqno()));
  if (e.txid.view < last_view_)
    return Status::InputFile("entry " + e.txid.ToString() + " goes back from view " + std::to_string(last_view_));
  std::optional<SignatureRecord> signature;
  if (e.kind == EntryKind::kSignature) {
    BANK_ASSIGN_OR_RETURN(signature, SignatureOf(e));
    // The root of every leaf so far, i.e. of seqnos 1 .. seqno - 1.
    BANK_RETURN_IF_ERROR(VerifySignature(*signature, tree_->Root()));
  }
  tree_->Append(decoded.Leaf());
  last_view_ = e.txid.view;
  return signature;
}

}  // namespace bank::ledger
