// bankctl's command tree as plain data, read from the CLI11 App once every
// group has registered. It is the single source of the shell completions
// (`bankctl completion`), of `bankctl __tree` (JSON for tests and tools) and
// of the check that the man page documents every command and option.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bankctl {

// What an option's (or positional's) value is, for completion.
enum class ValueKind {
  kNone,       // a flag: takes no value
  kText,       // free text (completed as a file name, like bash's default)
  kFile,       // a file path
  kDirectory,  // a directory path
  kNumber,     // a number: nothing to complete
  kChoice,     // one of `choices`
};
const char* ValueKindName(ValueKind kind);

struct OptionSpec {
  std::vector<std::string> long_names;   // with the leading "--"
  std::vector<std::string> short_names;  // with the leading "-"
  std::string description;
  std::string type_name;  // CLI11's, e.g. "TEXT:{bash,zsh,fish}"
  ValueKind kind = ValueKind::kNone;
  std::vector<std::string> choices;
  std::string env;  // environment variable that sets it, or ""
  bool required = false;
  bool repeatable = false;
  bool takes_value() const { return kind != ValueKind::kNone; }
  // Every name, long first: {"--output", "-o"}.
  std::vector<std::string> names() const;
};

struct PositionalSpec {
  std::string name;
  std::string description;
  ValueKind kind = ValueKind::kText;
  std::vector<std::string> choices;
  bool required = false;
  bool multiple = false;  // takes every remaining argument
};

struct CommandSpec {
  std::vector<std::string> path;  // {"bankctl", "gov", "vote"}
  std::string description;
  // The command also accepts its parent's options (CLI11 fallthrough).
  bool inherits_parent_options = false;
  std::vector<OptionSpec> options;  // its own, in definition order
  std::vector<PositionalSpec> positionals;
  std::vector<CommandSpec> subcommands;  // sorted by name

  const std::string& name() const { return path.back(); }
  std::string path_string() const;  // "bankctl gov vote"
};

// Reads the tree under `root`, named `root_name`. Hidden subcommands and
// options (empty CLI11 group) are left out.
CommandSpec ReadCommandTree(const CLI::App& root, const std::string& root_name = "bankctl");

// Visits `command` and every descendant, parents before children.
void ForEachCommand(const CommandSpec& command, const std::function<void(const CommandSpec&)>& visit);

// The stable JSON form printed by `bankctl __tree`:
// {"path": "bankctl gov vote", "name": "vote", "description": "...",
//  "inherits_parent_options": true,
//  "options": [{"names": ["--output", "-o"], "description": "...",
//               "takes_value": true, "value_kind": "choice",
//               "choices": ["text", "json"], "type": "TEXT:{text,json}",
//               "env": "BANKCTL_OUTPUT", "required": false, "repeatable": false}],
//  "positionals": [{"name": "shell", "description": "...", "value_kind": "choice",
//                   "choices": [...], "required": true, "multiple": false}],
//  "subcommands": [...]}
nlohmann::json CommandTreeJson(const CommandSpec& command);

}  // namespace bankctl
