#include "bank/ledger_display.hpp"

#include <fmt/format.h>

#include "bank/encoding.hpp"

namespace bank::ledger {
namespace {

enum class KeyForm { kText, kUInt, kAuto };

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

struct Rule {
  KeyForm key;
  bool json_value;
};

Rule RuleFor(std::string_view table) {
  if (table == "public:ccf.gov.cose_recent_proposals") return {KeyForm::kText, true};
  if (StartsWith(table, "public:ccf.internal.")) return {KeyForm::kUInt, true};
  if (StartsWith(table, "public:ccf.gov.")) {
    std::string_view rest = table.substr(15);
    bool singleton = rest.find("service") != std::string_view::npos ||
                     rest.find("network") != std::string_view::npos ||
                     rest.find("constitution") != std::string_view::npos;
    return {singleton ? KeyForm::kUInt : KeyForm::kText, true};
  }
  return {KeyForm::kAuto, false};
}

bool Printable(std::string_view s) {
  auto j = nlohmann::json(std::string(s));
  try {
    (void)j.dump();  // throws on invalid UTF-8
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f) return false;
  return true;
}

}  // namespace

std::string TextOrHex(std::string_view bytes) {
  return Printable(bytes) ? std::string(bytes) : ToHex(AsBytes(bytes));
}

std::string DisplayKey(std::string_view table, std::string_view key) {
  switch (RuleFor(table).key) {
    case KeyForm::kUInt: {
      if (key.empty() || key.size() > 8) return ToHex(AsBytes(key));
      uint64_t v = 0;
      for (size_t i = key.size(); i-- > 0;) v = (v << 8) | static_cast<uint8_t>(key[i]);
      return fmt::format("<u{}: {}>", 8 * key.size(), v);
    }
    case KeyForm::kText:
    case KeyForm::kAuto:
      return TextOrHex(key);
  }
  return TextOrHex(key);
}

nlohmann::json DisplayValue(std::string_view table, std::string_view value) {
  if (RuleFor(table).json_value) {
    auto j = nlohmann::json::parse(value, nullptr, false);
    if (!j.is_discarded()) return j;
  }
  return TextOrHex(value);
}

}  // namespace bank::ledger
