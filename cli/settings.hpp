// bankctl's global settings: where each one comes from and which source wins.
//
// Precedence, highest first: command-line flag > BANKCTL_* environment
// variable > the selected profile of the config file > built-in default.
// Choosing an identity or a workspace is one decision per layer: a layer that
// sets `as` overrides lower layers' cert/key (and cert/key override lower
// layers' `as`); a layer that sets `workspace` overrides lower layers' cacert.
// See cli/SETTINGS.md for the user-facing description.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "bank/status.hpp"

namespace bankctl {

enum class OutputMode { kText, kJson };

// Global settings after precedence is applied. Empty string: not set.
struct Settings {
  std::string server;     // https://127.0.0.1:8000 by default
  std::string cacert;     // service certificate
  std::string cert, key;  // client identity
  std::string workspace;  // dir with service_cert.pem, NAME_{cert,privk}.pem
  std::string as;         // identity name inside the workspace
  std::string profile;    // config profile name
  OutputMode output = OutputMode::kText;
  bool verbose = false;
  bool quiet = false;
  double timeout_seconds = 30;
};

inline constexpr const char* kDefaultServer = "https://127.0.0.1:8000";
inline constexpr double kDefaultTimeoutSeconds = 30;

// What one source says; nullopt where it says nothing.
struct SettingsLayer {
  std::optional<std::string> server, cacert, cert, key, workspace, as, output;
  std::optional<double> timeout;
};

// The config file: {"default_profile": NAME, "profiles": {NAME: {...}}} with
// profile keys server, cacert, cert, key, workspace, as, output, timeout.
struct ConfigFile {
  std::string path;
  std::string default_profile;
  std::map<std::string, SettingsLayer> profiles;
};

// Strict: unknown keys and wrong types are errors (they are usually typos).
// Errors are Code::kInputFile, one line, naming `source`.
bank::Result<ConfigFile> ParseConfig(std::string_view text, const std::string& source);

// Looks up an environment variable; nullopt when unset.
using Environment = std::function<std::optional<std::string>(const std::string&)>;
Environment ProcessEnvironment();

// $BANKCTL_CONFIG, else $XDG_CONFIG_HOME/bankctl/config.json, else
// $HOME/.config/bankctl/config.json.
std::string ConfigPath(const Environment& env);

// The command line's contribution.
struct Flags {
  SettingsLayer layer;
  std::optional<std::string> profile;
  bool verbose = false;
  bool quiet = false;
};

// Applies the precedence. Reads the config file (a missing file is fine at
// the default location, an error when BANKCTL_CONFIG names it or a profile is
// asked for). Paths in the config file are relative to its directory and may
// start with "~/". Bad values are kUsage (flags, environment) or kInputFile
// (config file).
bank::Result<Settings> ResolveSettings(const Flags& flags, const Environment& env);

// The directory holding the identity files: DIR/sandbox_common when it
// exists (a CCF sandbox workspace), DIR otherwise; "" for "".
std::string EffectiveWorkspace(const std::string& dir);

}  // namespace bankctl
