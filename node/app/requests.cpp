#include "app/requests.hpp"

#include <ctime>
#include <limits>
#include <nlohmann/json.hpp>

namespace bankd::app {
namespace {

using nlohmann::json;

template <typename T>
Parsed<T> Fail(std::string code, std::string message) {
  return {std::nullopt, {std::move(code), std::move(message)}};
}

// The body as a JSON object, or why not.
std::optional<InputError> ParseObject(std::string_view body, json* out) {
  *out = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded()) return InputError{"InvalidInput", "Request body is not valid JSON."};
  if (!out->is_object()) return InputError{"InvalidInput", "Request body must be a JSON object."};
  return std::nullopt;
}

// A positive JSON integer that fits in 64 bits. nlohmann parses integers
// beyond uint64 as floating point, so they fail the integer test too.
std::optional<InputError> PositiveValue(const json& object, uint64_t* value) {
  auto it = object.find("value");
  if (it == object.end()) return InputError{"InvalidInput", "Missing field 'value'."};
  if (it->is_number_unsigned() && it->get<uint64_t>() > 0) {
    *value = it->get<uint64_t>();
    return std::nullopt;
  }
  return InputError{
      "InvalidInput",
      "Field 'value' must be a positive integer (at most 18446744073709551615), got " + it->dump() + "."};
}

std::optional<InputError> NonEmptyString(const json& object, const char* field, std::string* out) {
  auto it = object.find(field);
  if (it == object.end()) return InputError{"InvalidInput", std::string("Missing field '") + field + "'."};
  if (!it->is_string() || it->get_ref<const std::string&>().empty())
    return InputError{"InvalidInput", std::string("Field '") + field + "' must be a non-empty string."};
  *out = it->get<std::string>();
  return std::nullopt;
}

// Days since the epoch of a strict YYYY-MM-DD date.
std::optional<int64_t> ParseDate(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(text.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(text.substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(text.substr(8, 2));
  const int year = tm.tm_year, month = tm.tm_mon, day = tm.tm_mday;
  std::time_t t = timegm(&tm);
  // timegm normalises 2024-02-30 into March: a changed field means invalid.
  if (tm.tm_year != year || tm.tm_mon != month || tm.tm_mday != day) return std::nullopt;
  return static_cast<int64_t>(t) / 86400;
}

}  // namespace

Parsed<uint64_t> ParseDepositBody(std::string_view body) {
  json j;
  if (auto e = ParseObject(body, &j)) return {std::nullopt, *e};
  uint64_t value = 0;
  if (auto e = PositiveValue(j, &value)) return {std::nullopt, *e};
  return {value, {}};
}

Parsed<TransferRequest> ParseTransferBody(std::string_view body) {
  json j;
  if (auto e = ParseObject(body, &j)) return {std::nullopt, *e};
  TransferRequest r;
  if (auto e = PositiveValue(j, &r.value)) return {std::nullopt, *e};
  if (auto e = NonEmptyString(j, "user_id_to", &r.user_id_to)) return {std::nullopt, *e};
  if (auto e = NonEmptyString(j, "account_name_to", &r.account_name_to)) return {std::nullopt, *e};
  return {std::move(r), {}};
}

Parsed<TimeRange> ParseDateRange(const std::string* from, const std::string* to) {
  TimeRange range;
  constexpr int64_t kDayMs = 86400 * 1000LL;
  if (from) {
    auto day = ParseDate(*from);
    if (!day)
      return Fail<TimeRange>("InvalidQueryParameterValue",
                             "Query parameter 'from' must be a date YYYY-MM-DD, got '" + *from + "'.");
    range.from_ms = *day * kDayMs;
  }
  if (to) {
    auto day = ParseDate(*to);
    if (!day)
      return Fail<TimeRange>("InvalidQueryParameterValue",
                             "Query parameter 'to' must be a date YYYY-MM-DD, got '" + *to + "'.");
    range.to_ms = (*day + 1) * kDayMs;
  }
  if (range.from_ms >= range.to_ms)
    return Fail<TimeRange>("InvalidQueryParameterValue", "Query parameter 'from' is after 'to'.");
  return {range, {}};
}

std::optional<InputError> CheckAccountName(std::string_view name) {
  try {
    json(std::string(name)).dump();  // nlohmann validates UTF-8 when serialising
  } catch (const json::type_error&) {
    return InputError{"InvalidResourceName", "Account name must be valid UTF-8."};
  }
  return std::nullopt;
}

Parsed<std::string> ParseIdempotencyKey(std::string_view header) {
  if (header.empty() || header.size() > 255)
    return Fail<std::string>("InvalidHeaderValue", "Idempotency-Key must be 1 to 255 characters.");
  for (char c : header)
    if (c < 0x21 || c > 0x7e)
      return Fail<std::string>("InvalidHeaderValue",
                               "Idempotency-Key must be visible ASCII characters only.");
  return {std::string(header), {}};
}

}  // namespace bankd::app
