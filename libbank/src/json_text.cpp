#include "bank/json_text.hpp"

namespace bank {

std::string JsonText(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Quoted(std::string_view s) { return JsonText(nlohmann::json(std::string(s))); }

}  // namespace bank
