#include "app/records.hpp"

namespace bankd::app {
namespace {

// 0xA1: an account before held transfers (no reserved amount); read still,
// written no more.
constexpr uint8_t kAccountV1Tag = 0xA1, kAccountTag = 0xA2, kHistoryTag = 0xB1, kLegsTag = 0xC1;

class Writer {
 public:
  explicit Writer(uint8_t tag, size_t reserve) {
    out_.reserve(reserve);
    out_.push_back(static_cast<char>(tag));
  }
  Writer& U64(uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
    out_.append(b, 8);
    return *this;
  }
  Writer& Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
    return *this;
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads what Writer wrote; any short read sets failed() for good.
class Reader {
 public:
  Reader(std::string_view in, uint8_t tag) : in_(in) {
    ok_ = !in_.empty() && static_cast<uint8_t>(in_[0]) == tag;
    if (ok_) in_.remove_prefix(1);
  }
  uint64_t U64() {
    if (!ok_ || in_.size() < 8) return ok_ = false, 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(in_[static_cast<size_t>(i)]);
    in_.remove_prefix(8);
    return v;
  }
  std::string Str() {
    const uint64_t n = U64();
    if (!ok_ || n > in_.size()) return ok_ = false, std::string();
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  // Everything read, nothing left over.
  bool done() const { return ok_ && in_.empty(); }
  bool ok() const { return ok_; }

 private:
  std::string_view in_;
  bool ok_ = false;
};

}  // namespace

std::string Encode(const Account& a) {
  return Writer(kAccountTag, 49)
      .U64(a.balance)
      .U64(static_cast<uint64_t>(a.created_at_ms))
      .U64(a.created.view)
      .U64(a.created.seqno)
      .U64(a.entries)
      .U64(a.reserved)
      .Take();
}

std::optional<Account> DecodeAccount(std::string_view bytes) {
  const bool v1 = !bytes.empty() && static_cast<uint8_t>(bytes[0]) == kAccountV1Tag;
  Reader r(bytes, v1 ? kAccountV1Tag : kAccountTag);
  Account a;
  a.balance = r.U64();
  a.created_at_ms = static_cast<int64_t>(r.U64());
  a.created.view = r.U64();
  a.created.seqno = r.U64();
  a.entries = r.U64();
  if (!v1) a.reserved = r.U64();
  if (!r.done()) return std::nullopt;
  return a;
}

const char* EntryTypeName(EntryType type) {
  switch (type) {
    case EntryType::kDeposit:
      return "deposit";
    case EntryType::kTransferOut:
      return "transfer_out";
    case EntryType::kTransferIn:
      return "transfer_in";
  }
  return "unknown";
}

std::string Encode(const HistoryEntry& e) {
  return Writer(kHistoryTag,
                1 + 1 + 8 * 8 + e.account_name.size() + e.counterparty.size() + e.counterparty_account.size())
      .U64(static_cast<uint64_t>(e.type))
      .U64(e.amount)
      .U64(e.balance)
      .U64(static_cast<uint64_t>(e.timestamp_ms))
      .U64(e.txid.view)
      .U64(e.txid.seqno)
      .Str(e.account_name)
      .Str(e.counterparty)
      .Str(e.counterparty_account)
      .Take();
}

std::optional<HistoryEntry> DecodeHistoryEntry(std::string_view bytes) {
  Reader r(bytes, kHistoryTag);
  HistoryEntry e;
  const uint64_t type = r.U64();
  e.amount = r.U64();
  e.balance = r.U64();
  e.timestamp_ms = static_cast<int64_t>(r.U64());
  e.txid.view = r.U64();
  e.txid.seqno = r.U64();
  e.account_name = r.Str();
  e.counterparty = r.Str();
  e.counterparty_account = r.Str();
  if (!r.done() || type < 1 || type > 3) return std::nullopt;
  e.type = static_cast<EntryType>(type);
  return e;
}

std::string Encode(const std::vector<TxLeg>& legs) {
  Writer w(kLegsTag, 1 + 8 + legs.size() * 100);
  w.U64(legs.size());
  for (const auto& leg : legs) w.Str(leg.user).Str(leg.account).U64(leg.index);
  return w.Take();
}

std::optional<std::vector<TxLeg>> DecodeTxLegs(std::string_view bytes) {
  Reader r(bytes, kLegsTag);
  const uint64_t n = r.U64();
  if (!r.ok() || n > bytes.size()) return std::nullopt;
  std::vector<TxLeg> legs(n);
  for (auto& leg : legs) {
    leg.user = r.Str();
    leg.account = r.Str();
    leg.index = r.U64();
  }
  if (!r.done()) return std::nullopt;
  return legs;
}

}  // namespace bankd::app
