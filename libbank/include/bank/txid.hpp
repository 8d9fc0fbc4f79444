// CCF transaction ids: "<view>.<seqno>", both decimal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bank {

struct TxId {
  uint64_t view = 0;
  uint64_t seqno = 0;

  std::string ToString() const { return std::to_string(view) + "." + std::to_string(seqno); }
  // Strict: two non-empty decimal numbers without sign or leading '+', no
  // overflow, nothing else. Returns nullopt otherwise.
  static std::optional<TxId> Parse(std::string_view text);

  friend auto operator<=>(const TxId&, const TxId&) = default;
};

// Status of a transaction as CCF reports it on /tx.
enum class TxStatus { kUnknown, kPending, kCommitted, kInvalid };
const char* TxStatusName(TxStatus s);  // "Unknown", "Pending", "Committed", "Invalid"
std::optional<TxStatus> ParseTxStatus(std::string_view s);

}  // namespace bank
