#include "governance/action_checks.hpp"

#include <fmt/format.h>

namespace bankd::governance {

using nlohmann::json;

const json* Arg(const json& args, const char* field) {
  if (!args.is_object()) return nullptr;
  auto it = args.find(field);
  return it == args.end() ? nullptr : &*it;
}

std::string TypeOf(const json* v) {
  if (v == nullptr) return "undefined";
  if (v->is_string()) return "string";
  if (v->is_boolean()) return "boolean";
  if (v->is_number()) return "number";
  return "object";  // objects, arrays and null, as in JavaScript
}

Reason CheckType(const json* v, std::string type, const std::string& field) {
  if (type.back() == '?') {
    if (v == nullptr || v->is_null()) return std::nullopt;
    type.pop_back();
  }
  if (type == "integer") {
    bool integral = v != nullptr &&
                    (v->is_number_integer() ||
                     (v->is_number_float() && v->get<double>() == static_cast<int64_t>(v->get<double>())));
    if (!integral) return field + " must be an integer";
    return std::nullopt;
  }
  if (TypeOf(v) != type) return fmt::format("{} must be of type {} but is {}", field, type, TypeOf(v));
  return std::nullopt;
}

Reason CheckEntityId(const json* v, const std::string& field) {
  if (auto r = CheckType(v, "string", field)) return r;
  const std::string& s = v->get_ref<const std::string&>();
  if (s.size() != 64) return field + " must contain exactly 64 characters";
  if (s.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
    return field + " contains non-hexadecimal character";
  return std::nullopt;
}

std::string Str(const json& args, const char* field) { return args.at(field).get<std::string>(); }

json ReadJson(const kv::Tx& tx, const char* table, const std::string& key) {
  auto v = tx.Get(table, key);
  if (!v) return nullptr;
  return json::parse(*v, nullptr, false);
}

}  // namespace bankd::governance
