#include "http/ccf_error.hpp"

#include "bank/json_text.hpp"

namespace bankd {

std::string CcfErrorBody(const std::string& code, const std::string& message, const nlohmann::json& details) {
  nlohmann::json error = {{"code", code}, {"message", message}};
  if (!details.is_null()) error["details"] = details;
  // Messages quote client input, which need not be UTF-8: replace, never throw.
  return bank::JsonText(nlohmann::json{{"error", error}});
}

}  // namespace bankd
