// Request-target parsing: path, query string, percent-decoding.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace bankd::http {

// Decodes %XX escapes; a malformed escape is kept literally. '+' stays '+'
// (ids and base64 values must survive unchanged).
std::string PercentDecode(std::string_view text);

// Splits "a=1&b=2" into decoded pairs; a name without '=' maps to "".
std::map<std::string, std::string> ParseQuery(std::string_view query);

// Splits a request target into path and query string.
void SplitTarget(std::string_view target, std::string* path, std::string* query);

}  // namespace bankd::http
