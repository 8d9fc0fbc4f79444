#include "governance/actions.hpp"

#include <fmt/format.h>

#include "auth/tables.hpp"
#include "bank/certificate.hpp"
#include "bank/encoding.hpp"
#include "bank/key.hpp"
#include "governance/action_checks.hpp"
#include "governance/bank_actions.hpp"
#include "governance/tables.hpp"

namespace bankd::governance {
namespace {

using nlohmann::json;
namespace gt = bankd::tables;

// ---- argument checks, with the messages of CCF's actions.js ---------------------

bool IsCertBundle(const std::string& pem) {
  auto certs = bank::Certificate::BundleFromPem(pem);
  return certs.ok() && !certs->empty();
}

Reason CheckX509CertBundle(const json* v, const std::string& field) {
  bool ok = v != nullptr && v->is_string() && IsCertBundle(v->get<std::string>());
  if (!ok) return field + " must be a valid X509 certificate (bundle) in PEM format";
  return std::nullopt;
}

Reason CheckEnum(const json* v, const std::vector<std::string>& members, const std::string& field) {
  for (const auto& m : members)
    if (v != nullptr && v->is_string() && v->get<std::string>() == m) return std::nullopt;
  std::string list;
  for (const auto& m : members) list += (list.empty() ? "" : ",") + m;
  return field + " must be one of " + list;
}

// ---- table helpers ---------------------------------------------------------------

std::string CertId(const std::string& pem) {
  auto certs = bank::Certificate::BundleFromPem(pem);
  return certs.ok() && !certs->empty() ? certs->front().Id() : std::string();
}

// ---- users -------------------------------------------------------------------------

Reason ValidateSetUser(const json& args) {
  BANK_CHECK(CheckX509CertBundle(Arg(args, "cert"), "cert"));
  BANK_CHECK(CheckType(Arg(args, "user_data"), "object?", "user_data"));
  return std::nullopt;
}

Reason ApplySetUser(const json& args, ApplyContext& ctx) {
  const std::string pem = Str(args, "cert");
  const std::string id = CertId(pem);
  ctx.tx.Put(gt::kUserCerts, id, pem);
  const json* data = Arg(args, "user_data");
  if (data != nullptr && !data->is_null())
    ctx.tx.Put(gt::kUserInfo, id, json{{"user_data", *data}}.dump());
  else
    ctx.tx.Remove(gt::kUserInfo, id);
  return std::nullopt;
}

Reason ValidateRemoveUser(const json& args) { return CheckEntityId(Arg(args, "user_id"), "user_id"); }

Reason ApplyRemoveUser(const json& args, ApplyContext& ctx) {
  const std::string id = Str(args, "user_id");
  ctx.tx.Remove(gt::kUserCerts, id);
  ctx.tx.Remove(gt::kUserInfo, id);
  return std::nullopt;
}

Reason ValidateSetUserData(const json& args) {
  BANK_CHECK(CheckEntityId(Arg(args, "user_id"), "user_id"));
  BANK_CHECK(CheckType(Arg(args, "user_data"), "object?", "user_data"));
  return std::nullopt;
}

Reason ApplySetUserData(const json& args, ApplyContext& ctx) {
  const std::string id = Str(args, "user_id");
  if (!ctx.tx.Get(gt::kUserCerts, id)) return fmt::format("User {} does not exist", id);
  const json* data = Arg(args, "user_data");
  if (data != nullptr && !data->is_null())
    ctx.tx.Put(gt::kUserInfo, id, json{{"user_data", *data}}.dump());
  else
    ctx.tx.Remove(gt::kUserInfo, id);
  return std::nullopt;
}

// ---- members -----------------------------------------------------------------------

Reason ValidateSetMember(const json& args) {
  BANK_CHECK(CheckX509CertBundle(Arg(args, "cert"), "cert"));
  const json* enc = Arg(args, "encryption_pub_key");
  BANK_CHECK(CheckType(enc, "string?", "encryption_pub_key"));
  if (enc != nullptr && !enc->is_null() && !bank::PublicKey::FromPem(enc->get<std::string>()).ok())
    return "encryption_pub_key must be a valid public key in PEM format";
  BANK_CHECK(CheckType(Arg(args, "member_data"), "object?", "member_data"));
  const json* role = Arg(args, "recovery_role");
  if (role != nullptr && !role->is_null()) {
    BANK_CHECK(CheckEnum(role, {"NonParticipant", "Participant", "Owner"}, "recovery_role"));
    if (role->get<std::string>() != "NonParticipant" && (enc == nullptr || enc->is_null()))
      return "recovery_role " + role->get<std::string>() + " requires an encryption_pub_key";
  }
  return std::nullopt;
}

Reason ApplySetMember(const json& args, ApplyContext& ctx) {
  const std::string pem = Str(args, "cert");
  const std::string id = CertId(pem);
  // Idempotent: an existing member keeps its status and data.
  if (ctx.tx.Get(gt::kMemberCerts, id)) return std::nullopt;
  ctx.tx.Put(gt::kMemberCerts, id, pem);
  const json* enc = Arg(args, "encryption_pub_key");
  if (enc != nullptr && !enc->is_null()) ctx.tx.Put(gt::kMemberEncryptionKeys, id, enc->get<std::string>());
  json info = {{"status", "Accepted"}};
  const json* data = Arg(args, "member_data");
  info["member_data"] = data != nullptr ? *data : json();
  if (const json* role = Arg(args, "recovery_role"); role != nullptr && !role->is_null())
    info["recovery_role"] = *role;
  ctx.tx.Put(gt::kMemberInfo, id, info.dump());
  // The new member activates by acknowledging this digest (or a fresh one).
  json ack = json::object();
  if (ctx.last_signed_root) ack["state_digest"] = bank::DigestHex(*ctx.last_signed_root);
  ctx.tx.Put(tables::kMemberAcks, id, ack.dump());
  return std::nullopt;
}

Reason ValidateRemoveMember(const json& args) { return CheckEntityId(Arg(args, "member_id"), "member_id"); }

Reason ApplyRemoveMember(const json& args, ApplyContext& ctx) {
  const std::string id = Str(args, "member_id");
  json info = ReadJson(ctx.tx, gt::kMemberInfo, id);
  if (info.is_null()) return std::nullopt;  // idempotent
  if (info.is_object() && info.value("status", "") == "Active") {
    size_t active = 0;
    ctx.tx.ForEach(gt::kMemberInfo, [&](const std::string&, const std::string& v) {
      json m = json::parse(v, nullptr, false);
      if (m.is_object() && m.value("status", "") == "Active") ++active;
      return true;
    });
    if (active <= 1) return fmt::format("Member {} is the last active member and cannot be removed", id);
  }
  ctx.tx.Remove(gt::kMemberCerts, id);
  ctx.tx.Remove(gt::kMemberInfo, id);
  ctx.tx.Remove(gt::kMemberEncryptionKeys, id);
  ctx.tx.Remove(tables::kMemberAcks, id);
  return std::nullopt;
}

Reason ValidateSetMemberData(const json& args) {
  BANK_CHECK(CheckEntityId(Arg(args, "member_id"), "member_id"));
  BANK_CHECK(CheckType(Arg(args, "member_data"), "object", "member_data"));
  return CheckBankName(args.at("member_data"));
}

Reason ApplySetMemberData(const json& args, ApplyContext& ctx) {
  const std::string id = Str(args, "member_id");
  json info = ReadJson(ctx.tx, gt::kMemberInfo, id);
  if (!info.is_object()) return fmt::format("Member {} does not exist", id);
  BANK_CHECK(CheckBankNameFree(ctx.tx, id, args.at("member_data")));
  info["member_data"] = args.at("member_data");
  ctx.tx.Put(gt::kMemberInfo, id, info.dump());
  return std::nullopt;
}

// ---- service and nodes --------------------------------------------------------------

Reason ValidateTransitionServiceToOpen(const json& args) {
  const json* next = Arg(args, "next_service_identity");
  BANK_CHECK(CheckType(next, "string", "next service identity (PEM certificate)"));
  BANK_CHECK(CheckX509CertBundle(next, "next_service_identity"));
  const json* previous = Arg(args, "previous_service_identity");
  BANK_CHECK(CheckType(previous, "string?", "previous service identity (PEM certificate)"));
  if (previous != nullptr && !previous->is_null())
    BANK_CHECK(CheckX509CertBundle(previous, "previous_service_identity"));
  return std::nullopt;
}

Reason ApplyTransitionServiceToOpen(const json& args, ApplyContext& ctx) {
  json service = ReadJson(ctx.tx, gt::kServiceInfo, std::string(gt::kSingletonKey));
  if (!service.is_object()) return std::string("Service information could not be found");
  const std::string status = service.value("status", "");
  if (status == "Recovering" && Arg(args, "previous_service_identity") == nullptr)
    return std::string(
        "Opening a recovering network requires both, the previous and the next service identity");
  auto next = bank::Certificate::FromPem(Str(args, "next_service_identity"));
  auto current = bank::Certificate::FromPem(service.value("cert", ""));
  if (!next.ok() || !current.ok() || next->Der() != current->Der())
    return std::string("Service identity mismatch: next_service_identity is not this service's certificate");
  if (status == "Open") return std::nullopt;
  service["status"] = "Open";
  ctx.tx.Put(gt::kServiceInfo, gt::kSingletonKey, service.dump());
  return std::nullopt;
}

Reason ValidateTransitionNodeToTrusted(const json& args) {
  BANK_CHECK(CheckEntityId(Arg(args, "node_id"), "node_id"));
  BANK_CHECK(CheckType(Arg(args, "valid_from"), "string", "valid_from"));
  const json* days = Arg(args, "validity_period_days");
  if (days != nullptr) {
    BANK_CHECK(CheckType(days, "integer", "validity_period_days"));
    if (days->get<double>() < 1) return std::string("validity_period_days must be at least 1");
  }
  return std::nullopt;
}

Reason ApplyTransitionNodeToTrusted(const json& args, ApplyContext& ctx) {
  const std::string id = Str(args, "node_id");
  json node = ReadJson(ctx.tx, gt::kNodesInfo, id);
  if (!node.is_object()) return fmt::format("No such node: {}", id);
  if (node.value("status", "") != "Pending") return std::nullopt;
  node["status"] = "Trusted";
  ctx.tx.Put(gt::kNodesInfo, id, node.dump());
  return std::nullopt;
}

// ---- constitution -------------------------------------------------------------------

Reason ValidateSetConstitution(const json& args) {
  return CheckType(Arg(args, "constitution"), "string", "constitution");
}

Reason ApplySetConstitution(const json& args, ApplyContext& ctx) {
  ctx.tx.Put(tables::kConstitution, gt::kSingletonKey, Str(args, "constitution"));
  return std::nullopt;
}

}  // namespace

const std::vector<ActionDefinition>& AllActions() {
  static const std::vector<ActionDefinition> actions = [] {
    std::vector<ActionDefinition> all = {
        {"set_user", ValidateSetUser, ApplySetUser},
        {"remove_user", ValidateRemoveUser, ApplyRemoveUser},
        {"set_user_data", ValidateSetUserData, ApplySetUserData},
        {"set_member", ValidateSetMember, ApplySetMember},
        {"remove_member", ValidateRemoveMember, ApplyRemoveMember},
        {"set_member_data", ValidateSetMemberData, ApplySetMemberData},
        {"transition_service_to_open", ValidateTransitionServiceToOpen, ApplyTransitionServiceToOpen},
        {"transition_node_to_trusted", ValidateTransitionNodeToTrusted, ApplyTransitionNodeToTrusted},
        {"set_constitution", ValidateSetConstitution, ApplySetConstitution,
         /*drops_other_open_proposals=*/true},
    };
    const auto& banking = BankingActions();
    all.insert(all.end(), banking.begin(), banking.end());
    return all;
  }();
  return actions;
}

const ActionDefinition* FindAction(std::string_view name) {
  for (const auto& a : AllActions())
    if (name == a.name) return &a;
  return nullptr;
}

}  // namespace bankd::governance
