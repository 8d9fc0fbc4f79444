// Argument checks and table helpers shared by the constitution's actions
// (governance/actions.cpp for CCF's standard actions,
// governance/bank_actions.cpp for the consortium's banking rules). The
// messages are those of CCF's actions.js, so that bankd and a CCF service
// running governance-scripts/ refuse a proposal with the same words.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "kv/tx.hpp"

namespace bankd::governance {

using Reason = std::optional<std::string>;

// args[field], or null when args is not an object or has no such field.
const nlohmann::json* Arg(const nlohmann::json& args, const char* field);

// JavaScript's typeof for a JSON value (absent: "undefined").
std::string TypeOf(const nlohmann::json* v);

// `type` as in checkType: "string", "object", "integer", ... with a
// trailing '?' meaning null/absent is allowed.
Reason CheckType(const nlohmann::json* v, std::string type, const std::string& field);

// A 64-character hexadecimal member, user or node id.
Reason CheckEntityId(const nlohmann::json* v, const std::string& field);

// args[field] as a string; the caller validated it.
std::string Str(const nlohmann::json& args, const char* field);

// A table row parsed as JSON: null when absent, discarded when not JSON.
nlohmann::json ReadJson(const kv::Tx& tx, const char* table, const std::string& key);

#define BANK_CHECK(expr)               \
  do {                                 \
    if (Reason _r = (expr)) return _r; \
  } while (0)

}  // namespace bankd::governance
