// A transaction's writes as bankd's store hands them to the ledger: per
// (table, key) the new value, or nullopt for a removal. The ledger
// serialises them as CCF does (bank/ledger_entry.hpp): tables whose name
// starts with "public:" in the public domain, all others encrypted.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bank::ledger {

struct Write {
  std::string table;
  std::string key;
  std::optional<std::string> value;
  friend bool operator==(const Write&, const Write&) = default;
};
using WriteSet = std::vector<Write>;

inline bool IsPublicTable(std::string_view table) { return table.substr(0, 7) == "public:"; }

}  // namespace bank::ledger
