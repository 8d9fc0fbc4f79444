// GET /app/api as CCF serves it for a JavaScript app: the OpenAPI document
// of the bundle's metadata, ccf-app/app.json (embedded at build time). Each
// endpoint's "openapi" object is served under /app<path>, with its path
// parameters and its authn_policies as x-ccf-auth-policies. The built-in
// endpoints of the frontend (/app/commit, /app/tx, /app/api) and any bankd
// route the bundle does not have keep the router's description.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace bankd::app {

// ccf-app/app.json, as written.
const std::string& BundleMetadataText();

// `router_document`: the router's own OpenAPI document for "/app".
nlohmann::json BundleOpenApi(nlohmann::json router_document);

}  // namespace bankd::app
