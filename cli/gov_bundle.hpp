// Proposal contents that come from directories: a CCF JavaScript app bundle
// (for set_js_app) and the constitution (for set_constitution).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bank/status.hpp"

namespace bankctl {

// The bundle CCF's set_js_app takes, {"metadata": app.json, "modules":
// [{"name", "module"}]}, as CCF's ccf-build-bundle makes it: every file
// under DIR/src (names relative to src/, '/'-separated, sorted). `path` may
// also be a bundle.json already built. Checks that each endpoint's
// js_module is one of the modules.
bank::Result<nlohmann::json> LoadAppBundle(const std::string& path);

// Where the constitution files are when set-constitution is given none:
// $BANKCTL_GOVERNANCE_SCRIPTS, ./governance-scripts, the installed copy
// (<prefix>/share/bankctl/governance-scripts), then the source tree bankctl
// was built from; each as <dir>/constitution/{actions,validate,resolve,apply}.js.
// A directory given as the only FILE is taken the same way.
bank::Result<std::vector<std::string>> ConstitutionFiles(const std::vector<std::string>& given);

}  // namespace bankctl
