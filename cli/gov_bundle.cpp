#include "gov_bundle.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "bank/key.hpp"

namespace bankctl {
namespace fs = std::filesystem;
using bank::Result;
using bank::Status;
using nlohmann::json;

namespace {

constexpr const char* kConstitutionParts[] = {"actions.js", "bank_actions.js", "validate.js", "resolve.js",
                                              "apply.js"};

Result<json> ParseJsonFile(const std::string& path) {
  BANK_ASSIGN_OR_RETURN(std::string text, bank::ReadFile(path));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::InputFile(path + ": not a JSON object");
  return j;
}

Status CheckBundle(const json& bundle, const std::string& where) {
  const json endpoints = bundle.at("metadata").value("endpoints", json());
  if (!endpoints.is_object()) return Status::InputFile(where + ": app.json has no \"endpoints\" object");
  std::vector<std::string> names;
  for (const auto& m : bundle.at("modules")) names.push_back(m.is_object() ? m.value("name", "") : "");
  for (const auto& [path, methods] : endpoints.items()) {
    if (!methods.is_object())
      return Status::InputFile(fmt::format("{}: endpoint {} is not an object", where, path));
    for (const auto& [method, e] : methods.items()) {
      const std::string module = e.is_object() ? e.value("js_module", "") : "";
      if (std::find(names.begin(), names.end(), module) == names.end())
        return Status::InputFile(fmt::format("{}: {} {}: js_module '{}' is not a module of the bundle", where,
                                             method, path, module));
    }
  }
  return Status::OK();
}

std::string ExecutableDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "" : exe.parent_path().string();
}

bool HasConstitution(const fs::path& dir) {
  return std::all_of(std::begin(kConstitutionParts), std::end(kConstitutionParts),
                     [&](const char* part) { return fs::is_regular_file(dir / "constitution" / part); });
}

std::vector<std::string> PartsOf(const fs::path& dir) {
  std::vector<std::string> files;
  for (const char* part : kConstitutionParts) files.push_back((dir / "constitution" / part).string());
  return files;
}

}  // namespace

Result<json> LoadAppBundle(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    BANK_ASSIGN_OR_RETURN(json bundle, ParseJsonFile(path));
    if (!bundle.contains("metadata") || !bundle["modules"].is_array())
      return Status::InputFile(path + ": not a bundle ({\"metadata\", \"modules\"})");
    BANK_RETURN_IF_ERROR(CheckBundle(bundle, path));
    return bundle;
  }
  const fs::path dir(path);
  if (!fs::is_regular_file(dir / "app.json", ec) || !fs::is_directory(dir / "src", ec))
    return Status::InputFile(path + ": not an app bundle directory (app.json and src/)");
  BANK_ASSIGN_OR_RETURN(json metadata, ParseJsonFile((dir / "app.json").string()));
  std::vector<std::string> names;
  for (auto it = fs::recursive_directory_iterator(dir / "src", ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file()) names.push_back(fs::relative(it->path(), dir / "src").generic_string());
  if (ec) return Status::InputFile(fmt::format("{}/src: {}", path, ec.message()));
  std::sort(names.begin(), names.end());
  json modules = json::array();
  for (const auto& name : names) {
    BANK_ASSIGN_OR_RETURN(std::string text, bank::ReadFile((dir / "src" / name).string()));
    modules.push_back({{"name", name}, {"module", text}});
  }
  json bundle = {{"metadata", metadata}, {"modules", modules}};
  BANK_RETURN_IF_ERROR(CheckBundle(bundle, path));
  return bundle;
}

Result<std::vector<std::string>> ConstitutionFiles(const std::vector<std::string>& given) {
  std::error_code ec;
  if (given.size() == 1 && fs::is_directory(given[0], ec)) {
    const fs::path dir(given[0]);
    if (HasConstitution(dir)) return PartsOf(dir);
    if (HasConstitution(dir.parent_path())) return PartsOf(dir.parent_path());
    return Status::InputFile(given[0] + ": no constitution/{actions,validate,resolve,apply}.js there");
  }
  if (!given.empty()) return given;
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("BANKCTL_GOVERNANCE_SCRIPTS")) candidates.emplace_back(env);
  candidates.emplace_back("governance-scripts");
  if (std::string exe = ExecutableDir(); !exe.empty())
    candidates.push_back(fs::path(exe) / ".." / "share" / "bankctl" / "governance-scripts");
  candidates.emplace_back(BANK_GOVERNANCE_SCRIPTS_DIR);
  for (const auto& dir : candidates)
    if (HasConstitution(dir)) return PartsOf(dir);
  return Status::InputFile(
      "no constitution files given and no governance-scripts/ found (set BANKCTL_GOVERNANCE_SCRIPTS)");
}

}  // namespace bankctl
