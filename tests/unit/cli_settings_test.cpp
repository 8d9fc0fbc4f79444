// bankctl settings: config file parsing, profile selection, the precedence
// flag > BANKCTL_* environment > profile > default, workspace resolution.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "settings.hpp"
#include "support/temp_dir.hpp"

using namespace bankctl;
using bank::Code;
using bank::test::TempDir;
namespace fs = std::filesystem;

namespace {

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// A fake environment; HOME points into the temp dir so the real user's
// config file never leaks into a test.
struct Env {
  std::map<std::string, std::string> vars;
  Environment fn() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

// Runs the test body in `dir` (the default workspace is ./workspace).
class ScopedCwd {
 public:
  explicit ScopedCwd(const fs::path& dir) : old_(fs::current_path()) { fs::current_path(dir); }
  ~ScopedCwd() { fs::current_path(old_); }

 private:
  fs::path old_;
};

constexpr const char* kConfig = R"({
  "default_profile": "local",
  "profiles": {
    "local": {"server": "https://127.0.0.1:8000", "workspace": "/srv/ws", "as": "user0",
              "output": "text", "timeout": 12},
    "prod":  {"server": "https://bank.example:443", "cacert": "certs/service_cert.pem",
              "cert": "~/ids/member0_cert.pem", "key": "~/ids/member0_privk.pem", "output": "json"}
  }
})";

}  // namespace

TEST_CASE("config: a valid file parses into profiles", "[cli][settings]") {
  auto c = ParseConfig(kConfig, "config.json");
  REQUIRE(c.ok());
  CHECK(c->default_profile == "local");
  REQUIRE(c->profiles.size() == 2);
  CHECK(*c->profiles["local"].as == "user0");
  CHECK(*c->profiles["local"].timeout == 12);
  CHECK_FALSE(c->profiles["local"].cert.has_value());
  CHECK(*c->profiles["prod"].output == "json");
}

TEST_CASE("config: malformed files give one line naming the file", "[cli][settings]") {
  const std::vector<std::string> bad = {
      "",
      "{",
      "[]",
      R"({"profiles": []})",
      R"({"profiles": {"a": {"sever": "x"}}})",
      R"({"profiles": {"a": {"timeout": "ten"}}})",
      R"({"profiles": {"a": {"timeout": 0}}})",
      R"({"profiles": {"a": {"output": "yaml"}}})",
      R"({"profiles": {"a": {"server": 5}}})",
      R"({"profiles": {"a": {"server": ""}}})",
      R"({"profiles": {"a": "https://x"}})",
      R"({"default_profile": "b", "profiles": {"a": {}}})",
      R"({"default_profile": 1})",
      R"({"profile": {}})",
  };
  for (const auto& text : bad) {
    INFO(text);
    auto c = ParseConfig(text, "/home/x/.config/bankctl/config.json");
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == Code::kInputFile);
    CHECK(c.status().message().starts_with("/home/x/.config/bankctl/config.json: "));
    CHECK(c.status().message().find('\n') == std::string::npos);
  }
}

TEST_CASE("config path: BANKCTL_CONFIG, then XDG_CONFIG_HOME, then ~/.config", "[cli][settings]") {
  Env env;
  env.vars["HOME"] = "/home/a";
  CHECK(ConfigPath(env.fn()) == "/home/a/.config/bankctl/config.json");
  env.vars["XDG_CONFIG_HOME"] = "/xdg";
  CHECK(ConfigPath(env.fn()) == "/xdg/bankctl/config.json");
  env.vars["BANKCTL_CONFIG"] = "/etc/bankctl.json";
  CHECK(ConfigPath(env.fn()) == "/etc/bankctl.json");
}

TEST_CASE("precedence: flag > environment > profile > default", "[cli][settings]") {
  TempDir dir;
  ScopedCwd cwd(dir.path());
  Env env;
  env.vars["HOME"] = dir.path().string();
  env.vars["XDG_CONFIG_HOME"] = dir / "xdg";
  fs::create_directories(dir / "xdg/bankctl");
  const std::string config_path = dir / "xdg/bankctl/config.json";
  Flags flags;

  SECTION("defaults without any config") {
    auto s = ResolveSettings(flags, env.fn());
    REQUIRE(s.ok());
    CHECK(s->server == "https://127.0.0.1:8000");
    CHECK(s->timeout_seconds == 30);
    CHECK(s->output == OutputMode::kText);
    CHECK(s->workspace.empty());
    CHECK(s->profile.empty());
  }

  SECTION("./workspace is the default workspace when it exists") {
    fs::create_directories(dir / "workspace");
    auto s = ResolveSettings(flags, env.fn());
    REQUIRE(s.ok());
    CHECK(s->workspace == "workspace");
  }

  WriteText(config_path, kConfig);

  SECTION("the default profile applies") {
    auto s = ResolveSettings(flags, env.fn());
    REQUIRE(s.ok());
    CHECK(s->profile == "local");
    CHECK(s->workspace == "/srv/ws");
    CHECK(s->as == "user0");
    CHECK(s->timeout_seconds == 12);
  }

  SECTION("environment beats the profile, flags beat the environment") {
    env.vars["BANKCTL_SERVER"] = "https://127.0.0.1:9000";
    env.vars["BANKCTL_TIMEOUT"] = "5";
    env.vars["BANKCTL_OUTPUT"] = "json";
    auto s = ResolveSettings(flags, env.fn());
    REQUIRE(s.ok());
    CHECK(s->server == "https://127.0.0.1:9000");
    CHECK(s->timeout_seconds == 5);
    CHECK(s->output == OutputMode::kJson);
    CHECK(s->workspace == "/srv/ws");  // from the profile: nobody overrode it

    flags.layer.server = "https://127.0.0.1:9100";
    flags.layer.timeout = 2.5;
    flags.layer.output = "text";
    s = ResolveSettings(flags, env.fn());
    REQUIRE(s.ok());
    CHECK(s->server == "https://127.0.0.1:9100");
    CHECK(s->timeout_seconds == 2.5);
    CHECK(s->output == OutputMode::kText);
  }

  SECTION("profile choice: --profile > BANKCTL_PROFILE > default_profile") {
    env.vars["BANKCTL_PROFILE"] = "prod";
    auto s = ResolveSettings(flags, env.fn());
    REQUIRE(s.ok());
    CHECK(s->profile == "prod");
    CHECK(s->server == "https://bank.example:443");
    // Relative to the config file's directory; "~/" is $HOME.
    CHECK(s->cacert == dir / "xdg/bankctl/certs/service_cert.pem");
    CHECK(s->cert == dir / "ids/member0_cert.pem");
    CHECK(s->output == OutputMode::kJson);

    flags.profile = "local";
    s = ResolveSettings(flags, env.fn());
    REQUIRE(s.ok());
    CHECK(s->profile == "local");
  }

  SECTION("--as overrides a profile's cert/key, and --cert a profile's as") {
    flags.profile = "prod";
    flags.layer.as = "user1";
    auto s = ResolveSettings(flags, env.fn());
    REQUIRE(s.ok());
    CHECK(s->as == "user1");
    CHECK(s->cert.empty());
    CHECK(s->key.empty());

    flags = Flags{};
    flags.layer.cert = "/tmp/c.pem";
    flags.layer.key = "/tmp/k.pem";
    s = ResolveSettings(flags, env.fn());  // default profile "local" has as=user0
    REQUIRE(s.ok());
    CHECK(s->as.empty());
    CHECK(s->cert == "/tmp/c.pem");
  }

  SECTION("a workspace given higher up replaces a lower cacert") {
    flags.profile = "prod";
    env.vars["BANKCTL_WORKSPACE"] = "/srv/other";
    auto s = ResolveSettings(flags, env.fn());
    REQUIRE(s.ok());
    CHECK(s->workspace == "/srv/other");
    CHECK(s->cacert.empty());
  }

  SECTION("an unknown profile is a usage error listing the known ones") {
    flags.profile = "staging";
    auto s = ResolveSettings(flags, env.fn());
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kUsage);
    CHECK(s.status().message().find("local, prod") != std::string::npos);
  }

  SECTION("bad environment values are usage errors naming the variable") {
    env.vars["BANKCTL_TIMEOUT"] = "soon";
    auto s = ResolveSettings(flags, env.fn());
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kUsage);
    CHECK(s.status().message().find("BANKCTL_TIMEOUT") != std::string::npos);
    env.vars.erase("BANKCTL_TIMEOUT");
    env.vars["BANKCTL_OUTPUT"] = "xml";
    CHECK(ResolveSettings(flags, env.fn()).status().code() == Code::kUsage);
  }
}

TEST_CASE("config file errors: malformed, missing when named, profile without a file", "[cli][settings]") {
  TempDir dir;
  ScopedCwd cwd(dir.path());
  Env env;
  env.vars["HOME"] = dir.path().string();
  Flags flags;

  SECTION("malformed default file") {
    fs::create_directories(dir / ".config/bankctl");
    WriteText(dir / ".config/bankctl/config.json", "{\"profiles\": ");
    auto s = ResolveSettings(flags, env.fn());
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kInputFile);
    CHECK(s.status().message().find(dir / ".config/bankctl/config.json") != std::string::npos);
  }
  SECTION("BANKCTL_CONFIG naming a missing file") {
    env.vars["BANKCTL_CONFIG"] = dir / "nope.json";
    auto s = ResolveSettings(flags, env.fn());
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kInputFile);
    CHECK(s.status().message().find("nope.json") != std::string::npos);
  }
  SECTION("--profile without any config file") {
    flags.profile = "local";
    auto s = ResolveSettings(flags, env.fn());
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kUsage);
  }
  SECTION("no config file at the default location is fine") { CHECK(ResolveSettings(flags, env.fn()).ok()); }
}

TEST_CASE("workspace: DIR, or DIR/sandbox_common when it exists", "[cli][settings]") {
  TempDir dir;
  CHECK(EffectiveWorkspace("").empty());
  CHECK(EffectiveWorkspace(dir.path().string()) == dir.path().string());
  fs::create_directories(dir / "sandbox_common");
  CHECK(EffectiveWorkspace(dir.path().string()) == dir / "sandbox_common");
  // A file of that name is not a sandbox.
  TempDir other;
  WriteText(other / "sandbox_common", "");
  CHECK(EffectiveWorkspace(other.path().string()) == other.path().string());
}
