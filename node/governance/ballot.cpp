#include "governance/ballot.hpp"

#include <cctype>
#include <string>
#include <vector>

namespace bankd::governance {
namespace {

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

// Splits into identifiers and single punctuation characters, dropping
// whitespace and comments. nullopt on anything a constant ballot never
// contains (strings, numbers, operators, an unterminated comment).
std::optional<std::vector<std::string>> Tokens(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (s.substr(i, 2) == "//") {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (s.substr(i, 2) == "/*") {
      size_t end = s.find("*/", i + 2);
      if (end == std::string_view::npos) return std::nullopt;
      i = end + 2;
    } else if (IsIdentStart(c)) {
      size_t start = i;
      while (i < s.size() && IsIdentChar(s[i])) ++i;
      out.emplace_back(s.substr(start, i - start));
    } else if (std::string_view("(){},;").find(c) != std::string_view::npos) {
      out.emplace_back(1, c);
      ++i;
    } else {
      return std::nullopt;
    }
    if (out.size() > 64) return std::nullopt;  // far longer than any constant ballot
  }
  return out;
}

}  // namespace

std::optional<bool> ConstantBallotVote(std::string_view ballot_js) {
  auto tokens = Tokens(ballot_js);
  if (!tokens) return std::nullopt;
  const auto& t = *tokens;
  size_t i = 0;
  auto next_is = [&](std::string_view want) {
    if (i < t.size() && t[i] == want) {
      ++i;
      return true;
    }
    return false;
  };
  auto is_ident = [&](size_t k) { return k < t.size() && IsIdentStart(t[k][0]); };

  if (!next_is("export") || !next_is("function") || !next_is("vote") || !next_is("(")) return std::nullopt;
  // Up to two parameter names (proposal, proposerId), any names.
  for (int params = 0; !next_is(")"); ++params) {
    if (params == 2 || !is_ident(i)) return std::nullopt;
    ++i;
    if (i < t.size() && t[i] == ")") continue;
    if (!next_is(",") || !is_ident(i)) return std::nullopt;
  }
  if (!next_is("{")) return std::nullopt;
  while (next_is(";")) {
  }
  if (!next_is("return")) return std::nullopt;
  int parens = 0;
  while (next_is("(")) ++parens;
  std::optional<bool> vote;
  if (next_is("true"))
    vote = true;
  else if (next_is("false"))
    vote = false;
  else
    return std::nullopt;
  while (parens-- > 0)
    if (!next_is(")")) return std::nullopt;
  while (next_is(";")) {
  }
  if (!next_is("}")) return std::nullopt;
  while (next_is(";")) {
  }
  return i == t.size() ? vote : std::nullopt;
}

}  // namespace bankd::governance
