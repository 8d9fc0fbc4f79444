// Parsing of the banking endpoints' inputs (bodies, query parameters,
// headers). Pure functions, so that a fuzz target can exercise every one.
//
// A failure carries the CCF error code and message the endpoint answers
// with (always a 400).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bankd::app {

struct InputError {
  std::string code;  // "InvalidInput", "InvalidQueryParameterValue", ...
  std::string message;
};

template <typename T>
struct Parsed {
  std::optional<T> value;
  InputError error;  // meaningful when !value
  bool ok() const { return value.has_value(); }
};

// POST /app/deposit body: {"value": N}, N a JSON integer in [1, 2^64-1].
// "abc", 100.5, 0, -100, 1e3 and integers beyond uint64 are all refused.
Parsed<uint64_t> ParseDepositBody(std::string_view body);

struct TransferRequest {
  uint64_t value = 0;
  std::string user_id_to;
  std::string account_name_to;
};
// POST /app/transfer body: {"value": N, "user_id_to": ID, "account_name_to": NAME}.
Parsed<TransferRequest> ParseTransferBody(std::string_view body);

// ?from=YYYY-MM-DD&to=YYYY-MM-DD (both optional, inclusive, UTC) as a
// half-open range of milliseconds since the epoch.
struct TimeRange {
  int64_t from_ms = INT64_MIN;
  int64_t to_ms = INT64_MAX;  // exclusive
};
Parsed<TimeRange> ParseDateRange(const std::string* from, const std::string* to);

// An account name being created: valid UTF-8 (it is stored in and served
// as JSON).
std::optional<InputError> CheckAccountName(std::string_view name);

// Idempotency-Key: 1..255 visible ASCII characters.
Parsed<std::string> ParseIdempotencyKey(std::string_view header);

}  // namespace bankd::app
