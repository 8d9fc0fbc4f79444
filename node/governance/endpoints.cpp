#include "governance/endpoints.hpp"

#include <fmt/format.h>

#include <set>

#include "auth/cose_sign1_policy.hpp"
#include "auth/tables.hpp"
#include "bank/cose.hpp"
#include "bank/encoding.hpp"
#include "bank/gov_client.hpp"
#include "governance/constitution.hpp"
#include "governance/proposals.hpp"
#include "governance/tables.hpp"

namespace bankd::governance {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;
namespace gt = bankd::tables;
namespace cose = bank::cose;

// ---- request checks ----------------------------------------------------------------

std::optional<Response> CheckApiVersion(const Request& request) {
  const std::string* v = request.query_param("api-version");
  if (v == nullptr)
    return Response::Error(400, "MissingApiVersionParameter",
                           "The api-version query parameter (?api-version=) is required for all requests.");
  if (*v != bank::gov::kApiVersion && *v != "2023-06-01-preview")
    return Response::Error(400, "UnsupportedApiVersionValue",
                           fmt::format("Unsupported api-version '{}'. The supported api-versions are: "
                                       "2023-06-01-preview, 2024-07-01",
                                       *v));
  return std::nullopt;
}

// A 64-hex path parameter, as CCF's try_parse_*_id.
Outcome<std::string> HexParam(const Request& request, const std::string& name, const char* what) {
  const std::string& value = request.param(name);
  if (value.size() != 64 || value.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
    return Refusal{400, "InvalidResourceName",
                   fmt::format("'{}' is not a valid hex-encoded {} ID", value, what)};
  return value;
}

// The signed ccf.gov.msg.proposal_id must name the proposal in the URL.
std::optional<Response> CheckSignedProposalId(const Request& request, const std::string& proposal_id) {
  const json& phdr = request.caller.cose->protected_header;
  auto it = phdr.find(cose::kHeaderProposalId);
  if (it == phdr.end() || !it->is_string() || it->get<std::string>() != proposal_id)
    return Response::Error(400, "InvalidResourceName", "Authenticated proposal id does not match URL");
  return std::nullopt;
}

bool IsActive(const kv::Tx& tx, const std::string& member_id) {
  auto info = tx.Get(gt::kMemberInfo, member_id);
  json j = info ? json::parse(*info, nullptr, false) : json();
  return j.is_object() && j.value("status", "") == "Active";
}

void RecordHistory(kv::Tx& tx, const Request& request) {
  // As CCF: a JSON string holding the envelope's base64.
  tx.Put(tables::kCoseHistory, request.caller.id,
         json(bank::Base64Encode(bank::AsBytes(request.body))).dump());
}

// `txid`: the transaction the call runs in (actions record it as the one
// that set a rule).
GovContext Context(const ledger::Engine& engine, const bank::TxId& txid) {
  return {engine.CurrentRoot(), engine.LastSignedRoot(), txid};
}

json ParseOr(const std::optional<std::string>& text, json fallback) {
  if (!text) return fallback;
  json j = json::parse(*text, nullptr, false);
  return j.is_discarded() ? fallback : j;
}

// ---- shapes of the service reads ----------------------------------------------------

json MemberJson(const kv::Store& store, const std::string& id) {
  json info = ParseOr(store.Get(gt::kMemberInfo, id), json::object());
  auto enc = store.Get(gt::kMemberEncryptionKeys, id);
  json j = {{"memberId", id},
            {"status", info.value("status", "Accepted")},
            {"memberData", info.value("member_data", json())},
            {"certificate", store.Get(gt::kMemberCerts, id).value_or("")}};
  if (enc) j["publicEncryptionKey"] = *enc;
  j["recoveryRole"] =
      info.contains("recovery_role") ? info["recovery_role"] : json(enc ? "Participant" : "NonParticipant");
  return j;
}

json UserJson(const kv::Store& store, const std::string& id) {
  json info = ParseOr(store.Get(gt::kUserInfo, id), json::object());
  return {{"userId", id},
          {"certificate", store.Get(gt::kUserCerts, id).value_or("")},
          {"userData", info.value("user_data", json())}};
}

json NodeJson(const std::string& id, const json& info) {
  json interfaces = json::object();
  const json rpc_interfaces = info.value("rpc_interfaces", json::object());
  for (const auto& [name, iface] : rpc_interfaces.items())
    interfaces[name] = {
        {"publishedAddress", iface.value("published_address", iface.value("bind_address", ""))},
        {"protocol", iface.value("protocol", "tcp")}};
  json quote = info.value("quote_info", json::object());
  return {{"nodeId", id},
          {"status", info.value("status", "")},
          {"nodeData", info.value("node_data", json())},
          {"certificate", info.value("cert", "")},
          {"retiredCommitted", info.value("retired_committed", false)},
          {"quoteInfo",
           {{"format", quote.value("format", "Insecure_Virtual")}, {"rawQuote", quote.value("quote", "")}}},
          {"rpcInterfaces", interfaces}};
}

std::vector<std::string> Keys(const kv::Store& store, const char* table) {
  std::vector<std::string> keys;
  store.ForEach(table, [&](const std::string& k, const std::string&) {
    keys.push_back(k);
    return true;
  });
  return keys;
}

// ---- 2024-07-01: proposals and ballots --------------------------------------------

void RegisterProposals(http::Router& router, ledger::Engine& engine) {
  using auth::ActiveMemberCoseSign1Policy;

  router.AddWrite("POST", "/gov/members/proposals:create", {ActiveMemberCoseSign1Policy(cose::kProposal)},
                  [&engine](const Request& request, kv::Tx& tx, const bank::TxId& txid) {
                    if (auto bad = CheckApiVersion(request)) return *bad;
                    auto created = CreateProposal(tx, Context(engine, txid), request.caller);
                    if (const Refusal* r = RefusalOf(created)) return r->ToResponse();
                    RecordHistory(tx, request);
                    const auto& c = std::get<Created>(created);
                    return Response::Json(ProposalJson(c.id, c.info));
                  },
                  {{"summary", "Submit a proposal (COSE_Sign1 ccf.gov.msg.type proposal)"}});

  router.AddRead("GET", "/gov/members/proposals", {}, [](const Request& request, const kv::Store& store) {
    if (auto bad = CheckApiVersion(request)) return *bad;
    json list = json::array();
    store.ForEach(tables::kProposalsInfo, [&](const std::string& id, const std::string& v) {
      if (auto info = ProposalInfo::Parse(v)) list.push_back(ProposalJson(id, *info));
      return true;
    });
    return Response::Json({{"value", list}});
  });

  router.AddRead(
      "GET", "/gov/members/proposals/{proposalId}", {}, [](const Request& request, const kv::Store& store) {
        if (auto bad = CheckApiVersion(request)) return *bad;
        auto id = HexParam(request, "proposalId", "proposal");
        if (const Refusal* r = RefusalOf(id)) return r->ToResponse();
        const std::string& pid = std::get<std::string>(id);
        auto stored = store.Get(tables::kProposalsInfo, pid);
        auto info = stored ? ProposalInfo::Parse(*stored) : std::nullopt;
        if (!info)
          return Response::Error(404, "ProposalNotFound", fmt::format("Could not find proposal {}.", pid));
        return Response::Json(ProposalJson(pid, *info));
      });

  router.AddRead("GET", "/gov/members/proposals/{proposalId}/actions", {},
                 [](const Request& request, const kv::Store& store) {
                   if (auto bad = CheckApiVersion(request)) return *bad;
                   auto id = HexParam(request, "proposalId", "proposal");
                   if (const Refusal* r = RefusalOf(id)) return r->ToResponse();
                   const std::string& pid = std::get<std::string>(id);
                   auto proposal = store.Get(tables::kProposals, pid);
                   if (!proposal)
                     return Response::Error(404, "ProposalNotFound",
                                            fmt::format("Could not find proposal {}.", pid));
                   return Response::Text(200, *proposal, "application/json");
                 });

  router.AddWrite("POST", "/gov/members/proposals/{proposalId}:withdraw",
                  {ActiveMemberCoseSign1Policy(cose::kWithdrawal)},
                  [](const Request& request, kv::Tx& tx, const bank::TxId&) {
                    if (auto bad = CheckApiVersion(request)) return *bad;
                    auto id = HexParam(request, "proposalId", "proposal");
                    if (const Refusal* r = RefusalOf(id)) return r->ToResponse();
                    const std::string& pid = std::get<std::string>(id);
                    if (auto bad = CheckSignedProposalId(request, pid)) return *bad;
                    auto withdrawn = WithdrawProposal(tx, request.caller, pid, Flavor::k20240701);
                    if (const Refusal* r = RefusalOf(withdrawn)) return r->ToResponse();
                    const auto& info = std::get<std::optional<ProposalInfo>>(withdrawn);
                    if (!info) return Response::NoContent();
                    if (!tx.empty()) RecordHistory(tx, request);
                    return Response::Json(ProposalJson(pid, *info));
                  });

  router.AddWrite(
      "POST", "/gov/members/proposals/{proposalId}/ballots/{memberId}:submit",
      {ActiveMemberCoseSign1Policy(cose::kBallot)},
      [&engine](const Request& request, kv::Tx& tx, const bank::TxId& txid) {
        if (auto bad = CheckApiVersion(request)) return *bad;
        auto id = HexParam(request, "proposalId", "proposal");
        if (const Refusal* r = RefusalOf(id)) return r->ToResponse();
        const std::string& pid = std::get<std::string>(id);
        if (auto bad = CheckSignedProposalId(request, pid)) return *bad;
        auto member = HexParam(request, "memberId", "member");
        if (const Refusal* r = RefusalOf(member)) return r->ToResponse();
        if (std::get<std::string>(member) != request.caller.id)
          return Response::Error(400, "InvalidResourceName", "Authenticated member id does not match URL");
        auto voted = SubmitBallot(tx, Context(engine, txid), request.caller, pid, Flavor::k20240701);
        if (const Refusal* r = RefusalOf(voted)) return r->ToResponse();
        if (!tx.empty()) RecordHistory(tx, request);
        return Response::Json(ProposalJson(pid, std::get<ProposalInfo>(voted)));
      });

  router.AddRead(
      "GET", "/gov/members/proposals/{proposalId}/ballots/{memberId}", {},
      [](const Request& request, const kv::Store& store) {
        if (auto bad = CheckApiVersion(request)) return *bad;
        auto id = HexParam(request, "proposalId", "proposal");
        if (const Refusal* r = RefusalOf(id)) return r->ToResponse();
        auto member = HexParam(request, "memberId", "member");
        if (const Refusal* r = RefusalOf(member)) return r->ToResponse();
        const std::string& pid = std::get<std::string>(id);
        const std::string& mid = std::get<std::string>(member);
        auto stored = store.Get(tables::kProposalsInfo, pid);
        auto info = stored ? ProposalInfo::Parse(*stored) : std::nullopt;
        if (!info)
          return Response::Error(404, "ProposalNotFound", fmt::format("Proposal {} does not exist.", pid));
        auto it = info->ballots.find(mid);
        if (it == info->ballots.end())
          return Response::Error(404, "VoteNotFound",
                                 fmt::format("Member {} has not voted for proposal {}.", mid, pid));
        return Response::Text(200, it->second, "text/javascript");
      });
}

// ---- state digests and activation (both APIs) --------------------------------------

// Stores a fresh digest in the member's ACK record; the digest, or a refusal.
Outcome<std::string> UpdateStateDigest(kv::Tx& tx, const ledger::Engine& engine,
                                       const std::string& member_id) {
  auto root = engine.LastSignedRoot();
  if (!root) return Refusal{500, "InternalError", "Service has no signatures to ack yet - try again soon."};
  json ack = ParseOr(tx.Get(tables::kMemberAcks, member_id), json::object());
  if (!ack.is_object()) ack = json::object();
  ack["state_digest"] = bank::DigestHex(*root);
  tx.Put(tables::kMemberAcks, member_id, ack.dump());
  return ack["state_digest"].get<std::string>();
}

// Checks a signed acknowledgement and activates the member.
std::optional<Refusal> AcknowledgeStateDigest(kv::Tx& tx, const Request& request, const char* digest_field) {
  const std::string& member_id = request.caller.id;
  json ack = ParseOr(tx.Get(tables::kMemberAcks, member_id), json());
  if (!ack.is_object())
    return Refusal{403, "AuthorizationFailed", fmt::format("No ACK record exists for member {}.", member_id)};
  json body = json::parse(request.caller.cose->payload, nullptr, false);
  if (!body.is_object() || !body.contains(digest_field) || !(*body.find(digest_field)).is_string())
    return Refusal{
        400, "InvalidInput",
        fmt::format("Signed request body is not a JSON object containing required string field \"{}\"",
                    digest_field)};
  const std::string expected = ack.value("state_digest", "");
  const std::string actual = body[digest_field].get<std::string>();
  if (expected != actual)
    return Refusal{
        400, "StateDigestMismatch",
        fmt::format("Submitted state digest is not valid.\nExpected\n {}\nReceived\n {}", expected, actual)};
  ack["cose_sign1_req"] = bank::Base64Encode(bank::AsBytes(request.body));
  tx.Put(tables::kMemberAcks, member_id, ack.dump());
  json info = ParseOr(tx.Get(gt::kMemberInfo, member_id), json());
  if (!info.is_object())
    return Refusal{500, "InternalError", "Error activating member: no member information"};
  if (info.value("status", "") != "Active") {
    info["status"] = "Active";
    tx.Put(gt::kMemberInfo, member_id, info.dump());
  }
  return std::nullopt;
}

// The signer must be the member the URL names.
std::optional<Response> CheckPathMember(const Request& request) {
  const std::string& path_member = request.param("memberId");
  if (path_member != request.caller.id)
    return Response::Error(
        400, "InvalidAuthenticationInfo",
        fmt::format("Member ID from path parameter ({}) does not match member ID from body "
                    "signature ({}).",
                    path_member, request.caller.id));
  return std::nullopt;
}

void RegisterStateDigests(http::Router& router, ledger::Engine& engine) {
  using auth::MemberCoseSign1Policy;

  router.AddRead("GET", "/gov/members/state-digests/{memberId}", {},
                 [](const Request& request, const kv::Store& store) {
                   if (auto bad = CheckApiVersion(request)) return *bad;
                   const std::string& mid = request.param("memberId");
                   json ack = ParseOr(store.Get(tables::kMemberAcks, mid), json());
                   if (!ack.is_object())
                     return Response::Error(404, "ResourceNotFound",
                                            fmt::format("No ACK record exists for member {}.", mid));
                   return Response::Json({{"memberId", mid}, {"stateDigest", ack.value("state_digest", "")}});
                 });

  router.AddWrite("POST", "/gov/members/state-digests/{memberId}:update",
                  {MemberCoseSign1Policy(cose::kStateDigest)},
                  [&engine](const Request& request, kv::Tx& tx, const bank::TxId&) {
                    if (auto bad = CheckApiVersion(request)) return *bad;
                    if (auto bad = CheckPathMember(request)) return *bad;
                    auto digest = UpdateStateDigest(tx, engine, request.caller.id);
                    if (const Refusal* r = RefusalOf(digest)) return r->ToResponse();
                    return Response::Json(
                        {{"memberId", request.caller.id}, {"stateDigest", std::get<std::string>(digest)}});
                  });

  router.AddWrite("POST", "/gov/members/state-digests/{memberId}:ack", {MemberCoseSign1Policy(cose::kAck)},
                  [](const Request& request, kv::Tx& tx, const bank::TxId&) {
                    if (auto bad = CheckApiVersion(request)) return *bad;
                    if (auto bad = CheckPathMember(request)) return *bad;
                    if (auto refusal = AcknowledgeStateDigest(tx, request, "stateDigest"))
                      return refusal->ToResponse();
                    return Response::NoContent();
                  });

  router.AddWrite("POST", "/gov/ack/update_state_digest",
                  {auth::MemberCertPolicy(), MemberCoseSign1Policy(cose::kStateDigest)},
                  [&engine](const Request& request, kv::Tx& tx, const bank::TxId&) {
                    auto digest = UpdateStateDigest(tx, engine, request.caller.id);
                    if (const Refusal* r = RefusalOf(digest)) return r->ToResponse();
                    return Response::Json({{"state_digest", std::get<std::string>(digest)}});
                  });

  router.AddWrite("POST", "/gov/ack", {MemberCoseSign1Policy(cose::kAck)},
                  [](const Request& request, kv::Tx& tx, const bank::TxId&) {
                    if (auto refusal = AcknowledgeStateDigest(tx, request, "state_digest"))
                      return refusal->ToResponse();
                    return Response::NoContent();
                  });
}

// ---- 2024-07-01: service state ------------------------------------------------------

void RegisterServiceState(http::Router& router, ledger::Engine& engine) {
  router.AddRead("GET", "/gov/service/info", {}, [](const Request& request, const kv::Store& store) {
    if (auto bad = CheckApiVersion(request)) return *bad;
    json s = ParseOr(store.Get(gt::kServiceInfo, gt::kSingletonKey), json::object());
    return Response::Json({{"status", s.value("status", "")},
                           {"certificate", s.value("cert", "")},
                           {"recoveryCount", s.value("recovery_count", 0)},
                           {"creationTransactionId", s.value("current_service_create_txid", "")},
                           {"serviceData", s.value("service_data", json())},
                           {"configuration",
                            {{"recoveryThreshold", 0},
                             {"maximumNodeCertificateValidityDays", 365},
                             {"maximumServiceCertificateValidityDays", 365},
                             {"recentCoseProposalsWindowSize", tables::kRecentProposalsWindow}}}});
  });

  router.AddRead("GET", "/gov/service/constitution", {}, [](const Request& request, const kv::Store& store) {
    if (auto bad = CheckApiVersion(request)) return *bad;
    return Response::Text(200, store.Get(tables::kConstitution, gt::kSingletonKey).value_or(""),
                          "text/javascript");
  });

  router.AddRead("GET", "/gov/service/members", {}, [](const Request& request, const kv::Store& store) {
    if (auto bad = CheckApiVersion(request)) return *bad;
    json list = json::array();
    for (const auto& id : Keys(store, gt::kMemberCerts)) list.push_back(MemberJson(store, id));
    return Response::Json({{"value", list}});
  });
  router.AddRead(
      "GET", "/gov/service/members/{memberId}", {}, [](const Request& request, const kv::Store& store) {
        if (auto bad = CheckApiVersion(request)) return *bad;
        auto id = HexParam(request, "memberId", "member");
        if (const Refusal* r = RefusalOf(id)) return r->ToResponse();
        const std::string& mid = std::get<std::string>(id);
        if (!store.Get(gt::kMemberCerts, mid))
          return Response::Error(404, "ResourceNotFound", fmt::format("Member {} does not exist.", mid));
        return Response::Json(MemberJson(store, mid));
      });

  router.AddRead("GET", "/gov/service/users", {}, [](const Request& request, const kv::Store& store) {
    if (auto bad = CheckApiVersion(request)) return *bad;
    json list = json::array();
    for (const auto& id : Keys(store, gt::kUserCerts)) list.push_back(UserJson(store, id));
    return Response::Json({{"value", list}});
  });
  router.AddRead(
      "GET", "/gov/service/users/{userId}", {}, [](const Request& request, const kv::Store& store) {
        if (auto bad = CheckApiVersion(request)) return *bad;
        auto id = HexParam(request, "userId", "user");
        if (const Refusal* r = RefusalOf(id)) return r->ToResponse();
        const std::string& uid = std::get<std::string>(id);
        if (!store.Get(gt::kUserCerts, uid))
          return Response::Error(404, "ResourceNotFound", fmt::format("User {} does not exist.", uid));
        return Response::Json(UserJson(store, uid));
      });

  router.AddRead("GET", "/gov/service/nodes", {}, [](const Request& request, const kv::Store& store) {
    if (auto bad = CheckApiVersion(request)) return *bad;
    json list = json::array();
    store.ForEach(gt::kNodesInfo, [&](const std::string& id, const std::string& v) {
      list.push_back(NodeJson(id, ParseOr(v, json::object())));
      return true;
    });
    return Response::Json({{"value", list}});
  });
  router.AddRead(
      "GET", "/gov/service/nodes/{nodeId}", {}, [](const Request& request, const kv::Store& store) {
        if (auto bad = CheckApiVersion(request)) return *bad;
        auto id = HexParam(request, "nodeId", "node");
        if (const Refusal* r = RefusalOf(id)) return r->ToResponse();
        const std::string& nid = std::get<std::string>(id);
        auto info = store.Get(gt::kNodesInfo, nid);
        if (!info)
          return Response::Error(404, "ResourceNotFound", fmt::format("Node {} does not exist.", nid));
        return Response::Json(NodeJson(nid, ParseOr(info, json::object())));
      });

  router.AddDirect("GET", "/gov/service/transactions/commit", {}, [&engine](const Request& request) {
    if (auto bad = CheckApiVersion(request)) return *bad;
    return Response::Json({{"status", "Committed"}, {"transactionId", engine.LastCommitted().ToString()}});
  });
  router.AddDirect("GET", "/gov/service/transactions/{transactionId}", {}, [&engine](const Request& request) {
    if (auto bad = CheckApiVersion(request)) return *bad;
    const std::string& text = request.param("transactionId");
    auto txid = bank::TxId::Parse(text);
    if (!txid)
      return Response::Error(
          400, "InvalidResourceName",
          fmt::format("The value '{}' passed as transactionId is not a valid transaction ID", text));
    return Response::Json(
        {{"status", bank::TxStatusName(engine.Status(*txid))}, {"transactionId", txid->ToString()}});
  });
}

// ---- classic API ---------------------------------------------------------------------

std::optional<Response> CheckClassicActive(const Request& request, const kv::Tx& tx) {
  if (!IsActive(tx, request.caller.id))
    return Response::Error(403, "AuthorizationFailed",
                           fmt::format("Member {} is not active.", request.caller.id));
  return std::nullopt;
}

void RegisterClassic(http::Router& router, ledger::Engine& engine) {
  using auth::MemberCoseSign1Policy;

  router.AddWrite("POST", "/gov/proposals", {MemberCoseSign1Policy(cose::kProposal)},
                  [&engine](const Request& request, kv::Tx& tx, const bank::TxId& txid) {
                    if (auto bad = CheckClassicActive(request, tx)) return *bad;
                    auto created = CreateProposal(tx, Context(engine, txid), request.caller);
                    if (const Refusal* r = RefusalOf(created)) return r->ToResponse();
                    RecordHistory(tx, request);
                    const auto& c = std::get<Created>(created);
                    return Response::Json(ClassicSummaryJson(c.id, c.info));
                  });

  router.AddRead("GET", "/gov/proposals", {}, [](const Request&, const kv::Store& store) {
    json open = json::object();
    store.ForEach(tables::kProposalsInfo, [&](const std::string& id, const std::string& v) {
      auto info = ProposalInfo::Parse(v);
      if (info && info->state == "Open") open[id] = info->ToJson();
      return true;
    });
    return Response::Json(open);
  });

  router.AddRead(
      "GET", "/gov/proposals/{proposal_id}", {}, [](const Request& request, const kv::Store& store) {
        const std::string& pid = request.param("proposal_id");
        auto stored = store.Get(tables::kProposalsInfo, pid);
        auto info = stored ? ProposalInfo::Parse(*stored) : std::nullopt;
        if (!info)
          return Response::Error(404, "ProposalNotFound", fmt::format("Proposal {} does not exist.", pid));
        return Response::Json(info->ToJson());
      });

  router.AddRead(
      "GET", "/gov/proposals/{proposal_id}/actions", {}, [](const Request& request, const kv::Store& store) {
        const std::string& pid = request.param("proposal_id");
        auto proposal = store.Get(tables::kProposals, pid);
        if (!proposal)
          return Response::Error(404, "ProposalNotFound", fmt::format("Proposal {} does not exist.", pid));
        return Response::Text(200, *proposal, "application/json");
      });

  router.AddWrite("POST", "/gov/proposals/{proposal_id}/ballots", {MemberCoseSign1Policy(cose::kBallot)},
                  [&engine](const Request& request, kv::Tx& tx, const bank::TxId& txid) {
                    const std::string& pid = request.param("proposal_id");
                    if (auto bad = CheckSignedProposalId(request, pid)) return *bad;
                    if (auto bad = CheckClassicActive(request, tx)) return *bad;
                    auto voted =
                        SubmitBallot(tx, Context(engine, txid), request.caller, pid, Flavor::kClassic);
                    if (const Refusal* r = RefusalOf(voted)) return r->ToResponse();
                    RecordHistory(tx, request);
                    return Response::Json(ClassicSummaryJson(pid, std::get<ProposalInfo>(voted)));
                  });

  router.AddRead(
      "GET", "/gov/proposals/{proposal_id}/ballots/{member_id}", {},
      [](const Request& request, const kv::Store& store) {
        const std::string& pid = request.param("proposal_id");
        const std::string& mid = request.param("member_id");
        auto stored = store.Get(tables::kProposalsInfo, pid);
        auto info = stored ? ProposalInfo::Parse(*stored) : std::nullopt;
        if (!info)
          return Response::Error(404, "ProposalNotFound", fmt::format("Proposal {} does not exist.", pid));
        auto it = info->ballots.find(mid);
        if (it == info->ballots.end())
          return Response::Error(404, "VoteNotFound",
                                 fmt::format("Member {} has not voted for proposal {}.", mid, pid));
        return Response::Json({{"ballot", it->second}});
      });

  router.AddWrite("POST", "/gov/proposals/{proposal_id}/withdraw", {MemberCoseSign1Policy(cose::kWithdrawal)},
                  [](const Request& request, kv::Tx& tx, const bank::TxId&) {
                    const std::string& pid = request.param("proposal_id");
                    if (auto bad = CheckSignedProposalId(request, pid)) return *bad;
                    if (auto bad = CheckClassicActive(request, tx)) return *bad;
                    auto withdrawn = WithdrawProposal(tx, request.caller, pid, Flavor::kClassic);
                    if (const Refusal* r = RefusalOf(withdrawn)) return r->ToResponse();
                    RecordHistory(tx, request);
                    return Response::Json(std::get<std::optional<ProposalInfo>>(withdrawn)->ToJson());
                  });

  router.AddRead("GET", "/gov/members", {}, [](const Request&, const kv::Store& store) {
    json members = json::object();
    for (const auto& id : Keys(store, gt::kMemberCerts)) {
      json info = ParseOr(store.Get(gt::kMemberInfo, id), json::object());
      json m = {{"cert", store.Get(gt::kMemberCerts, id).value_or("")},
                {"member_data", info.value("member_data", json())},
                {"status", info.value("status", "Accepted")}};
      if (auto enc = store.Get(gt::kMemberEncryptionKeys, id)) m["public_encryption_key"] = *enc;
      members[id] = m;
    }
    return Response::Json(members);
  });

  // Read-only dumps of the governance tables, /gov/kv/<a>[/<b>] for
  // public:ccf.gov.<a>[.<b>]: maps as {key: value}, the constitution as a
  // JSON string, service info as its one value.
  auto dump = [](const std::string& name, const kv::Store& store) {
    static const std::set<std::string> kTables = {"constitution",
                                                  "users.certs",
                                                  "users.info",
                                                  "members.certs",
                                                  "members.info",
                                                  "members.acks",
                                                  "nodes.info",
                                                  "service.info",
                                                  "proposals",
                                                  "proposals_info",
                                                  "members.encryption_public_keys"};
    if (!kTables.count(name))
      return Response::Error(404, "ResourceNotFound", fmt::format("Unknown path: /gov/kv/{}.", name));
    const std::string table = "public:ccf.gov." + name;
    if (name == "constitution") return Response::Json(store.Get(table, gt::kSingletonKey).value_or(""));
    if (name == "service.info") return Response::Json(ParseOr(store.Get(table, gt::kSingletonKey), json()));
    json out = json::object();
    store.ForEach(table, [&](const std::string& k, const std::string& v) {
      json parsed = json::parse(v, nullptr, false);
      out[k] = parsed.is_discarded() ? json(v) : parsed;
      return true;
    });
    return Response::Json(out);
  };
  router.AddRead("GET", "/gov/kv/{table}", {}, [dump](const Request& request, const kv::Store& store) {
    return dump(request.param("table"), store);
  });
  router.AddRead("GET", "/gov/kv/{table}/{subtable}", {},
                 [dump](const Request& request, const kv::Store& store) {
                   return dump(request.param("table") + "." + request.param("subtable"), store);
                 });
}

}  // namespace

void InstallGovernance(http::Router& router, ledger::Engine& engine) {
  engine.Write([](kv::Tx& tx) {
    if (tx.Get(tables::kConstitution, gt::kSingletonKey)) return false;
    tx.Put(tables::kConstitution, gt::kSingletonKey, DefaultConstitution());
    return true;
  });
  RegisterProposals(router, engine);
  RegisterStateDigests(router, engine);
  RegisterServiceState(router, engine);
  RegisterClassic(router, engine);
}

}  // namespace bankd::governance
