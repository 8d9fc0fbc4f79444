// Everything a user finds around bankctl stays true to the binary: the
// checked-in completions are what `bankctl completion` generates, bash, zsh
// and fish complete every command and option, the man pages document every
// command and option and render cleanly, and the config files are valid and
// are what `bankctl node config` writes.
#include <sys/wait.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "bank/bankd_config.hpp"
#include "support/bankctl_run.hpp"
#include "support/temp_dir.hpp"

namespace bank::test {
namespace {

using nlohmann::json;

const std::string kSource = BANK_SOURCE_DIR;
const std::string kBankd = BANKD_PATH;

struct Run {
  int exit_code = -1;
  std::string out;  // stdout, with stderr when asked
};

// Runs `command` with /bin/sh; captures stdout.
Run Shell(const std::string& command) {
  Run r;
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

// The command tree as `bankctl __tree` prints it.
const json& Tree() {
  static const json tree = [] {
    auto r = RunBankctl({"__tree"});
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  }();
  return tree;
}

void Visit(const json& command, const std::function<void(const json&)>& f) {
  f(command);
  for (const auto& sub : command["subcommands"]) Visit(sub, f);
}

std::vector<std::string> Words(const std::string& path) {
  std::vector<std::string> words;
  std::istringstream in(path);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// One completion to check: after typing `line`, `want` is offered.
struct Expectation {
  std::vector<std::string> words;  // the last one is being completed
  std::string want;
};

// Every command, typed as its parent's path plus a prefix of its name, and
// every long option of every command, typed as a prefix after the command.
std::vector<Expectation> Expectations() {
  std::vector<Expectation> all;
  Visit(Tree(), [&all](const json& c) {
    auto words = Words(c["path"]);
    if (words.size() > 1) {
      Expectation e{words, words.back()};
      const std::string& name = words.back();
      e.words.back() = name.substr(0, std::max<size_t>(1, name.size() - 1));
      all.push_back(e);
    }
    for (const auto& o : c["options"]) {
      for (const std::string name : o["names"]) {
        if (name.rfind("--", 0) != 0 || name == "--help") continue;
        Expectation e{words, name};
        e.words.push_back(name.substr(0, name.size() - 1));
        all.push_back(e);
      }
    }
  });
  return all;
}

std::string Join(const std::vector<std::string>& words) {
  std::string line;
  for (const auto& w : words) line += (line.empty() ? "" : " ") + w;
  return line;
}

TEST_CASE("docs: the checked-in completions are what bankctl generates", "[docs]") {
  for (const std::string shell : {"bash", "zsh", "fish"}) {
    INFO("completions/bankctl." << shell << " is stale: run scripts/gen-completions");
    auto r = RunBankctl({"completion", shell});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == ReadFile(kSource + "/completions/bankctl." + shell));
  }
}

TEST_CASE("docs: bash completes every command and option", "[docs]") {
  TempDir dir;
  std::string script = "source " + Quote(kSource + "/completions/bankctl.bash") + R"SCRIPT(
check() {
  local want="$1"; shift
  COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
  _bankctl
  local w
  for w in "${COMPREPLY[@]}"; do [[ $w == "$want" ]] && return; done
  echo "missing '$want' after '${COMP_WORDS[*]}' (offered: ${COMPREPLY[*]})"
}
)SCRIPT";
  // The example of the issue, spelled out.
  script += "check vote bankctl gov vo\n";
  script += "check json bankctl --output j\n";
  script += "check bash bankctl completion ba\n";
  for (const auto& e : Expectations()) {
    script += "check " + Quote(e.want);
    for (const auto& w : e.words) script += " " + Quote(w);
    script += "\n";
  }
  WriteFile(dir / "check.bash", script);
  Run r = Shell("bash " + Quote(dir / "check.bash") + " 2>&1");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "");
}

TEST_CASE("docs: fish completes every command and option", "[docs]") {
  TempDir dir;
  std::string script = "source " + Quote(kSource + "/completions/bankctl.fish") + R"SCRIPT(
function check --argument-names want line
    contains -- $want (complete -C "$line" | string replace -r '\t.*' '')
    or echo "missing '$want' after '$line'"
end
)SCRIPT";
  script += "check vote 'bankctl gov vo'\n";
  script += "check json 'bankctl --output j'\n";
  for (const auto& e : Expectations()) script += "check " + Quote(e.want) + " " + Quote(Join(e.words)) + "\n";
  WriteFile(dir / "check.fish", script);
  Run r = Shell("fish --no-config " + Quote(dir / "check.fish") + " 2>&1");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "");
}

// zsh's completion system needs a terminal; here its entry points are
// replaced by stubs that record what _bankctl offers.
TEST_CASE("docs: zsh completes every command and option", "[docs]") {
  TempDir dir;
  std::string script = R"SCRIPT(
compdef() { : }
_describe() { local name=${@[-1]}; offered+=(${${(P)name}%%:*}) }
compadd() { offered+=(${@:2}) }
_files() { offered+=(@files) }
_message() { offered+=(@message) }
compset() { PREFIX=${PREFIX#*=} }
source )SCRIPT" + Quote(kSource + "/completions/bankctl.zsh") +
                       R"SCRIPT(
check() {
  local want=$1; shift
  local -a offered
  words=("$@"); CURRENT=$#; PREFIX=${words[-1]}
  _bankctl
  (( ${offered[(Ie)$want]} )) || print -r -- "missing '$want' after '$*' (offered: $offered)"
}
)SCRIPT";
  script += "check vote bankctl gov vo\n";
  script += "check json bankctl --output=j\n";
  for (const auto& e : Expectations()) {
    script += "check " + Quote(e.want);
    for (const auto& w : e.words) script += " " + Quote(w);
    script += "\n";
  }
  WriteFile(dir / "check.zsh", script);
  Run r = Shell("zsh -f " + Quote(dir / "check.zsh") + " 2>&1");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "");
}

// groff spells "--server" as "\-\-server".
std::string ManSpelling(const std::string& option) {
  std::string s;
  for (char c : option) s += c == '-' ? std::string("\\-") : std::string(1, c);
  return s;
}

// The man source by heading: each `.SH NAME` or `.SS "bankctl gov vote ID"`
// to the next heading.
std::map<std::string, std::string> ManSections(const std::string& man) {
  std::map<std::string, std::string> sections;
  std::regex heading(R"RE(^\.S[SH] "?([^"\n]*)"?$)RE");
  std::string current;
  std::istringstream in(man);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, heading)) {
      current = m[1];
      continue;
    }
    sections[current] += line + "\n";
  }
  return sections;
}

// Which section documents `path`: the heading that is the path, alone or
// followed by its arguments ("bankctl gov vote ID"), not by a subcommand.
const std::string* SectionFor(const std::map<std::string, std::string>& sections, const std::string& path) {
  for (const auto& [heading, text] : sections) {
    if (heading == path || heading.rfind(path + " ", 0) == 0) {
      // Not a longer command: "bankctl gov" must not match "bankctl gov vote".
      const std::string rest = heading.substr(path.size());
      const auto first = rest.find_first_not_of(' ');
      if (first == std::string::npos || !std::islower(static_cast<unsigned char>(rest[first]))) return &text;
    }
  }
  return nullptr;
}

TEST_CASE("docs: man/bankctl.1 documents every command and option, with an example", "[docs]") {
  const std::string man = ReadFile(kSource + "/man/bankctl.1");
  REQUIRE(!man.empty());
  const auto sections = ManSections(man);
  REQUIRE(sections.count("OPTIONS") == 1);
  REQUIRE(sections.count("EXIT STATUS") == 1);
  Visit(Tree(), [&](const json& c) {
    const std::string path = ManSpelling(c["path"]);
    if (!c["subcommands"].empty() && c["positionals"].empty() && c["options"].size() <= 1) {
      // A group with nothing of its own ("bankctl gov propose") is
      // documented by its commands, but it must be named.
      CHECK(man.find(path) != std::string::npos);
      return;
    }
    const std::string* text = c["path"] == "bankctl" ? &sections.at("OPTIONS") : SectionFor(sections, path);
    INFO("man/bankctl.1 has no section .SS \"" << path << " ...\"");
    REQUIRE(text != nullptr);
    for (const auto& o : c["options"]) {
      for (const std::string name : o["names"]) {
        if (name == "--help" || name == "-h") continue;
        INFO("section " << path << " does not document " << name);
        CHECK(text->find(ManSpelling(name)) != std::string::npos);
      }
    }
    if (c["path"] != "bankctl") {
      INFO("section " << path << " has no example (a line starting with '$ " << path << "')");
      CHECK(text->find("\n$ " + path) != std::string::npos);
    }
  });
  // Every exit code of bank::Code (status.hpp), as a tagged paragraph.
  const auto& exit_status = sections.at("EXIT STATUS");
  for (int code = 0; code <= 9; ++code) {
    INFO("EXIT STATUS does not list " << code);
    CHECK(exit_status.find(".B " + std::to_string(code) + "\n") != std::string::npos);
  }
}

TEST_CASE("docs: man/bankd.8 documents every flag and configuration key of bankd", "[docs]") {
  const std::string man = ReadFile(kSource + "/man/bankd.8");
  REQUIRE(!man.empty());
  Run help = Shell(Quote(kBankd) + " --help");
  REQUIRE(help.exit_code == 0);
  std::set<std::string> names;
  std::regex flag(R"((--[a-z][a-z-]*))");
  std::regex key(R"(^ {2,4}([a-z_]+(\.[a-z_]+)*)(\[\])? )");
  std::istringstream in(help.out);
  for (std::string line; std::getline(in, line);) {
    for (std::sregex_iterator it(line.begin(), line.end(), flag), end; it != end; ++it)
      names.insert((*it)[1]);
    std::smatch m;
    if (std::regex_search(line, m, key)) names.insert(m[1]);
  }
  CHECK(names.count("--config") == 1);
  CHECK(names.count("rpc_address") == 1);
  for (const auto& name : names) {
    INFO("man/bankd.8 does not mention " << name);
    CHECK(man.find(ManSpelling(name)) != std::string::npos);
  }
}

TEST_CASE("docs: the man pages render without warnings", "[docs]") {
  for (const std::string page : {"bankctl.1", "bankd.8"}) {
    const std::string path = kSource + "/man/" + page;
    INFO(page);
    Run warnings = Shell("MANWIDTH=80 man --warnings -l " + Quote(path) + " 2>&1 >/dev/null");
    CHECK(warnings.exit_code == 0);
    CHECK(warnings.out == "");
    Run text = Shell("MANWIDTH=80 man -l " + Quote(path) + " 2>/dev/null | col -b");
    CHECK(text.exit_code == 0);
    CHECK(text.out.find("EXAMPLES") != std::string::npos);
    CHECK(text.out.find("FILES") != std::string::npos);
  }
  // The rendered bankctl(1) names every command.
  Run text = Shell("MANWIDTH=200 man -l " + Quote(kSource + "/man/bankctl.1") + " 2>/dev/null | col -b");
  Visit(Tree(), [&](const json& c) {
    const std::string path = c["path"];
    INFO("the rendered man page does not show " << path);
    CHECK(text.out.find(path) != std::string::npos);
  });
}

// --- configuration files ------------------------------------------------------

json ReadJson(const std::string& relative) {
  const std::string text = ReadFile(kSource + "/" + relative);
  INFO(relative);
  REQUIRE(!text.empty());
  return json::parse(text);
}

// The fields cchost requires (CCF's cchost_config.json schema), plus the
// consortium: three banks, each a recovery member.
void CheckCchostConfig(const json& c, const std::string& platform) {
  CHECK(c["enclave"]["file"].get<std::string>().ends_with(platform == "SNP" ? ".snp.so" : ".virtual.so"));
  CHECK(c["enclave"]["platform"] == platform);
  CHECK(c["network"]["node_to_node_interface"]["bind_address"].is_string());
  REQUIRE(c["network"]["rpc_interfaces"].is_object());
  REQUIRE(c["network"]["rpc_interfaces"].size() >= 1);
  for (const auto& [name, interface] : c["network"]["rpc_interfaces"].items())
    CHECK(interface["bind_address"].is_string());
  CHECK(c["command"]["type"] == "Start");
  CHECK(c["command"]["service_certificate_file"].is_string());
  const json& start = c["command"]["start"];
  CHECK(start["service_configuration"]["recovery_threshold"].is_number_integer());
  REQUIRE(start["members"].size() == 3);
  for (const auto& m : start["members"]) {
    CHECK(m["certificate_file"].get<std::string>().ends_with("_cert.pem"));
    CHECK(m["encryption_public_key_file"].get<std::string>().ends_with("_enc_pubk.pem"));
  }
  REQUIRE(start["constitution_files"].size() == 5);
  for (const std::string file : start["constitution_files"]) {
    INFO(file);
    CHECK(!ReadFile(kSource + "/" + file).empty());
  }
  if (platform == "SNP") CHECK(c["attestation"]["snp_endorsements_servers"].size() >= 1);
}

TEST_CASE("docs: the cchost configurations are valid and what bankctl node config writes", "[docs]") {
  const json virtual_config = ReadJson("config/cchost-virtual.json");
  const json snp = ReadJson("config/cchost-snp.json");
  const json join = ReadJson("config/cchost-join-virtual.json");
  CheckCchostConfig(virtual_config, "Virtual");
  CheckCchostConfig(snp, "SNP");
  CHECK(join["command"]["type"] == "Join");
  CHECK(join["command"]["join"]["target_rpc_address"] == "127.0.0.1:8000");

  auto start = RunBankctl({"node", "config", "start"});
  REQUIRE(start.exit_code == 0);
  CHECK(json::parse(start.out) == virtual_config);
  auto start_snp = RunBankctl({"node", "config", "start", "--platform", "snp"});
  REQUIRE(start_snp.exit_code == 0);
  CHECK(json::parse(start_snp.out) == snp);
  auto joining = RunBankctl({"node", "config", "join", "--target", "127.0.0.1:8000"});
  REQUIRE(joining.exit_code == 0);
  CHECK(json::parse(joining.out) == join);
}

TEST_CASE("docs: bankctl node config refuses bad flags with a usage error", "[docs]") {
  auto config = [](std::vector<std::string> args) {
    args.insert(args.begin(), {"node", "config"});
    return RunBankctl(args);
  };
  CHECK(config({"start", "--rpc-address", "nowhere"}).exit_code == 2);
  CHECK(config({"start", "--node-address", "127.0.0.1:70000"}).exit_code == 2);
  CHECK(config({"start", "--member", "a_cert.pem"}).exit_code == 2);  // no recovery member
  CHECK(config({"start", "--member", "a.pem,b.pem", "--recovery-threshold", "2"}).exit_code == 2);
  CHECK(config({"start", "--members", "2", "--member", "a.pem,b.pem"}).exit_code == 2);
  CHECK(config({"join"}).exit_code == 2);  // --target is required
  CHECK(config({"start", "--platform", "sgx"}).exit_code == 2);

  TempDir dir;
  const std::string out = dir / "node.json";
  auto written =
      config({"start", "--member", "m_cert.pem,m_enc_pubk.pem", "--constitution", "a.js,b.js", "--out", out});
  REQUIRE(written.exit_code == 0);
  const json written_config = json::parse(ReadFile(out));
  CHECK(written_config["command"]["start"]["constitution_files"] == json({"a.js", "b.js"}));
  CHECK(written_config["command"]["start"]["members"].size() == 1);
  CHECK(config({"start", "--out", out}).exit_code == 9);  // exists
  CHECK(config({"start", "--out", out, "--force"}).exit_code == 0);
}

TEST_CASE("docs: config/bankd.example.json is a valid bankd configuration", "[docs]") {
  auto config = BankdConfig::Load(kSource + "/config/bankd.example.json");
  INFO(config.status().message());
  REQUIRE(config.ok());
  CHECK(config->members.size() == 3);  // the three banks, each a recovery member
  for (const auto& m : config->members) CHECK(!m.encryption_public_key_file.empty());
}

}  // namespace
}  // namespace bank::test
