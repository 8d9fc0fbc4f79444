#include "auth/policy.hpp"

#include <fmt/format.h>

#include <ctime>

#include "auth/tables.hpp"

namespace bankd::auth {
namespace {

// CCF's user_cert / member_cert: presence, validity now, then table lookup.
class CertPolicy final : public AuthPolicy {
 public:
  CertPolicy(const char* name, const char* table, const char* role)
      : name_(name), table_(table), role_(role) {}

  const char* name() const override { return name_; }

  bank::Result<Caller> Authenticate(const http::Request& request, const StateReader& state) const override {
    const auto& client = request.client_cert;
    if (client == nullptr) return bank::Status::Auth(fmt::format("No caller {} certificate", role_));
    const std::time_t now = std::time(nullptr);
    if (now < client->cert.not_before())
      return bank::Status::Auth(
          fmt::format("Current time {} is before certificate's Not Before validity period {}", now,
                      client->cert.not_before()));
    if (now > client->cert.not_after())
      return bank::Status::Auth(
          fmt::format("Current time {} is after certificate's Not After validity period {}", now,
                      client->cert.not_after()));
    if (!state.Contains(table_, client->id))
      return bank::Status::Auth(fmt::format("Could not find matching {} certificate", role_));
    Caller caller;
    caller.policy = name_;
    caller.id = client->id;
    return caller;
  }

 private:
  const char* name_;
  const char* table_;
  const char* role_;
};

}  // namespace

PolicyPtr UserCertPolicy() {
  static const PolicyPtr policy = std::make_shared<CertPolicy>("user_cert", tables::kUserCerts, "user");
  return policy;
}

PolicyPtr MemberCertPolicy() {
  static const PolicyPtr policy = std::make_shared<CertPolicy>("member_cert", tables::kMemberCerts, "member");
  return policy;
}

http::Response AuthenticationFailure(const std::vector<std::pair<const AuthPolicy*, std::string>>& failures) {
  nlohmann::json details = nlohmann::json::array();
  for (const auto& [policy, reason] : failures)
    details.push_back(
        {{"auth_policy", policy->name()}, {"code", "InvalidAuthenticationInfo"}, {"message", reason}});
  auto response =
      http::Response::Error(401, "InvalidAuthenticationInfo", "Invalid authentication credentials.", details);
  for (const auto& [policy, reason] : failures)
    for (auto& [name, value] : policy->Challenge()) response.SetHeader(name, value);
  return response;
}

}  // namespace bankd::auth
