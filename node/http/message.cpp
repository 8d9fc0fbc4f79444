#include "http/message.hpp"

#include <strings.h>

#include "bank/json_text.hpp"
#include "http/ccf_error.hpp"

namespace bankd::http {
namespace {
const std::string kEmpty;
}

const std::string* Request::FindHeader(std::string_view lowercase_name) const {
  for (const auto& [name, value] : headers)
    if (name == lowercase_name) return &value;
  return nullptr;
}

const std::string& Request::header(std::string_view lowercase_name) const {
  const std::string* value = FindHeader(lowercase_name);
  return value == nullptr ? kEmpty : *value;
}

void Request::AddHeader(std::string lowercase_name, std::string_view value) {
  for (auto& [name, existing] : headers) {
    if (name == lowercase_name) {
      existing.append(", ").append(value);
      return;
    }
  }
  headers.emplace_back(std::move(lowercase_name), std::string(value));
}

const std::string& Request::param(std::string_view name) const {
  for (const auto& [n, value] : path_params)
    if (n == name) return value;
  return kEmpty;
}

const std::string* Request::query_param(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? nullptr : &it->second;
}

Response Response::Json(const nlohmann::json& body, unsigned status) {
  Response r;
  r.status = status;
  r.headers.emplace_back("content-type", "application/json");
  r.body = bank::JsonText(body);
  return r;
}

Response Response::NoContent() {
  Response r;
  r.status = 204;
  return r;
}

Response Response::Text(unsigned status, std::string text, std::string content_type) {
  Response r;
  r.status = status;
  r.headers.emplace_back("content-type", std::move(content_type));
  r.body = std::move(text);
  return r;
}

Response Response::Error(unsigned status, const std::string& code, const std::string& message,
                         const nlohmann::json& details) {
  Response r;
  r.status = status;
  r.headers.emplace_back("content-type", "application/json");
  r.body = CcfErrorBody(code, message, details);
  return r;
}

void Response::SetHeader(const std::string& name, std::string value) {
  for (auto& [n, v] : headers) {
    if (strcasecmp(n.c_str(), name.c_str()) == 0) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(name, std::move(value));
}

const std::string* Response::FindHeader(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return &v;
  return nullptr;
}

}  // namespace bankd::http
