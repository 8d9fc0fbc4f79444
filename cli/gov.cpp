// Governance commands (`bankctl gov ...`): proposals with typed templates,
// ballots, withdrawals, the governance reads, member activation, waiting
// for a proposal, and COSE_Sign1 signing for other tools (`gov sign` is a
// drop-in for CCF's ccf_cose_sign1; `gov prepare` / `gov finish` for
// ccf_cose_sign1_prepare / _finish, i.e. signing in an HSM or key vault).
//
// Every command speaks the 2024-07-01 API or the classic one, whichever the
// service offers (--api forces one).
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <thread>

#include "bank/certificate.hpp"
#include "bank/cose.hpp"
#include "bank/encoding.hpp"
#include "bank/gov_client.hpp"
#include "cli.hpp"
#include "gov_bundle.hpp"
#include "gov_sign.hpp"
#include "user_ref.hpp"

namespace bankctl {
namespace {

using bank::Result;
using bank::Status;
using nlohmann::json;
namespace gov = bank::gov;
namespace cose = bank::cose;

struct GovOptions {
  std::string api = "auto";
};

std::string Short(const std::string& id) { return id.size() > 12 ? id.substr(0, 12) + "…" : id; }

Result<std::unique_ptr<gov::GovClient>> MakeClient(Context& ctx, const GovOptions& o, bool signs) {
  BANK_ASSIGN_OR_RETURN(gov::Api api, gov::ParseApi(o.api));
  BANK_ASSIGN_OR_RETURN(bank::HttpClient * http, ctx.Client());
  std::optional<bank::Identity> signer;
  if (signs) {
    BANK_ASSIGN_OR_RETURN(bank::Identity id, ctx.SigningIdentity());
    signer = std::move(id);
  }
  return std::make_unique<gov::GovClient>(*http, std::move(signer), gov::GovClientOptions{api, {}});
}

// --data: inline JSON, or @FILE.
Result<json> ReadData(const std::string& text) {
  std::string source = "--data";
  std::string body = text;
  if (!text.empty() && text[0] == '@') {
    source = text.substr(1);
    BANK_ASSIGN_OR_RETURN(body, bank::ReadFile(source));
  }
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return Status::Usage(source + ": not valid JSON");
  if (!j.is_object()) return Status::Usage(source + ": must be a JSON object");
  return j;
}

Result<std::string> ReadCertificatePem(const std::string& path) {
  BANK_ASSIGN_OR_RETURN(bank::Certificate cert, bank::Certificate::LoadFile(path));
  return cert.Pem();
}

std::string VoteCountLine(const gov::Proposal& p) {
  return fmt::format("proposal {}: {} ({} ballot{})", p.id, p.state, p.ballot_count,
                     p.ballot_count == 1 ? "" : "s");
}

// ---- propose -----------------------------------------------------------------

struct ProposeArgs {
  std::string cert, enc_pubk, data, id, node_id, valid_from, raw_file, service_cert, app, name, reason;
  std::optional<uint64_t> max_transfer, daily_outgoing_limit, review_above;
  int validity_days = 0;
  bool print = false, disable_bytecode_cache = false;
  std::vector<std::string> files;
};

json Action(const std::string& name, json args) {
  json action = {{"name", name}};
  if (!args.is_null()) action["args"] = std::move(args);
  return {{"actions", json::array({action})}};
}

Status Submit(Context& ctx, const GovOptions& o, const json& proposal) {
  BANK_ASSIGN_OR_RETURN(auto client, MakeClient(ctx, o, true));
  BANK_ASSIGN_OR_RETURN(gov::Proposal p, client->Propose(proposal));
  ctx.Emit(p.ToJson(), fmt::format("proposal {}\nstate {}", p.id, p.state));
  return Status::OK();
}

using ProposalBuilder = std::function<Result<json>(Context&, const GovOptions&, const ProposeArgs&)>;

Result<json> AddUser(Context&, const GovOptions&, const ProposeArgs& a) {
  BANK_ASSIGN_OR_RETURN(std::string pem, ReadCertificatePem(a.cert));
  json args = {{"cert", pem}};
  if (!a.data.empty()) {
    BANK_ASSIGN_OR_RETURN(args["user_data"], ReadData(a.data));
  }
  return Action("set_user", args);
}

Result<json> RemoveUser(Context& ctx, const GovOptions&, const ProposeArgs& a) {
  BANK_ASSIGN_OR_RETURN(std::string id, ctx.ResolveId(a.id));
  return Action("remove_user", {{"user_id", id}});
}

Result<json> SetUserData(Context& ctx, const GovOptions&, const ProposeArgs& a) {
  BANK_ASSIGN_OR_RETURN(std::string id, ctx.ResolveId(a.id));
  json args = {{"user_id", id}};
  if (!a.data.empty()) {
    BANK_ASSIGN_OR_RETURN(args["user_data"], ReadData(a.data));
  }
  return Action("set_user_data", args);
}

Result<json> AddMember(Context&, const GovOptions&, const ProposeArgs& a) {
  BANK_ASSIGN_OR_RETURN(std::string pem, ReadCertificatePem(a.cert));
  json args = {{"cert", pem}};
  if (!a.enc_pubk.empty()) {
    BANK_ASSIGN_OR_RETURN(std::string text, bank::ReadFile(a.enc_pubk));
    auto key = bank::PublicKey::FromPem(text);
    if (!key.ok()) return key.status().WithContext(a.enc_pubk);
    args["encryption_pub_key"] = key->Pem();
  }
  if (!a.data.empty()) {
    BANK_ASSIGN_OR_RETURN(args["member_data"], ReadData(a.data));
  }
  return Action("set_member", args);
}

Result<json> RemoveMember(Context& ctx, const GovOptions&, const ProposeArgs& a) {
  BANK_ASSIGN_OR_RETURN(std::string id, ctx.ResolveId(a.id));
  return Action("remove_member", {{"member_id", id}});
}

Result<json> SetMemberData(Context& ctx, const GovOptions&, const ProposeArgs& a) {
  BANK_ASSIGN_OR_RETURN(std::string id, ctx.ResolveId(a.id));
  BANK_ASSIGN_OR_RETURN(json data, ReadData(a.data));
  return Action("set_member_data", {{"member_id", id}, {"member_data", data}});
}

Result<json> OpenService(Context& ctx, const GovOptions& o, const ProposeArgs& a) {
  std::string pem;
  if (!a.service_cert.empty()) {
    BANK_ASSIGN_OR_RETURN(pem, ReadCertificatePem(a.service_cert));
  } else {
    BANK_ASSIGN_OR_RETURN(auto client, MakeClient(ctx, o, false));
    BANK_ASSIGN_OR_RETURN(gov::ServiceInfo info, client->GetServiceInfo());
    if (info.certificate.empty())
      return Status::Rejected("the service reports no certificate (pass --service-cert)");
    pem = info.certificate;
  }
  return Action("transition_service_to_open", {{"next_service_identity", pem}});
}

Result<json> TrustNode(Context&, const GovOptions&, const ProposeArgs& a) {
  if (!bank::IsHexId(a.node_id)) return Status::Usage("NODE_ID must be 64 lowercase hex characters");
  json args = {{"node_id", a.node_id},
               {"valid_from", a.valid_from.empty() ? bank::FormatTime(std::time(nullptr)) : a.valid_from}};
  if (a.validity_days > 0) args["validity_period_days"] = a.validity_days;
  return Action("transition_node_to_trusted", args);
}

Result<json> SetConstitution(Context&, const GovOptions&, const ProposeArgs& a) {
  // Concatenated in the order given, as cchost concatenates constitution_files.
  BANK_ASSIGN_OR_RETURN(std::vector<std::string> files, ConstitutionFiles(a.files));
  std::string text;
  for (const auto& f : files) {
    BANK_ASSIGN_OR_RETURN(std::string part, bank::ReadFile(f));
    text += part;
  }
  return Action("set_constitution", {{"constitution", text}});
}

// CCF's set_js_app {bundle, disable_bytecode_cache}; bankd refuses it (its
// banking application is native), a CCF service installs the endpoints.
Result<json> SetJsApp(Context&, const GovOptions&, const ProposeArgs& a) {
  BANK_ASSIGN_OR_RETURN(json bundle, LoadAppBundle(a.app));
  return Action("set_js_app", {{"bundle", bundle}, {"disable_bytecode_cache", a.disable_bytecode_cache}});
}

Result<json> RemoveJsApp(Context&, const GovOptions&, const ProposeArgs&) {
  return Action("remove_js_app", nullptr);
}

// The consortium's banking rules (governance-scripts/constitution/actions.js).
Result<json> SetUserName(Context& ctx, const GovOptions&, const ProposeArgs& a) {
  BANK_ASSIGN_OR_RETURN(std::string id, ResolveUser(ctx, a.id));
  return Action("set_user_name", {{"user_id", id}, {"name", a.name}});
}

Result<json> RemoveUserName(Context&, const GovOptions&, const ProposeArgs& a) {
  return Action("remove_user_name", {{"name", a.name}});
}

// Replaces the whole policy: a limit not given is no limit.
Result<json> SetTransferPolicy(Context&, const GovOptions&, const ProposeArgs& a) {
  json args = json::object();
  if (a.max_transfer) args["max_transfer"] = *a.max_transfer;
  if (a.daily_outgoing_limit) args["daily_outgoing_limit"] = *a.daily_outgoing_limit;
  if (a.review_above) args["review_above"] = *a.review_above;
  return Action("set_transfer_policy", args);
}

Result<json> FreezeUser(Context& ctx, const GovOptions&, const ProposeArgs& a, bool freeze) {
  BANK_ASSIGN_OR_RETURN(std::string id, ResolveUser(ctx, a.id));
  return Action(freeze ? "freeze_user" : "unfreeze_user", {{"user_id", id}, {"reason", a.reason}});
}

Result<json> Raw(Context&, const GovOptions&, const ProposeArgs& a) {
  BANK_ASSIGN_OR_RETURN(std::string text, ReadContent(a.raw_file));
  return gov::ParseProposalFile(text, a.raw_file == "-" ? "standard input" : a.raw_file);
}

// ---- vote, withdraw, show, list ----------------------------------------------

struct VoteArgs {
  std::string id, ballot_file;
  bool accept = false, reject = false;
};

Status Vote(Context& ctx, const GovOptions& o, const VoteArgs& a) {
  if (a.accept + a.reject + !a.ballot_file.empty() != 1)
    return Status::Usage("give exactly one of --accept, --reject, --ballot FILE");
  std::string ballot;
  if (!a.ballot_file.empty()) {
    BANK_ASSIGN_OR_RETURN(std::string text, ReadContent(a.ballot_file));
    // governance-scripts/ballots/*.json: {"ballot": "<js>"}; or the bare JavaScript.
    json j = json::parse(text, nullptr, false);
    if (j.is_object() && j.contains("ballot") && j["ballot"].is_string())
      ballot = j["ballot"].get<std::string>();
    else if (j.is_discarded())
      ballot = text;
    else
      return Status::InputFile(a.ballot_file + ": JSON ballot files hold {\"ballot\": \"<JavaScript>\"}");
  } else {
    ballot = gov::BallotJs(a.accept);
  }
  BANK_ASSIGN_OR_RETURN(auto client, MakeClient(ctx, o, true));
  BANK_ASSIGN_OR_RETURN(gov::Proposal p, client->Vote(a.id, ballot));
  ctx.Emit(p.ToJson(), VoteCountLine(p));
  return Status::OK();
}

Status Withdraw(Context& ctx, const GovOptions& o, const std::string& id) {
  BANK_ASSIGN_OR_RETURN(auto client, MakeClient(ctx, o, true));
  BANK_ASSIGN_OR_RETURN(gov::Proposal p, client->Withdraw(id));
  ctx.Emit(p.ToJson(), VoteCountLine(p));
  return Status::OK();
}

// "accept" / "reject" for a constant ballot, else "ballot submitted".
std::string DescribeBallot(const std::string& js) {
  if (js == gov::BallotJs(true)) return "accept";
  if (js == gov::BallotJs(false)) return "reject";
  return "ballot submitted";
}

Status Show(Context& ctx, const GovOptions& o, const std::string& id) {
  BANK_ASSIGN_OR_RETURN(auto client, MakeClient(ctx, o, false));
  BANK_ASSIGN_OR_RETURN(gov::Proposal p, client->GetProposal(id));
  BANK_ASSIGN_OR_RETURN(std::vector<gov::Member> members, client->Members());
  auto actions = client->GetActions(id);

  size_t active = 0, yes = 0;
  json votes = json::object();
  std::string lines;
  for (const auto& m : members) {
    if (m.status == "Active") ++active;
    std::string vote;
    if (auto it = p.final_votes.find(m.id); it != p.final_votes.end()) {
      vote = it->second ? "accept" : "reject";
    } else {
      BANK_ASSIGN_OR_RETURN(std::optional<std::string> ballot, client->GetBallot(id, m.id));
      if (ballot) vote = DescribeBallot(*ballot);
    }
    if (vote == "accept") ++yes;
    if (!vote.empty()) votes[m.id] = vote;
    std::string who = Short(m.id);
    if (auto cert = bank::Certificate::FromPem(m.cert); cert.ok()) who = cert->CommonName() + " " + who;
    lines += fmt::format("  {:<24} {:<9} {}\n", who, m.status, vote.empty() ? "-" : vote);
  }
  // Under a strict-majority constitution (bankd's, and governance-scripts').
  const size_t needed = p.state == "Open" && yes <= active / 2 ? active / 2 + 1 - yes : 0;
  json out = p.ToJson();
  out["votes"] = votes;
  out["activeMembers"] = active;
  out["votesStillNeeded"] = needed;
  if (actions.ok()) out["actions"] = (*actions).value("actions", json::array());

  std::string text = fmt::format("proposal {}\nstate     {}\nproposer  {}\n", p.id, p.state, p.proposer_id);
  if (actions.ok())
    for (const auto& a : (*actions).value("actions", json::array()))
      text += fmt::format("action    {}\n", a.value("name", "?"));
  text += "votes:\n" + lines;
  if (p.state == "Open")
    text += fmt::format("{} more accepting vote{} needed (strict majority of {} active members)\n", needed,
                        needed == 1 ? "" : "s", active);
  if (!p.failure.is_null()) text += "failure   " + p.failure.dump() + "\n";
  ctx.Emit(out, text);
  return Status::OK();
}

Status List(Context& ctx, const GovOptions& o) {
  BANK_ASSIGN_OR_RETURN(auto client, MakeClient(ctx, o, false));
  BANK_ASSIGN_OR_RETURN(std::vector<gov::Proposal> proposals, client->ListProposals());
  json out = json::array();
  std::string text;
  for (const auto& p : proposals) {
    out.push_back(p.ToJson());
    text += fmt::format("{}  {:<9} ballots {}  proposer {}\n", p.id, p.state, p.ballot_count,
                        Short(p.proposer_id));
  }
  if (proposals.empty()) text = "no proposals\n";
  ctx.Emit(out, text);
  return Status::OK();
}

Status Members(Context& ctx, const GovOptions& o) {
  BANK_ASSIGN_OR_RETURN(auto client, MakeClient(ctx, o, false));
  BANK_ASSIGN_OR_RETURN(std::vector<gov::Member> members, client->Members());
  json out = json::array();
  std::string text;
  for (const auto& m : members) {
    out.push_back(m.ToJson());
    std::string cn;
    if (auto cert = bank::Certificate::FromPem(m.cert); cert.ok()) cn = cert->CommonName();
    text += fmt::format("{}  {:<9} {}{}\n", m.id, m.status, cn,
                        m.public_encryption_key.empty() ? "" : "  (recovery)");
  }
  ctx.Emit(out, text.empty() ? "no members\n" : text);
  return Status::OK();
}

Status Users(Context& ctx, const GovOptions& o) {
  BANK_ASSIGN_OR_RETURN(auto client, MakeClient(ctx, o, false));
  BANK_ASSIGN_OR_RETURN(std::vector<gov::User> users, client->Users());
  json out = json::array();
  std::string text;
  for (const auto& u : users) {
    out.push_back(u.ToJson());
    std::string cn;
    if (auto cert = bank::Certificate::FromPem(u.cert); cert.ok()) cn = cert->CommonName();
    text += fmt::format("{}  {}{}\n", u.id, cn, u.user_data.is_null() ? "" : "  " + u.user_data.dump());
  }
  ctx.Emit(out, text.empty() ? "no users\n" : text);
  return Status::OK();
}

Status Nodes(Context& ctx, const GovOptions& o) {
  BANK_ASSIGN_OR_RETURN(auto client, MakeClient(ctx, o, false));
  BANK_ASSIGN_OR_RETURN(std::vector<gov::Node> nodes, client->Nodes());
  json out = json::array();
  std::string text;
  for (const auto& n : nodes) {
    out.push_back(n.ToJson());
    text += fmt::format("{}  {}\n", n.id, n.status);
  }
  ctx.Emit(out, text.empty() ? "no nodes\n" : text);
  return Status::OK();
}

Status Activate(Context& ctx, const GovOptions& o) {
  BANK_ASSIGN_OR_RETURN(auto client, MakeClient(ctx, o, true));
  BANK_ASSIGN_OR_RETURN(std::string digest, client->Activate());
  const std::string id = client->signer()->id();
  ctx.Emit({{"memberId", id}, {"stateDigest", digest}, {"status", "Active"}},
           fmt::format("member {} acknowledged state digest {}: Active", id, digest));
  return Status::OK();
}

struct WaitArgs {
  std::string id, state = "Accepted";
};

Status Wait(Context& ctx, const GovOptions& o, const WaitArgs& a) {
  BANK_ASSIGN_OR_RETURN(auto client, MakeClient(ctx, o, false));
  // The global --timeout bounds the wait.
  const double timeout = ctx.settings.timeout_seconds;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long long>(timeout * 1000));
  std::string last;
  while (true) {
    BANK_ASSIGN_OR_RETURN(gov::Proposal p, client->GetProposal(a.id));
    const std::string line = VoteCountLine(p);
    if (line != last) ctx.Progress(line);
    last = line;
    if (p.state == a.state) {
      ctx.Emit(p.ToJson(), line);
      return Status::OK();
    }
    if (p.state != "Open")
      return Status::Rejected(
          fmt::format("proposal {} is {}, it will not become {}", p.id, p.state, a.state));
    if (std::chrono::steady_clock::now() >= deadline)
      return Status::Network(
          fmt::format("timed out after {} s: proposal {} is still {}", timeout, p.id, p.state));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// ---- registration ------------------------------------------------------------

void RegisterPropose(CLI::App* gov, Context& ctx, const std::shared_ptr<GovOptions>& o) {
  auto* propose = gov->add_subcommand("propose", "Submit a signed proposal; prints its id and state");
  propose->require_subcommand(1);
  propose->fallthrough();  // --print after the subcommand too
  auto a = std::make_shared<ProposeArgs>();
  propose->add_flag("--print", a->print, "Write the proposal JSON on stdout instead of sending it");
  auto bind = [&ctx, o](CLI::App* cmd, ProposalBuilder build, const std::shared_ptr<ProposeArgs>& a) {
    ctx.Bind(cmd, [&ctx, o, build, a]() -> Status {
      BANK_ASSIGN_OR_RETURN(json proposal, build(ctx, *o, *a));
      if (a->print) {
        ctx.Emit(proposal, proposal.dump(2));
        return Status::OK();
      }
      return Submit(ctx, *o, proposal);
    });
  };
  const char* kDataHelp = "JSON object (inline, or @FILE)";

  auto* add_user = propose->add_subcommand("add-user", "set_user: register a user certificate");
  add_user->add_option("CERT", a->cert, "The user's certificate (PEM)")->required()->type_name("FILE");
  add_user->add_option("--data", a->data, kDataHelp);
  bind(add_user, AddUser, a);

  auto* remove_user = propose->add_subcommand("remove-user", "remove_user");
  remove_user->add_option("ID", a->id, "User id, workspace identity name, or certificate file")->required();
  bind(remove_user, RemoveUser, a);

  auto* user_data = propose->add_subcommand("set-user-data", "set_user_data (without --data: clear it)");
  user_data->add_option("ID", a->id, "User id, workspace identity name, or certificate file")->required();
  user_data->add_option("--data", a->data, kDataHelp);
  bind(user_data, SetUserData, a);

  auto* add_member = propose->add_subcommand("add-member", "set_member: a new member (starts Accepted)");
  add_member->add_option("CERT", a->cert, "The member's certificate (PEM)")->required()->type_name("FILE");
  add_member
      ->add_option("ENC_PUBK", a->enc_pubk, "The member's encryption public key (PEM): a recovery member")
      ->type_name("FILE");
  add_member->add_option("--data", a->data, kDataHelp);
  bind(add_member, AddMember, a);

  auto* remove_member = propose->add_subcommand("remove-member", "remove_member");
  remove_member->add_option("ID", a->id, "Member id, workspace identity name, or certificate file")
      ->required();
  bind(remove_member, RemoveMember, a);

  auto* member_data = propose->add_subcommand("set-member-data", "set_member_data");
  member_data->add_option("ID", a->id, "Member id, workspace identity name, or certificate file")->required();
  member_data->add_option("--data", a->data, kDataHelp)->required();
  bind(member_data, SetMemberData, a);

  auto* open = propose->add_subcommand("open-service", "transition_service_to_open");
  open->add_option("--service-cert", a->service_cert,
                   "Service certificate (default: as the service reports it)")
      ->type_name("FILE");
  bind(open, OpenService, a);

  auto* trust = propose->add_subcommand("trust-node", "transition_node_to_trusted");
  trust->add_option("NODE_ID", a->node_id, "The node's id (64 hex)")->required();
  trust->add_option("--valid-from", a->valid_from, "Start of the node certificate's validity (default now)");
  trust->add_option("--validity-days", a->validity_days, "Validity of the node certificate in days")
      ->check(CLI::PositiveNumber);
  bind(trust, TrustNode, a);

  auto* constitution = propose->add_subcommand("set-constitution", "set_constitution from JavaScript files");
  constitution
      ->add_option("FILES", a->files,
                   "Constitution files, concatenated in order, or a governance-scripts directory "
                   "(default: governance-scripts/constitution/{actions,validate,resolve,apply}.js)")
      ->type_name("FILE");
  bind(constitution, SetConstitution, a);

  auto* js_app = propose->add_subcommand("set-js-app", "set_js_app: deploy a CCF JavaScript app bundle");
  js_app
      ->add_option("DIR", a->app, "Bundle directory (app.json + src/), e.g. ccf-app/, or a built bundle.json")
      ->required()
      ->type_name("DIR");
  js_app->add_flag("--disable-bytecode-cache", a->disable_bytecode_cache,
                   "Ask CCF not to cache the modules' compiled bytecode");
  bind(js_app, SetJsApp, a);

  bind(propose->add_subcommand("remove-js-app", "remove_js_app: remove the service's JavaScript app"),
       RemoveJsApp, a);

  auto* user_name =
      propose->add_subcommand("set-user-name", "set_user_name: name a user in your bank's directory");
  user_name->add_option("USER", a->id, "User id, workspace identity name, certificate file or name*bank")
      ->required();
  user_name->add_option("NAME", a->name, "The name (NAME*<your bank> in the directory)")->required();
  bind(user_name, SetUserName, a);

  auto* remove_name =
      propose->add_subcommand("remove-user-name", "remove_user_name: drop a name of your bank");
  remove_name->add_option("NAME", a->name, "The name")->required();
  bind(remove_name, RemoveUserName, a);

  auto* policy = propose->add_subcommand(
      "set-transfer-policy",
      "set_transfer_policy: replaces the whole policy (a limit not given is no limit)");
  policy->add_option("--max-transfer", a->max_transfer, "Largest single transfer");
  policy->add_option("--daily-outgoing-limit", a->daily_outgoing_limit, "Most a user may send per UTC day");
  policy->add_option("--review-above", a->review_above,
                     "Transfers above this are held for a member's review");
  bind(policy, SetTransferPolicy, a);

  for (bool freeze : {true, false}) {
    auto* cmd = propose->add_subcommand(
        freeze ? "freeze-user" : "unfreeze-user",
        freeze ? "freeze_user: no transfer from or to the user" : "unfreeze_user: lift a freeze");
    cmd->add_option("USER", a->id, "User id, workspace identity name, certificate file or name*bank")
        ->required();
    cmd->add_option("--reason", a->reason, "Why (recorded with the decision)")->required();
    bind(
        cmd,
        [freeze](Context& c, const GovOptions& o, const ProposeArgs& p) {
          return FreezeUser(c, o, p, freeze);
        },
        a);
  }

  auto* raw = propose->add_subcommand("raw", "Any proposal: a JSON file {\"actions\": [...]}");
  raw->add_option("FILE", a->raw_file, "Proposal JSON file, or - for standard input")
      ->required()
      ->type_name("FILE");
  bind(raw, Raw, a);
}

void Register(CLI::App& app, Context& ctx) {
  auto* gov_cmd = app.add_subcommand("gov", "Governance: proposals, ballots, members (COSE_Sign1-signed)");
  gov_cmd->require_subcommand(1);
  auto o = std::make_shared<GovOptions>();
  gov_cmd->add_option("--api", o->api, "Governance API: auto (ask the service), classic or 2024-07-01")
      ->check(CLI::IsMember({"auto", "classic", gov::kApiVersion}));

  RegisterPropose(gov_cmd, ctx, o);

  auto v = std::make_shared<VoteArgs>();
  auto* vote = gov_cmd->add_subcommand("vote", "Submit a ballot on a proposal");
  vote->add_option("ID", v->id, "Proposal id")->required();
  vote->add_flag("--accept", v->accept, "Vote for (ballot: return true)");
  vote->add_flag("--reject", v->reject, "Vote against (ballot: return false)");
  vote->add_option("--ballot", v->ballot_file, "Ballot file: JSON {\"ballot\": ...} or JavaScript")
      ->type_name("FILE");
  ctx.Bind(vote, [&ctx, o, v] { return Vote(ctx, *o, *v); });

  auto withdraw_id = std::make_shared<std::string>();
  auto* withdraw = gov_cmd->add_subcommand("withdraw", "Withdraw your own Open proposal");
  withdraw->add_option("ID", *withdraw_id, "Proposal id")->required();
  ctx.Bind(withdraw, [&ctx, o, withdraw_id] { return Withdraw(ctx, *o, *withdraw_id); });

  auto show_id = std::make_shared<std::string>();
  auto* show = gov_cmd->add_subcommand("show", "A proposal: its actions, who voted what, votes still needed");
  show->add_option("ID", *show_id, "Proposal id")->required();
  ctx.Bind(show, [&ctx, o, show_id] { return Show(ctx, *o, *show_id); });

  ctx.Bind(gov_cmd->add_subcommand("list", "Proposals the service keeps (classic API: the Open ones)"),
           [&ctx, o] { return List(ctx, *o); });
  ctx.Bind(gov_cmd->add_subcommand("members", "Members and their status"),
           [&ctx, o] { return Members(ctx, *o); });
  ctx.Bind(gov_cmd->add_subcommand("users", "Users"), [&ctx, o] { return Users(ctx, *o); });
  ctx.Bind(gov_cmd->add_subcommand("nodes", "Nodes"), [&ctx, o] { return Nodes(ctx, *o); });
  ctx.Bind(
      gov_cmd->add_subcommand("activate", "Acknowledge the state digest: an Accepted member becomes Active"),
      [&ctx, o] { return Activate(ctx, *o); });

  auto w = std::make_shared<WaitArgs>();
  auto* wait = gov_cmd->add_subcommand(
      "wait", "Wait until a proposal reaches a state (progress on stderr; bounded by --timeout)");
  wait->add_option("ID", w->id, "Proposal id")->required();
  wait->add_option("--state", w->state, "State to wait for")
      ->check(CLI::IsMember({"Accepted", "Rejected", "Withdrawn", "Failed", "Dropped"}));
  ctx.Bind(wait, [&ctx, o, w] { return Wait(ctx, *o, *w); });

  RegisterGovSigning(gov_cmd, ctx);
}

}  // namespace

BANKCTL_COMMAND_GROUP_ORDERED(Register, 30);

}  // namespace bankctl
