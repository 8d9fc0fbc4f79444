#include "bank/txid.hpp"

#include <charconv>

namespace bank {
namespace {

std::optional<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<TxId> TxId::Parse(std::string_view text) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto view = ParseDecimal(text.substr(0, dot));
  auto seqno = ParseDecimal(text.substr(dot + 1));
  if (!view || !seqno) return std::nullopt;
  return TxId{*view, *seqno};
}

const char* TxStatusName(TxStatus s) {
  switch (s) {
    case TxStatus::kUnknown:
      return "Unknown";
    case TxStatus::kPending:
      return "Pending";
    case TxStatus::kCommitted:
      return "Committed";
    case TxStatus::kInvalid:
      return "Invalid";
  }
  return "Unknown";
}

std::optional<TxStatus> ParseTxStatus(std::string_view s) {
  if (s == "Unknown") return TxStatus::kUnknown;
  if (s == "Pending") return TxStatus::kPending;
  if (s == "Committed") return TxStatus::kCommitted;
  if (s == "Invalid") return TxStatus::kInvalid;
  return std::nullopt;
}

}  // namespace bank
