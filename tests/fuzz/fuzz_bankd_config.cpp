// Fuzz target: bankd's configuration file (bank/bankd_config.hpp), parsed
// as BankdConfig::Load parses it. Any input must give a configuration or
// one kInputFile error line; a configuration must hold what bankd relies on
// (a HOST:PORT address, positive limits and delays, absolute paths) and
// must survive ToJson/FromJson unchanged.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "bank/bankd_config.hpp"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckError(const bank::Status& s) {
  Check(s.code() == bank::Code::kInputFile && !s.message().empty() &&
        s.message().find('\n') == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return 0;

  // The sizes and durations on their own, as every field that takes one.
  if (auto n = bank::ParseByteSize(j); n.ok()) {
    // A unit only multiplies: "<digits><unit>" is at least <digits> bytes.
    if (j.is_string()) Check(*n >= std::strtoull(j.get<std::string>().c_str(), nullptr, 10));
  } else {
    CheckError(n.status());
  }
  if (auto d = bank::ParseDuration(j); d.ok())
    Check(d->count() >= 0);
  else
    CheckError(d.status());

  auto config = bank::BankdConfig::FromJson(j, "/etc/bankd");
  if (!config.ok()) {
    CheckError(config.status());
    return 0;
  }
  Check(config->rpc_address.find(':') != std::string::npos);
  Check(config->signature_delay.count() > 0 && config->signature_tx_count > 0 && config->max_body_size > 0);
  Check(config->worker_threads >= 1 && config->worker_threads <= 64);
  Check(config->data_directory.starts_with('/') && config->ledger_directory.starts_with('/') &&
        config->snapshots_directory.starts_with('/'));
  // Through text, as `bankctl sandbox` writes the file and bankd reads it.
  const std::string written = config->ToJson().dump();
  auto again = bank::BankdConfig::FromJson(nlohmann::json::parse(written), "/elsewhere");
  Check(again.ok() && again->ToJson().dump() == written);
  return 0;
}
