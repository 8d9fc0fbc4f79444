#include "governance/validation.hpp"

#include "governance/actions.hpp"

namespace bankd::governance {
namespace {

// Actions of the constitution (governance-scripts/) that only a CCF
// service can carry out: bankd runs the banking application natively and
// has no JavaScript runtime to load an app bundle into.
bool NeedsCcfService(std::string_view name) { return name == "set_js_app" || name == "remove_js_app"; }

}  // namespace

Outcome<std::vector<Action>> ValidateProposal(std::string_view text) {
  auto internal = [](const std::string& why) {
    return Refusal{500, "InternalError", "Failed to execute validation: " + why};
  };
  nlohmann::json proposal = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (proposal.is_discarded()) return internal("SyntaxError: the proposal is not valid JSON");
  if (!proposal.is_object()) return internal("TypeError: the proposal is not a JSON object");
  auto actions = proposal.find("actions");
  if (actions == proposal.end() || !actions->is_array())
    return internal("TypeError: the proposal has no \"actions\" array");

  std::vector<Action> out;
  std::string errors;
  size_t position = 0;
  for (const auto& a : *actions) {
    if (!a.is_object() || !a.contains("name") || !a["name"].is_string())
      return internal("TypeError: action at position " + std::to_string(position) +
                      " has no string \"name\"");
    Action action{a["name"].get<std::string>(), a.contains("args") ? a["args"] : nlohmann::json()};
    const ActionDefinition* def = FindAction(action.name);
    std::string error;
    if (NeedsCcfService(action.name)) {
      error = action.name + " at position " + std::to_string(position) +
              ": bankd runs the banking application natively and cannot load a JavaScript app bundle; "
              "this action needs a CCF service (deploy ccf-app/ there, see bankd(8))";
    } else if (def == nullptr) {
      error = action.name + ": no such action";
    } else if (auto reason = def->validate(action.args)) {
      error =
          action.name + " at position " + std::to_string(position) + " failed validation: Error: " + *reason;
    }
    if (!error.empty()) errors += (errors.empty() ? "" : ", ") + error;
    out.push_back(std::move(action));
    ++position;
  }
  if (!errors.empty())
    return Refusal{400, "ProposalFailedToValidate", "Proposal failed to validate: " + errors};
  return out;
}

}  // namespace bankd::governance
