// JSON text of data that may carry outside bytes (ledger entries, receipts,
// requests, config files). nlohmann's dump() throws on a string that is not
// valid UTF-8; these never throw: the bytes that do not decode become U+FFFD.
// Everything that prints or sends JSON built from outside bytes goes through
// them, so that a damaged input can give a wrong-looking name, never an abort.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace bank {

// j as JSON text; indent as nlohmann's dump (-1: one line).
std::string JsonText(const nlohmann::json& j, int indent = -1);

// s as a JSON string literal: quoted, control characters escaped, invalid
// UTF-8 replaced. How error messages show a name or value from outside, so
// that the message stays one line and is safe to print on a terminal.
std::string Quoted(std::string_view s);

}  // namespace bank
