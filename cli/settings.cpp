#include "settings.hpp"

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "bank/key.hpp"

namespace bankctl {
namespace fs = std::filesystem;
using bank::Result;
using bank::Status;

namespace {

// Seconds given as text (flag or environment): a finite number > 0.
std::optional<double> ParseSeconds(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !(v > 0) || v > 86400 * 365) return std::nullopt;
  return v;
}

bool ValidOutput(const std::string& v) { return v == "text" || v == "json"; }

// One profile object. `where` prefixes every message ("FILE: profile 'x'").
Result<SettingsLayer> ParseProfile(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) return Status::InputFile(where + ": must be a JSON object");
  SettingsLayer p;
  const std::map<std::string, std::optional<std::string>*> strings = {
      {"server", &p.server},       {"cacert", &p.cacert}, {"cert", &p.cert},    {"key", &p.key},
      {"workspace", &p.workspace}, {"as", &p.as},         {"output", &p.output}};
  for (const auto& [name, value] : j.items()) {
    if (name == "timeout") {
      if (!value.is_number() || !(value.get<double>() > 0) || value.get<double>() > 86400 * 365)
        return Status::InputFile(where + ": \"timeout\" must be a number of seconds > 0");
      p.timeout = value.get<double>();
      continue;
    }
    auto it = strings.find(name);
    if (it == strings.end())
      return Status::InputFile(where + ": unknown key \"" + name +
                               "\" (known: server, cacert, cert, key, workspace, as, output, timeout)");
    if (!value.is_string() || value.get<std::string>().empty())
      return Status::InputFile(where + ": \"" + name + "\" must be a non-empty string");
    *it->second = value.get<std::string>();
  }
  if (p.output && !ValidOutput(*p.output))
    return Status::InputFile(where + ": \"output\" must be \"text\" or \"json\"");
  return p;
}

// "~/x" → $HOME/x; relative paths → relative to the config file's directory.
std::string ResolveConfigPath(const std::string& value, const fs::path& config_dir, const Environment& env) {
  if (value.starts_with("~/")) {
    if (auto home = env("HOME")) return (fs::path(*home) / value.substr(2)).string();
  }
  fs::path p(value);
  if (p.is_absolute() || config_dir.empty()) return value;
  return (config_dir / p).lexically_normal().string();
}

// Later (higher) layers override earlier ones, with the identity and
// workspace rules of settings.hpp.
void Apply(Settings* s, const SettingsLayer& l) {
  if (l.server) s->server = *l.server;
  if (l.workspace) {
    s->workspace = *l.workspace;
    s->cacert.clear();
  }
  if (l.cacert) s->cacert = *l.cacert;
  if (l.as) {
    s->as = *l.as;
    s->cert.clear();
    s->key.clear();
  }
  if (l.cert || l.key) s->as.clear();
  if (l.cert) s->cert = *l.cert;
  if (l.key) s->key = *l.key;
  if (l.output) s->output = *l.output == "json" ? OutputMode::kJson : OutputMode::kText;
  if (l.timeout) s->timeout_seconds = *l.timeout;
}

Result<SettingsLayer> EnvironmentLayer(const Environment& env) {
  SettingsLayer l;
  auto get = [&](const char* name) -> std::optional<std::string> {
    auto v = env(name);
    if (!v || v->empty()) return std::nullopt;
    return v;
  };
  l.server = get("BANKCTL_SERVER");
  l.cacert = get("BANKCTL_CACERT");
  l.cert = get("BANKCTL_CERT");
  l.key = get("BANKCTL_KEY");
  l.workspace = get("BANKCTL_WORKSPACE");
  l.as = get("BANKCTL_AS");
  l.output = get("BANKCTL_OUTPUT");
  if (l.output && !ValidOutput(*l.output))
    return Status::Usage("BANKCTL_OUTPUT must be text or json (got '" + *l.output + "')");
  if (auto t = get("BANKCTL_TIMEOUT")) {
    l.timeout = ParseSeconds(*t);
    if (!l.timeout)
      return Status::Usage("BANKCTL_TIMEOUT must be a number of seconds > 0 (got '" + *t + "')");
  }
  return l;
}

}  // namespace

Result<ConfigFile> ParseConfig(std::string_view text, const std::string& source) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InputFile(source + ": not valid JSON");
  if (!j.is_object()) return Status::InputFile(source + ": must be a JSON object with \"profiles\"");
  ConfigFile config;
  config.path = source;
  for (const auto& [name, value] : j.items()) {
    if (name == "default_profile") {
      if (!value.is_string()) return Status::InputFile(source + ": \"default_profile\" must be a string");
      config.default_profile = value.get<std::string>();
    } else if (name == "profiles") {
      if (!value.is_object()) return Status::InputFile(source + ": \"profiles\" must be an object");
      for (const auto& [pname, pvalue] : value.items()) {
        if (pname.empty()) return Status::InputFile(source + ": a profile name is empty");
        auto p = ParseProfile(pvalue, source + ": profile '" + pname + "'");
        if (!p.ok()) return p.status();
        config.profiles.emplace(pname, std::move(*p));
      }
    } else {
      return Status::InputFile(source + ": unknown key \"" + name + "\" (known: default_profile, profiles)");
    }
  }
  if (!config.default_profile.empty() && !config.profiles.contains(config.default_profile))
    return Status::InputFile(source + ": default_profile '" + config.default_profile +
                             "' is not in \"profiles\"");
  return config;
}

Environment ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::string ConfigPath(const Environment& env) {
  if (auto p = env("BANKCTL_CONFIG"); p && !p->empty()) return *p;
  if (auto x = env("XDG_CONFIG_HOME"); x && !x->empty())
    return (fs::path(*x) / "bankctl" / "config.json").string();
  auto home = env("HOME");
  return (fs::path(home ? *home : ".") / ".config" / "bankctl" / "config.json").string();
}

std::string EffectiveWorkspace(const std::string& dir) {
  if (dir.empty()) return "";
  std::error_code ec;
  fs::path sandbox = fs::path(dir) / "sandbox_common";
  if (fs::is_directory(sandbox, ec)) return sandbox.string();
  return dir;
}

Result<Settings> ResolveSettings(const Flags& flags, const Environment& env) {
  auto env_layer = EnvironmentLayer(env);
  if (!env_layer.ok()) return env_layer.status();

  // Which profile: --profile > BANKCTL_PROFILE > the file's default_profile.
  std::optional<std::string> wanted = flags.profile;
  if (!wanted) {
    if (auto p = env("BANKCTL_PROFILE"); p && !p->empty()) wanted = *p;
  }
  const std::string path = ConfigPath(env);
  const bool path_named = env("BANKCTL_CONFIG").has_value() && !env("BANKCTL_CONFIG")->empty();
  std::error_code ec;
  std::optional<ConfigFile> config;
  if (path_named || fs::exists(path, ec)) {
    auto text = bank::ReadFile(path);
    if (!text.ok()) return text.status();
    auto parsed = ParseConfig(*text, path);
    if (!parsed.ok()) return parsed.status();
    config = std::move(*parsed);
  }

  Settings s;
  s.server = kDefaultServer;
  s.timeout_seconds = kDefaultTimeoutSeconds;
  if (fs::is_directory("workspace", ec)) s.workspace = "workspace";

  if (wanted && !config)
    return Status::Usage("profile '" + *wanted + "' asked for, but there is no config file at " + path);
  if (config) {
    std::string name = wanted ? *wanted : config->default_profile;
    if (!name.empty()) {
      auto it = config->profiles.find(name);
      if (it == config->profiles.end()) {
        std::string known;
        for (const auto& [n, _] : config->profiles) known += (known.empty() ? "" : ", ") + n;
        return Status::Usage("profile '" + name + "' is not in " + path +
                             (known.empty() ? " (it has no profiles)" : " (profiles: " + known + ")"));
      }
      SettingsLayer p = it->second;
      fs::path dir = fs::path(path).parent_path();
      for (auto* field : {&p.cacert, &p.cert, &p.key, &p.workspace})
        if (*field) *field = ResolveConfigPath(**field, dir, env);
      Apply(&s, p);
      s.profile = name;
    }
  }
  Apply(&s, *env_layer);
  Apply(&s, flags.layer);
  s.verbose = flags.verbose;
  s.quiet = flags.quiet;
  return s;
}

}  // namespace bankctl
