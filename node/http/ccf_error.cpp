#include "http/ccf_error.hpp"

namespace bankd {

std::string CcfErrorBody(const std::string& code, const std::string& message, const nlohmann::json& details) {
  nlohmann::json error = {{"code", code}, {"message", message}};
  if (!details.is_null()) error["details"] = details;
  return nlohmann::json{{"error", error}}.dump();
}

}  // namespace bankd
