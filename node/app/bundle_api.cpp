#include "app/bundle_api.hpp"

#include <regex>

namespace bankd::app {

nlohmann::json BundleOpenApi(nlohmann::json document) {
  static const nlohmann::json metadata = nlohmann::json::parse(BundleMetadataText());
  static const std::regex path_parameter(R"(\{([^}]+)\})");
  for (const auto& [path, methods] : metadata.at("endpoints").items()) {
    for (const auto& [method, endpoint] : methods.items()) {
      nlohmann::json op = endpoint.value("openapi", nlohmann::json::object());
      nlohmann::json parameters = op.value("parameters", nlohmann::json::array());
      for (auto it = std::sregex_iterator(path.begin(), path.end(), path_parameter);
           it != std::sregex_iterator(); ++it)
        parameters.push_back(
            {{"name", (*it)[1].str()}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
      if (!parameters.empty()) op["parameters"] = parameters;
      op["x-ccf-auth-policies"] = endpoint.value("authn_policies", nlohmann::json::array());
      document["paths"]["/app" + path][method] = op;
    }
  }
  document["info"]["title"] = "bankd /app API (the ccf-app bundle's endpoints)";
  return document;
}

}  // namespace bankd::app
