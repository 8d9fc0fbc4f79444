#include "app/bundle_api.hpp"

#include <string>
#include <vector>

namespace bankd::app {
namespace {

// The names of a templated path's parameters: "/balance/{user_id}" ->
// {"user_id"}. A plain scan: std::regex here tripped a false GCC 12 warning
// under ASan with -Werror, and the grammar is one level of braces.
std::vector<std::string> PathParameters(std::string_view path) {
  std::vector<std::string> names;
  for (size_t open = path.find('{'); open != std::string_view::npos; open = path.find('{', open + 1)) {
    size_t close = path.find('}', open + 1);
    if (close == std::string_view::npos) break;
    if (close > open + 1) names.emplace_back(path.substr(open + 1, close - open - 1));
    open = close;
  }
  return names;
}

}  // namespace

nlohmann::json BundleOpenApi(nlohmann::json document) {
  static const nlohmann::json metadata = nlohmann::json::parse(BundleMetadataText());
  for (const auto& [path, methods] : metadata.at("endpoints").items()) {
    for (const auto& [method, endpoint] : methods.items()) {
      nlohmann::json op = endpoint.value("openapi", nlohmann::json::object());
      nlohmann::json parameters = op.value("parameters", nlohmann::json::array());
      for (const std::string& name : PathParameters(path))
        parameters.push_back(
            {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
      if (!parameters.empty()) op["parameters"] = parameters;
      op["x-ccf-auth-policies"] = endpoint.value("authn_policies", nlohmann::json::array());
      document["paths"]["/app" + path][method] = op;
    }
  }
  document["info"]["title"] = "bankd /app API (the ccf-app bundle's endpoints)";
  return document;
}

}  // namespace bankd::app
