#include "ledger/state.hpp"

#include <algorithm>

namespace bankd::ledger {

uint64_t LedgerState::ViewOf(uint64_t seqno) const {
  // The last view that started at or before seqno.
  auto it = std::upper_bound(views_.begin(), views_.end(), seqno,
                             [](uint64_t s, const std::pair<uint64_t, uint64_t>& v) { return s < v.second; });
  return std::prev(it)->first;
}

bank::TxId LedgerState::LastTxId(uint64_t fallback_view) const {
  if (entries_.empty()) return {fallback_view, 0};
  return {ViewOf(last_seqno()), last_seqno()};
}

bool LedgerState::Contains(const bank::TxId& txid) const {
  return txid.seqno >= 1 && txid.seqno <= last_seqno() && ViewOf(txid.seqno) == txid.view;
}

std::vector<uint64_t> LedgerState::ViewHistory(uint64_t seqno) const {
  std::vector<uint64_t> out;
  const uint64_t last = ViewOf(seqno);
  size_t i = 0;
  for (uint64_t v = 1; v <= last; ++v) {
    while (views_[i].first < v) ++i;  // the first recorded view >= v
    out.push_back(views_[i].second);
  }
  return out;
}

void LedgerState::Record(const bank::TxId& txid, bank::ledger::WriteSet&& writes,
                         const EntryLocation& location, const std::optional<bank::Digest>& signed_root) {
  if (views_.empty() || views_.back().first != txid.view) views_.emplace_back(txid.view, txid.seqno);
  entries_.push_back(location);
  if (signed_root) {
    signature_seqnos_.push_back(txid.seqno);
    last_signed_root_ = *signed_root;
  }
  store.Apply(std::move(writes), txid.seqno);
}

}  // namespace bankd::ledger
