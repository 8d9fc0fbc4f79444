// Authentication policies, as CCF's endpoints declare them.
//
// An endpoint lists the policies it accepts; the router tries them in order
// and the first that accepts sets Request::caller. When all fail the answer
// is CCF's 401 InvalidAuthenticationInfo with one `details` entry per policy
// (auth_policy, code, message) plus each failed policy's challenge headers.
// Policies read the callers' tables through a StateReader: the committed
// store for read-only endpoints, the endpoint's own transaction for writes,
// so that identity and effect are decided on the same state.
//
// The governance module adds its COSE_Sign1 policies by implementing
// AuthPolicy (they read Request::body and fill Caller::cose).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/caller.hpp"
#include "bank/status.hpp"
#include "http/message.hpp"
#include "kv/tx.hpp"

namespace bankd::auth {

// Read access to tables, over either the committed store or a transaction.
class StateReader {
 public:
  virtual ~StateReader() = default;
  virtual std::optional<std::string> Get(std::string_view table, std::string_view key) const = 0;
  virtual bool Contains(std::string_view table, std::string_view key) const = 0;  // Get without the copy
};

class StoreReader final : public StateReader {
 public:
  explicit StoreReader(const kv::Store& store) : store_(store) {}
  std::optional<std::string> Get(std::string_view table, std::string_view key) const override {
    return store_.Get(table, key);
  }
  bool Contains(std::string_view table, std::string_view key) const override {
    return store_.Find(table, key) != nullptr;
  }

 private:
  const kv::Store& store_;
};

class TxReader final : public StateReader {
 public:
  explicit TxReader(const kv::Tx& tx) : tx_(tx) {}
  std::optional<std::string> Get(std::string_view table, std::string_view key) const override {
    return tx_.Get(table, key);
  }
  bool Contains(std::string_view table, std::string_view key) const override {
    return tx_.Contains(table, key);
  }

 private:
  const kv::Tx& tx_;
};

class AuthPolicy {
 public:
  virtual ~AuthPolicy() = default;
  // CCF's policy name ("user_cert"); reported as `auth_policy` in 401 details.
  virtual const char* name() const = 0;
  // The caller, or a Status whose message is the one-line reason reported
  // in the 401 details ("Could not find matching user certificate").
  virtual bank::Result<Caller> Authenticate(const http::Request& request, const StateReader& state) const = 0;
  // Headers a 401 carries when this policy failed (COSE policies:
  // WWW-Authenticate). None by default.
  virtual std::vector<std::pair<std::string, std::string>> Challenge() const { return {}; }
};

using PolicyPtr = std::shared_ptr<const AuthPolicy>;
// Empty list: the endpoint needs no authentication (CCF's no_auth).
using Policies = std::vector<PolicyPtr>;

// CCF's user_cert and member_cert: the TLS client certificate's id must be
// in public:ccf.gov.users.certs / public:ccf.gov.members.certs and the
// certificate must be within its validity period now.
PolicyPtr UserCertPolicy();
PolicyPtr MemberCertPolicy();

// The 401 for a request no policy accepted; `failures` pairs each policy
// with its reason, in the order tried.
http::Response AuthenticationFailure(const std::vector<std::pair<const AuthPolicy*, std::string>>& failures);

}  // namespace bankd::auth
