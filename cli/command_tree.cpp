#include "command_tree.hpp"

#include <algorithm>
#include <iostream>

#include "cli.hpp"

namespace bankctl {
namespace {

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string::size_type start = 0;
  while (true) {
    auto end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

bool Contains(const std::string& text, const char* needle) { return text.find(needle) != std::string::npos; }

// CLI11 describes an option's value in its type name: the value type
// ("TEXT", "INT", ...) followed by each validator's description, joined by
// ':'. IsMember/CheckedTransformer describe themselves as "{a,b,c}" (maps as
// "{a->x,b->y}"), ExistingFile as "FILE", ExistingDirectory as "DIR",
// ExistingPath/NonexistentPath as "PATH...".
void Classify(const std::string& type_name, ValueKind* kind, std::vector<std::string>* choices) {
  const auto parts = Split(type_name, ':');
  for (const auto& part : parts) {
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      for (auto& choice : Split(part.substr(1, part.size() - 2), ',')) {
        choice = choice.substr(0, choice.find("->"));
        if (!choice.empty()) choices->push_back(choice);
      }
      *kind = ValueKind::kChoice;
      return;
    }
  }
  for (const auto& part : parts) {
    if (Contains(part, "DIR")) {
      *kind = ValueKind::kDirectory;
      return;
    }
    if (Contains(part, "FILE") || Contains(part, "PATH")) {
      *kind = ValueKind::kFile;
      return;
    }
  }
  const std::string& base = parts.front();
  const bool number = base.rfind("INT", 0) == 0 || base.rfind("UINT", 0) == 0 ||
                      base.rfind("FLOAT", 0) == 0 || base.rfind("NUMBER", 0) == 0;
  *kind = number ? ValueKind::kNumber : ValueKind::kText;
}

void AddOptions(const CLI::App& app, CommandSpec* spec) {
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty()) continue;  // hidden
    const bool flag = opt->get_expected_max() == 0;
    if (!opt->nonpositional()) {  // a positional argument
      PositionalSpec p;
      p.name = opt->get_name(true, false);
      p.description = opt->get_description();
      Classify(opt->get_type_name(), &p.kind, &p.choices);
      p.required = opt->get_required();
      p.multiple = opt->get_items_expected_max() > 1;
      spec->positionals.push_back(std::move(p));
      continue;
    }
    OptionSpec o;
    for (const auto& name : opt->get_lnames()) o.long_names.push_back("--" + name);
    for (const auto& name : opt->get_snames()) o.short_names.push_back("-" + name);
    o.description = opt->get_description();
    o.type_name = opt->get_type_name();
    if (!flag) Classify(o.type_name, &o.kind, &o.choices);
    o.env = opt->get_envname();
    o.required = opt->get_required();
    o.repeatable = !flag && opt->get_items_expected_max() > 1;
    spec->options.push_back(std::move(o));
  }
}

CommandSpec Read(const CLI::App& app, std::vector<std::string> path) {
  CommandSpec spec;
  spec.path = std::move(path);
  spec.description = app.get_description();
  spec.inherits_parent_options = spec.path.size() > 1 && app.get_fallthrough();
  AddOptions(app, &spec);
  for (const CLI::App* sub : app.get_subcommands(std::function<bool(const CLI::App*)>{})) {
    if (sub->get_name().empty()) {  // an option group: its options are the command's
      AddOptions(*sub, &spec);
      continue;
    }
    if (sub->get_group().empty() || sub->get_disabled()) continue;  // hidden
    auto child_path = spec.path;
    child_path.push_back(sub->get_name());
    spec.subcommands.push_back(Read(*sub, std::move(child_path)));
  }
  std::sort(spec.subcommands.begin(), spec.subcommands.end(),
            [](const CommandSpec& a, const CommandSpec& b) { return a.name() < b.name(); });
  return spec;
}

nlohmann::json ChoicesJson(const std::vector<std::string>& choices) {
  return choices.empty() ? nlohmann::json::array() : nlohmann::json(choices);
}

}  // namespace

const char* ValueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNone:
      return "none";
    case ValueKind::kText:
      return "text";
    case ValueKind::kFile:
      return "file";
    case ValueKind::kDirectory:
      return "directory";
    case ValueKind::kNumber:
      return "number";
    case ValueKind::kChoice:
      return "choice";
  }
  return "text";
}

std::vector<std::string> OptionSpec::names() const {
  std::vector<std::string> all = long_names;
  all.insert(all.end(), short_names.begin(), short_names.end());
  return all;
}

std::string CommandSpec::path_string() const {
  std::string joined;
  for (const auto& word : path) joined += (joined.empty() ? "" : " ") + word;
  return joined;
}

CommandSpec ReadCommandTree(const CLI::App& root, const std::string& root_name) {
  return Read(root, {root_name});
}

void ForEachCommand(const CommandSpec& command, const std::function<void(const CommandSpec&)>& visit) {
  visit(command);
  for (const auto& sub : command.subcommands) ForEachCommand(sub, visit);
}

nlohmann::json CommandTreeJson(const CommandSpec& command) {
  nlohmann::json options = nlohmann::json::array();
  for (const auto& o : command.options) {
    options.push_back({{"names", o.names()},
                       {"description", o.description},
                       {"takes_value", o.takes_value()},
                       {"value_kind", ValueKindName(o.kind)},
                       {"choices", ChoicesJson(o.choices)},
                       {"type", o.type_name},
                       {"env", o.env},
                       {"required", o.required},
                       {"repeatable", o.repeatable}});
  }
  nlohmann::json positionals = nlohmann::json::array();
  for (const auto& p : command.positionals) {
    positionals.push_back({{"name", p.name},
                           {"description", p.description},
                           {"value_kind", ValueKindName(p.kind)},
                           {"choices", ChoicesJson(p.choices)},
                           {"required", p.required},
                           {"multiple", p.multiple}});
  }
  nlohmann::json subcommands = nlohmann::json::array();
  for (const auto& sub : command.subcommands) subcommands.push_back(CommandTreeJson(sub));
  return {{"path", command.path_string()},
          {"name", command.name()},
          {"description", command.description},
          {"inherits_parent_options", command.inherits_parent_options},
          {"options", options},
          {"positionals", positionals},
          {"subcommands", subcommands}};
}

// `bankctl __tree`: hidden; the tree as JSON, always (tests and tools parse it).
static void RegisterTree(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("__tree", "Print the command tree as JSON (for tests and tools)");
  cmd->group("");
  ctx.Bind(cmd, [&app] {
    std::cout << CommandTreeJson(ReadCommandTree(app)).dump(2) << "\n";
    return bank::Status::OK();
  });
}
BANKCTL_COMMAND_GROUP_ORDERED(RegisterTree, 1000);

}  // namespace bankctl
