// CCF's JSON error body: {"error":{"code":"<Code>","message":"<text>"[,"details":[...]]}}
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace bankd {

std::string CcfErrorBody(const std::string& code, const std::string& message,
                         const nlohmann::json& details = nullptr);

}  // namespace bankd
