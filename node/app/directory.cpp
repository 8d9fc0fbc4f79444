#include "app/directory.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "auth/tables.hpp"
#include "governance/bank_tables.hpp"

namespace bankd::app {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// The member whose member_data.name is `bank` ("" when none): looked up at
// each call, so a bank that renames itself keeps its users' names.
std::string BankMember(const kv::Store& store, const std::string& bank) {
  std::string found;
  store.ForEach(tables::kMemberInfo, [&](const std::string& id, const std::string& value) {
    json info = json::parse(value, nullptr, false);
    if (!info.is_object() || !info.contains("member_data") || !info["member_data"].is_object()) return true;
    const json& data = info["member_data"];
    if (data.value("name", "") == bank) found = id;
    return found.empty();
  });
  return found;
}

Response Lookup(const Request& r, const kv::Store& store) {
  const std::string& text = r.param("name");
  const size_t star = text.find('*');
  const std::string name = text.substr(0, star),
                    bank = star == std::string::npos ? "" : text.substr(star + 1);
  if (!tables::IsDirectoryName(name) || !tables::IsDirectoryName(bank))
    return Response::Error(400, "InvalidResourceName",
                           fmt::format("'{}' is not a directory name (expected name*bank).", text));
  const std::string member = BankMember(store, bank);
  if (member.empty())
    return Response::Error(404, "ResourceNotFound", fmt::format("No bank is named '{}'.", bank));
  const std::string* entry = store.Find(tables::kUserNames, member + "/" + name);
  json j = entry == nullptr ? json() : json::parse(*entry, nullptr, false);
  if (!j.is_object() || !j.contains("user_id"))
    return Response::Error(404, "ResourceNotFound",
                           fmt::format("Bank '{}' has no user named '{}'.", bank, name));
  return Response::Json({{"user_id", j["user_id"]}, {"bank", bank}, {"member_id", member}, {"name", name}});
}

}  // namespace

void RegisterDirectoryEndpoints(http::Router& router) {
  router.AddRead("GET", "/app/directory/{name}", {auth::MemberCertPolicy(), auth::UserCertPolicy()}, Lookup,
                 {{"summary", "Resolve a federation name name*bank to its user id"},
                  {"responses",
                   {{"200", {{"description", "{user_id, bank, member_id, name}"}}},
                    {"400", {{"description", "InvalidResourceName: not name*bank"}}},
                    {"404", {{"description", "ResourceNotFound: unknown bank or name"}}}}}});
}

}  // namespace bankd::app
