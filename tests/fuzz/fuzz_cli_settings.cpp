// Fuzz target: bankctl's config file parser (cli/settings.hpp ParseConfig).
// Any input must give either a config or a one-line kInputFile error naming
// the file; never a crash or an exception.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "settings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = bankctl::ParseConfig(text, "config.json");
  if (!config.ok()) {
    const std::string& m = config.status().message();
    if (config.status().code() != bank::Code::kInputFile || !m.starts_with("config.json: ") ||
        m.find('\n') != std::string::npos)
      std::abort();
    return 0;
  }
  if (!config->default_profile.empty() && !config->profiles.contains(config->default_profile)) std::abort();
  for (const auto& [name, p] : config->profiles) {
    if (p.output && *p.output != "text" && *p.output != "json") std::abort();
    if (p.timeout && !(*p.timeout > 0)) std::abort();
  }
  return 0;
}
