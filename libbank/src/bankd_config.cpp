#include "bank/bankd_config.hpp"

#include <cctype>
#include <filesystem>
#include <limits>
#include <set>

#include "bank/json_text.hpp"
#include "bank/key.hpp"

namespace bank {
namespace fs = std::filesystem;
namespace {

using nlohmann::json;

Status Invalid(const std::string& what) { return Status::InputFile("bankd config: " + what); }

std::string Resolve(const std::string& base, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute() || base.empty()) return path;
  return (fs::path(base) / path).lexically_normal().string();
}

Status CheckKeys(const json& object, const std::string& where, std::initializer_list<const char*> allowed) {
  if (!object.is_object()) return Invalid(where + " must be an object");
  std::set<std::string> known(allowed.begin(), allowed.end());
  for (const auto& [key, value] : object.items())
    if (!known.count(key)) return Invalid("unknown key " + Quoted(key) + " in " + where);
  return Status::OK();
}

Result<std::string> String(const json& object, const char* key, const std::string& where, bool required,
                           const std::string& fallback = "") {
  if (!object.contains(key)) {
    if (required) return Invalid(where + "." + key + " is required");
    return fallback;
  }
  if (!object[key].is_string() || object[key].get<std::string>().empty())
    return Invalid(where + "." + key + " must be a non-empty string");
  return object[key].get<std::string>();
}

// Splits "<number><unit>" ("1MB", "1000ms"); the unit may be empty.
bool SplitUnit(const std::string& text, uint64_t* number, std::string* unit) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  // 19 digits always fit 64 bits, and every count ToJson writes has at most
  // 19 (a duration in milliseconds is at most 2^63 - 1).
  if (i == 0 || i > 19) return false;
  *number = std::stoull(text.substr(0, i));
  *unit = text.substr(i);
  for (auto& c : *unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return true;
}

// An optional byte size `key` of http_configuration within [min, max].
Status Size(const json& section, const char* key, uint64_t min, uint64_t max, uint64_t* out) {
  if (!section.contains(key)) return Status::OK();
  BANK_ASSIGN_OR_RETURN(uint64_t n, ParseByteSize(section[key]));
  if (n < min || n > max)
    return Invalid(std::string("http_configuration.") + key + " must be from " + std::to_string(min) +
                   " to " + std::to_string(max) + " bytes");
  *out = n;
  return Status::OK();
}

// An optional integer `key` within [min, max].
Status Count(const json& section, const std::string& where, const char* key, uint64_t min, uint64_t max,
             uint64_t* out) {
  if (!section.contains(key)) return Status::OK();
  const json& v = section[key];
  if (!v.is_number_unsigned() || v.get<uint64_t>() < min || v.get<uint64_t>() > max)
    return Invalid((where == "config" ? "" : where + ".") + key + " must be an integer from " +
                   std::to_string(min) + " to " + std::to_string(max));
  *out = v.get<uint64_t>();
  return Status::OK();
}

}  // namespace

Result<uint64_t> ParseByteSize(const json& value) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  uint64_t n = 0;
  std::string unit;
  if (!value.is_string() || !SplitUnit(value.get<std::string>(), &n, &unit))
    return Invalid("size must be a byte count or a string like \"1MB\"");
  int shift = 0;
  if (unit == "KB")
    shift = 10;
  else if (unit == "MB")
    shift = 20;
  else if (unit == "GB")
    shift = 30;
  else if (!unit.empty() && unit != "B")
    return Invalid("unknown size unit " + Quoted(unit) + " (B, KB, MB, GB)");
  // "17179869184GB" is 2^64 bytes: it must not wrap around to 0.
  if (n > (std::numeric_limits<uint64_t>::max() >> shift))
    return Invalid("size " + Quoted(value.get<std::string>()) + " is too large");
  return n << shift;
}

Result<std::chrono::milliseconds> ParseDuration(const json& value) {
  uint64_t n = 0;
  uint64_t factor = 1;
  if (value.is_number_unsigned()) {
    n = value.get<uint64_t>();
  } else {
    std::string unit;
    if (!value.is_string() || !SplitUnit(value.get<std::string>(), &n, &unit))
      return Invalid("duration must be milliseconds or a string like \"1000ms\"");
    if (unit == "S")
      factor = 1000;
    else if (unit == "MIN")
      factor = 60000;
    else if (unit != "MS" && !unit.empty())
      return Invalid("unknown duration unit " + Quoted(unit) + " (ms, s, min)");
  }
  // Milliseconds are signed: a count past their range would come out
  // negative (and a negative signature delay passed the "positive" check).
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<std::chrono::milliseconds::rep>::max());
  if (n > kMax / factor)
    return Invalid("duration " + Quoted(value.is_string() ? value.get<std::string>() : value.dump()) +
                   " is too long");
  return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(n * factor));
}

Result<BankdConfig> BankdConfig::FromJson(const json& j, const std::string& base) {
  BANK_RETURN_IF_ERROR(
      CheckKeys(j, "the configuration",
                {"rpc_address", "published_address", "data_directory", "ledger", "snapshots",
                 "service_certificate_file", "node_certificate", "members", "users", "ledger_signatures",
                 "http_configuration", "worker_threads", "open_at_start", "output_files",
                 "max_open_sessions_soft", "max_open_sessions_hard", "idle_connection_timeout"}));
  BankdConfig c;
  BANK_ASSIGN_OR_RETURN(c.rpc_address, String(j, "rpc_address", "config", false, c.rpc_address));
  BANK_ASSIGN_OR_RETURN(c.published_address, String(j, "published_address", "config", false, c.rpc_address));
  BANK_ASSIGN_OR_RETURN(c.data_directory, String(j, "data_directory", "config", false, c.data_directory));
  BANK_ASSIGN_OR_RETURN(c.service_certificate_file,
                        String(j, "service_certificate_file", "config", false, c.service_certificate_file));
  if (j.contains("ledger")) {
    BANK_RETURN_IF_ERROR(CheckKeys(j["ledger"], "ledger", {"directory", "chunk_size"}));
    if (j["ledger"].contains("chunk_size")) {
      BANK_ASSIGN_OR_RETURN(c.ledger_chunk_size, ParseByteSize(j["ledger"]["chunk_size"]));
    }
    BANK_ASSIGN_OR_RETURN(c.ledger_directory,
                          String(j["ledger"], "directory", "ledger", false, c.ledger_directory));
  }
  if (j.contains("snapshots")) {
    const auto& sj = j["snapshots"];
    BANK_RETURN_IF_ERROR(CheckKeys(sj, "snapshots", {"directory", "tx_count", "min_ledger_growth"}));
    BANK_ASSIGN_OR_RETURN(c.snapshots_directory,
                          String(sj, "directory", "snapshots", false, c.snapshots_directory));
    if (sj.contains("tx_count")) {
      if (!sj["tx_count"].is_number_unsigned())
        return Invalid("snapshots.tx_count must be a non-negative integer");
      c.snapshot_tx_count = sj["tx_count"].get<uint64_t>();
    }
    if (sj.contains("min_ledger_growth")) {
      const auto& g = sj["min_ledger_growth"];
      if (!g.is_number() || g.get<double>() < 0 || g.get<double>() > 1000)
        return Invalid("snapshots.min_ledger_growth must be a number from 0 to 1000");
      c.snapshot_min_ledger_growth = g.get<double>();
    }
  }
  if (j.contains("node_certificate")) {
    const auto& nc = j["node_certificate"];
    BANK_RETURN_IF_ERROR(CheckKeys(nc, "node_certificate", {"subject_alt_names"}));
    if (nc.contains("subject_alt_names")) {
      if (!nc["subject_alt_names"].is_array())
        return Invalid("node_certificate.subject_alt_names must be an array");
      c.subject_alt_names.clear();
      for (const auto& san : nc["subject_alt_names"]) {
        if (!san.is_string()) return Invalid("node_certificate.subject_alt_names must hold strings");
        const std::string s = san.get<std::string>();
        if (s.rfind("iPAddress:", 0) != 0 && s.rfind("dNSName:", 0) != 0)
          return Invalid("subject alternative name " + Quoted(s) + " must start with iPAddress: or dNSName:");
        c.subject_alt_names.push_back(s);
      }
    }
  }
  if (j.contains("members")) {
    if (!j["members"].is_array()) return Invalid("members must be an array");
    for (const auto& m : j["members"]) {
      BANK_RETURN_IF_ERROR(
          CheckKeys(m, "members[]", {"certificate_file", "encryption_public_key_file", "member_data"}));
      BankdMemberConfig member;
      BANK_ASSIGN_OR_RETURN(member.certificate_file, String(m, "certificate_file", "members[]", true));
      BANK_ASSIGN_OR_RETURN(member.encryption_public_key_file,
                            String(m, "encryption_public_key_file", "members[]", false));
      member.certificate_file = Resolve(base, member.certificate_file);
      member.encryption_public_key_file = Resolve(base, member.encryption_public_key_file);
      member.member_data = m.value("member_data", json());
      c.members.push_back(std::move(member));
    }
  }
  if (j.contains("users")) {
    if (!j["users"].is_array()) return Invalid("users must be an array");
    for (const auto& u : j["users"]) {
      BANK_RETURN_IF_ERROR(CheckKeys(u, "users[]", {"certificate_file", "user_data"}));
      BankdUserConfig user;
      BANK_ASSIGN_OR_RETURN(user.certificate_file, String(u, "certificate_file", "users[]", true));
      user.certificate_file = Resolve(base, user.certificate_file);
      user.user_data = u.value("user_data", json());
      c.users.push_back(std::move(user));
    }
  }
  if (j.contains("ledger_signatures")) {
    const auto& ls = j["ledger_signatures"];
    BANK_RETURN_IF_ERROR(CheckKeys(ls, "ledger_signatures", {"tx_count", "delay"}));
    if (ls.contains("tx_count")) {
      if (!ls["tx_count"].is_number_unsigned() || ls["tx_count"].get<uint64_t>() == 0)
        return Invalid("ledger_signatures.tx_count must be a positive integer");
      c.signature_tx_count = ls["tx_count"].get<uint64_t>();
    }
    if (ls.contains("delay")) {
      BANK_ASSIGN_OR_RETURN(c.signature_delay, ParseDuration(ls["delay"]));
      if (c.signature_delay.count() == 0) return Invalid("ledger_signatures.delay must be positive");
    }
  }
  if (j.contains("http_configuration")) {
    const auto& hc = j["http_configuration"];
    BANK_RETURN_IF_ERROR(
        CheckKeys(hc, "http_configuration",
                  {"max_body_size", "max_header_size", "max_headers_count", "header_timeout",
                   "max_concurrent_streams_count", "initial_window_size", "max_frame_size"}));
    BANK_RETURN_IF_ERROR(Size(hc, "max_body_size", 1, UINT64_MAX, &c.max_body_size));
    BANK_RETURN_IF_ERROR(Size(hc, "max_header_size", 1, UINT32_MAX, &c.max_header_size));
    BANK_RETURN_IF_ERROR(
        Count(hc, "http_configuration", "max_headers_count", 1, UINT32_MAX, &c.max_headers_count));
    BANK_RETURN_IF_ERROR(Count(hc, "http_configuration", "max_concurrent_streams_count", 1, UINT32_MAX,
                               &c.max_concurrent_streams_count));
    BANK_RETURN_IF_ERROR(Size(hc, "initial_window_size", 1, (1u << 31) - 1, &c.initial_window_size));
    BANK_RETURN_IF_ERROR(Size(hc, "max_frame_size", 16 << 10, (16 << 20) - 1, &c.max_frame_size));
    if (hc.contains("header_timeout")) {
      BANK_ASSIGN_OR_RETURN(c.header_timeout, ParseDuration(hc["header_timeout"]));
      if (c.header_timeout.count() == 0) return Invalid("http_configuration.header_timeout must be positive");
    }
  }
  BANK_RETURN_IF_ERROR(
      Count(j, "config", "max_open_sessions_soft", 1, UINT32_MAX, &c.max_open_sessions_soft));
  BANK_RETURN_IF_ERROR(
      Count(j, "config", "max_open_sessions_hard", 1, UINT32_MAX, &c.max_open_sessions_hard));
  if (c.max_open_sessions_hard < c.max_open_sessions_soft)
    return Invalid("max_open_sessions_hard must be at least max_open_sessions_soft");
  if (j.contains("idle_connection_timeout")) {
    BANK_ASSIGN_OR_RETURN(c.idle_connection_timeout, ParseDuration(j["idle_connection_timeout"]));
    if (c.idle_connection_timeout.count() == 0) return Invalid("idle_connection_timeout must be positive");
  }
  if (j.contains("worker_threads")) {
    if (!j["worker_threads"].is_number_unsigned() || j["worker_threads"].get<uint64_t>() < 1 ||
        j["worker_threads"].get<uint64_t>() > 64)
      return Invalid("worker_threads must be an integer from 1 to 64");
    c.worker_threads = j["worker_threads"].get<int>();
  }
  if (j.contains("open_at_start")) {
    if (!j["open_at_start"].is_boolean()) return Invalid("open_at_start must be true or false");
    c.open_at_start = j["open_at_start"].get<bool>();
  }
  if (j.contains("output_files")) {
    const auto& of = j["output_files"];
    BANK_RETURN_IF_ERROR(CheckKeys(of, "output_files", {"rpc_addresses_file"}));
    BANK_ASSIGN_OR_RETURN(c.rpc_addresses_file, String(of, "rpc_addresses_file", "output_files", false, ""));
    if (!c.rpc_addresses_file.empty()) c.rpc_addresses_file = Resolve(base, c.rpc_addresses_file);
  }
  size_t colon = c.rpc_address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == c.rpc_address.size())
    return Invalid("rpc_address must be HOST:PORT, got " + Quoted(c.rpc_address));
  c.data_directory = Resolve(base, c.data_directory);
  c.ledger_directory = Resolve(base, c.ledger_directory);
  c.snapshots_directory = Resolve(base, c.snapshots_directory);
  c.service_certificate_file = Resolve(base, c.service_certificate_file);
  return c;
}

Result<BankdConfig> BankdConfig::Load(const std::string& path) {
  BANK_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::InputFile(path + ": not valid JSON");
  std::string base = fs::absolute(fs::path(path)).parent_path().string();
  auto config = FromJson(j, base);
  if (!config.ok()) return config.status().WithContext(path);
  return config;
}

json BankdConfig::ToJson() const {
  json members = json::array();
  for (const auto& m : this->members) {
    json o = {{"certificate_file", m.certificate_file}};
    if (!m.encryption_public_key_file.empty()) o["encryption_public_key_file"] = m.encryption_public_key_file;
    if (!m.member_data.is_null()) o["member_data"] = m.member_data;
    members.push_back(o);
  }
  json users = json::array();
  for (const auto& u : this->users) {
    json o = {{"certificate_file", u.certificate_file}};
    if (!u.user_data.is_null()) o["user_data"] = u.user_data;
    users.push_back(o);
  }
  json j = {{"rpc_address", rpc_address},
            {"data_directory", data_directory},
            {"ledger", {{"directory", ledger_directory}, {"chunk_size", ledger_chunk_size}}},
            {"snapshots",
             {{"directory", snapshots_directory},
              {"tx_count", snapshot_tx_count},
              {"min_ledger_growth", snapshot_min_ledger_growth}}},
            {"service_certificate_file", service_certificate_file},
            {"node_certificate", {{"subject_alt_names", subject_alt_names}}},
            {"members", members},
            {"users", users},
            {"ledger_signatures",
             {{"tx_count", signature_tx_count}, {"delay", std::to_string(signature_delay.count()) + "ms"}}},
            {"http_configuration",
             {{"max_body_size", max_body_size},
              {"max_header_size", max_header_size},
              {"max_headers_count", max_headers_count},
              {"header_timeout", std::to_string(header_timeout.count()) + "ms"},
              {"max_concurrent_streams_count", max_concurrent_streams_count},
              {"initial_window_size", initial_window_size},
              {"max_frame_size", max_frame_size}}},
            {"max_open_sessions_soft", max_open_sessions_soft},
            {"max_open_sessions_hard", max_open_sessions_hard},
            {"idle_connection_timeout", std::to_string(idle_connection_timeout.count()) + "ms"},
            {"worker_threads", worker_threads},
            {"open_at_start", open_at_start}};
  if (!published_address.empty() && published_address != rpc_address)
    j["published_address"] = published_address;
  if (!rpc_addresses_file.empty()) j["output_files"] = {{"rpc_addresses_file", rpc_addresses_file}};
  return j;
}

}  // namespace bank
