// The banking tables' stored values in a compact binary encoding: fixed
// width little-endian integers and length-prefixed strings, no field names.
// A transfer reads two accounts and writes two accounts, two history
// entries and one index entry; as JSON text that was most of the work of a
// transfer (parse, build, dump), as bytes it is a few copies.
//
// Each value starts with a one-byte format tag, so a later layout can be
// told apart from this one. bankd is the only reader of these values (the
// ledger stores them as opaque bytes); a value that does not decode is
// treated as absent, never trusted partially.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bank/txid.hpp"

namespace bankd::app {

struct Account {
  uint64_t balance = 0;
  int64_t created_at_ms = 0;
  bank::TxId created;
  uint64_t entries = 0;  // history entries so far
  // Held by transfers awaiting review (app/holds.hpp); `balance` is what
  // is available. Money is conserved over balance + reserved.
  uint64_t reserved = 0;
};
std::string Encode(const Account& account);
std::optional<Account> DecodeAccount(std::string_view bytes);

enum class EntryType : uint8_t { kDeposit = 1, kTransferOut = 2, kTransferIn = 3 };
const char* EntryTypeName(EntryType type);  // "deposit", "transfer_out", "transfer_in"

// One line of an account's history, as the API shows it.
struct HistoryEntry {
  EntryType type = EntryType::kDeposit;
  uint64_t amount = 0;
  uint64_t balance = 0;  // after this entry
  int64_t timestamp_ms = 0;
  bank::TxId txid;
  std::string account_name;
  std::string counterparty;          // user or member id
  std::string counterparty_account;  // transfers only
};
std::string Encode(const HistoryEntry& entry);
std::optional<HistoryEntry> DecodeHistoryEntry(std::string_view bytes);

// bank.transactions: the history entries a transaction wrote.
struct TxLeg {
  std::string user;
  std::string account;
  uint64_t index = 0;
};
std::string Encode(const std::vector<TxLeg>& legs);
std::optional<std::vector<TxLeg>> DecodeTxLegs(std::string_view bytes);

}  // namespace bankd::app
