// How `bankctl ledger read` shows keys and values, after CCF's
// read_ledger.py: per table, the first matching rule decides.
//   public:ccf.gov.cose_recent_proposals     key text,          value JSON
//   public:ccf.internal.*                    key <uN: n>,        value JSON
//   public:ccf.gov.*service|network|constitution*  key <uN: n>,  value JSON
//   public:ccf.gov.*                         key text,          value JSON
//   anything else                            text when printable, hex otherwise
// <uN: n> is the key read as an N-bit little-endian unsigned integer (keys
// up to 8 bytes; longer ones are shown as hex). A value that the rule
// says is JSON but does not parse is shown as text or hex.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace bank::ledger {

std::string DisplayKey(std::string_view table, std::string_view key);
// The value as JSON (parsed, when the table's values are JSON) or as a
// string (text or hex).
nlohmann::json DisplayValue(std::string_view table, std::string_view value);
// Text when every byte is printable ASCII or UTF-8 text without control
// characters (newline and tab allowed), else lowercase hex.
std::string TextOrHex(std::string_view bytes);

}  // namespace bank::ledger
