// `bankctl node config start|join`: writes the JSON configuration of a real
// CCF node (`cchost --config FILE`) from flags, for a consortium of banks.
// The checked-in config/cchost-{virtual,snp}.json are this command's output
// with its defaults (a test keeps them equal).
//
// Paths go into the file as given: cchost resolves them against its working
// directory, which may be on another machine, so nothing is checked on disk.
// The defaults assume cchost runs from the root of a bankctl checkout, with
// the identities in workspace/sandbox_common/ (where `bankctl keygen --dir`
// and CCF's sandbox put them) and the node's files in workspace/ccf_node0/.
#include <charconv>
#include <filesystem>
#include <iostream>
#include <memory>

#include "bank/identity.hpp"
#include "cli.hpp"

namespace bankctl {
namespace {

using Json = nlohmann::ordered_json;

struct NodeConfigArgs {
  std::string platform = "virtual";
  std::string enclave_file;  // default per platform
  std::string rpc_address = "127.0.0.1:8000";
  std::string published_address;  // default: rpc_address
  std::string node_address = "127.0.0.1:8001";
  std::string identity_dir = "workspace/sandbox_common";
  std::string node_dir = "workspace/ccf_node0";
  std::vector<std::string> subject_alt_names;  // default: from the published host
  std::string out;
  bool force = false;
  // start
  int member_count = 3;
  std::vector<std::string> members;  // CERT[,ENC]
  std::vector<std::string> constitution;
  int recovery_threshold = 0;
  // join
  std::string target;
  std::string service_cert;  // default: identity_dir/service_cert.pem
};

// CCF 5.x packages install the JS generic application here.
const char* DefaultEnclaveFile(const std::string& platform) {
  return platform == "snp" ? "/opt/ccf_snp/lib/libjs_generic.snp.so"
                           : "/opt/ccf_virtual/lib/libjs_generic.virtual.so";
}

// The order in which CCF concatenates the constitution (see actions.js).
const std::vector<std::string> kConstitution = {
    "governance-scripts/constitution/actions.js", "governance-scripts/constitution/bank_actions.js",
    "governance-scripts/constitution/validate.js", "governance-scripts/constitution/resolve.js",
    "governance-scripts/constitution/apply.js"};

std::string JoinPath(const std::string& dir, const std::string& file) {
  if (dir.empty() || dir == ".") return file;
  return dir.back() == '/' ? dir + file : dir + "/" + file;
}

// "HOST:PORT" with a non-empty host and a port in 1..65535.
bank::Status CheckAddress(const std::string& flag, const std::string& address) {
  const auto colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0) {
    return bank::Status::Usage(flag + " '" + address + "': expected HOST:PORT");
  }
  const char* begin = address.data() + colon + 1;
  const char* end = address.data() + address.size();
  auto [ptr, ec] = std::from_chars(begin, end, port);
  if (ec != std::errc() || ptr != end || port < 1 || port > 65535) {
    return bank::Status::Usage(flag + " '" + address + "': the port must be 1-65535");
  }
  return bank::Status::OK();
}

// An IPv4 or bracketed IPv6 host becomes iPAddress:, anything else dNSName:.
std::string SubjectAltName(const std::string& address) {
  std::string host = address.substr(0, address.rfind(':'));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return "iPAddress:" + host.substr(1, host.size() - 2);
  }
  const bool ipv4 = host.find_first_not_of("0123456789.") == std::string::npos;
  return (ipv4 ? "iPAddress:" : "dNSName:") + host;
}

bank::Result<Json> StartCommand(const NodeConfigArgs& args) {
  Json members = Json::array();
  int recovery_members = 0;
  if (!args.members.empty()) {
    for (const auto& spec : args.members) {
      const auto comma = spec.find(',');
      Json member = {{"certificate_file", spec.substr(0, comma)}};
      if (member["certificate_file"].get<std::string>().empty()) {
        return bank::Status::Usage("--member '" + spec + "': expected CERT or CERT,ENC_PUBK");
      }
      if (comma != std::string::npos) {
        const std::string enc = spec.substr(comma + 1);
        if (enc.empty() || enc.find(',') != std::string::npos) {
          return bank::Status::Usage("--member '" + spec + "': expected CERT or CERT,ENC_PUBK");
        }
        member["encryption_public_key_file"] = enc;
        ++recovery_members;
      }
      members.push_back(std::move(member));
    }
  } else {
    for (int i = 0; i < args.member_count; ++i) {
      const std::string name = "member" + std::to_string(i);
      members.push_back(
          {{"certificate_file", JoinPath(args.identity_dir, name + "_cert.pem")},
           {"encryption_public_key_file", JoinPath(args.identity_dir, name + "_enc_pubk.pem")}});
    }
    recovery_members = args.member_count;
  }
  if (recovery_members == 0) {
    return bank::Status::Usage(
        "no recovery member: CCF needs at least one member with an encryption key "
        "(--member CERT,ENC_PUBK, or --members N)");
  }
  if (args.recovery_threshold > recovery_members) {
    return bank::Status::Usage("--recovery-threshold " + std::to_string(args.recovery_threshold) +
                               " exceeds the " + std::to_string(recovery_members) + " recovery member(s)");
  }
  Json start = {{"constitution_files", args.constitution.empty() ? kConstitution : args.constitution},
                {"members", members},
                {"service_configuration",
                 {{"recovery_threshold", args.recovery_threshold},
                  {"maximum_node_certificate_validity_days", 365},
                  {"maximum_service_certificate_validity_days", 365}}},
                {"initial_service_certificate_validity_days", 365}};
  return Json{{"type", "Start"},
              {"service_certificate_file", JoinPath(args.identity_dir, "service_cert.pem")},
              {"start", start}};
}

bank::Result<Json> JoinCommand(const NodeConfigArgs& args) {
  BANK_RETURN_IF_ERROR(CheckAddress("--target", args.target));
  const std::string service_cert =
      args.service_cert.empty() ? JoinPath(args.identity_dir, "service_cert.pem") : args.service_cert;
  return Json{{"type", "Join"},
              {"service_certificate_file", service_cert},
              {"join", {{"target_rpc_address", args.target}, {"retry_timeout", "1000ms"}}}};
}

bank::Result<Json> BuildConfig(const NodeConfigArgs& args, bool start) {
  BANK_RETURN_IF_ERROR(CheckAddress("--rpc-address", args.rpc_address));
  BANK_RETURN_IF_ERROR(CheckAddress("--node-address", args.node_address));
  const std::string published = args.published_address.empty() ? args.rpc_address : args.published_address;
  BANK_RETURN_IF_ERROR(CheckAddress("--published-address", published));
  auto command = start ? StartCommand(args) : JoinCommand(args);
  if (!command.ok()) return command.status();

  const bool snp = args.platform == "snp";
  Json config;
  config["enclave"] = {
      {"file", args.enclave_file.empty() ? DefaultEnclaveFile(args.platform) : args.enclave_file},
      {"platform", snp ? "SNP" : "Virtual"},
      {"type", "Release"}};
  config["network"] = {{"node_to_node_interface", {{"bind_address", args.node_address}}},
                       {"rpc_interfaces",
                        {{"primary_rpc_interface",
                          {{"bind_address", args.rpc_address},
                           {"published_address", published},
                           {"app_protocol", "HTTP1"}}}}}};
  config["command"] = std::move(*command);
  config["node_certificate"] = {
      {"subject_alt_names", args.subject_alt_names.empty()
                                ? std::vector<std::string>{SubjectAltName(published)}
                                : args.subject_alt_names},
      {"initial_validity_days", 365}};
  if (snp) {
    // Endorsements of the attestation report, from AMD's key distribution
    // service (hosts outside Azure's confidential containers).
    config["attestation"] = {
        {"snp_endorsements_servers", Json::array({{{"type", "AMD"}, {"url", "kdsintf.amd.com"}}})}};
  }
  config["ledger"] = {{"directory", JoinPath(args.node_dir, "ledger")}};
  config["snapshots"] = {{"directory", JoinPath(args.node_dir, "snapshots")}};
  config["ledger_signatures"] = {{"tx_count", 5000}, {"delay", "1000ms"}};
  config["output_files"] = {{"node_certificate_file", JoinPath(args.node_dir, "nodecert.pem")},
                            {"pid_file", JoinPath(args.node_dir, "cchost.pid")},
                            {"rpc_addresses_file", JoinPath(args.node_dir, "rpc_addresses.json")}};
  return config;
}

bank::Status WriteConfig(Context& ctx, const NodeConfigArgs& args, bool start) {
  auto config = BuildConfig(args, start);
  if (!config.ok()) return config.status();
  const std::string text = config->dump(2) + "\n";
  if (args.out.empty()) {
    std::cout << text;
    return bank::Status::OK();
  }
  std::error_code ec;
  if (!args.force && std::filesystem::exists(args.out, ec)) {
    return bank::Status::Exists(args.out + ": already exists (pass --force to overwrite)");
  }
  BANK_RETURN_IF_ERROR(bank::WriteFileAtomic(args.out, text));
  ctx.Emit({{"file", args.out}, {"type", start ? "Start" : "Join"}, {"platform", args.platform}},
           "wrote " + args.out + " (run: cchost --config " + args.out + ")");
  return bank::Status::OK();
}

// Options shared by `start` and `join`; `args` holds the defaults.
void AddCommonOptions(CLI::App* cmd, NodeConfigArgs* args) {
  cmd->add_option("--platform", args->platform, "virtual (default) or snp (AMD SEV-SNP)")
      ->check(CLI::IsMember({"virtual", "snp"}));
  cmd->add_option("--enclave-file", args->enclave_file,
                  "The CCF application (default /opt/ccf_virtual/lib/libjs_generic.virtual.so, "
                  "or /opt/ccf_snp/lib/libjs_generic.snp.so with --platform snp)");
  cmd->add_option("--rpc-address", args->rpc_address,
                  "HOST:PORT clients connect to (default " + args->rpc_address + ")");
  cmd->add_option("--published-address", args->published_address,
                  "HOST:PORT advertised to clients (default: --rpc-address)");
  cmd->add_option("--node-address", args->node_address,
                  "HOST:PORT for node-to-node traffic (default " + args->node_address + ")");
  cmd->add_option("--san", args->subject_alt_names,
                  "Subject alternative name of the node certificate, iPAddress:IP or dNSName:NAME; "
                  "repeatable (default: the published host)");
  cmd->add_option("--identity-dir", args->identity_dir,
                  "Directory of the member identities and the service certificate, as cchost sees it "
                  "(default workspace/sandbox_common)");
  cmd->add_option(
      "--node-dir", args->node_dir,
      "Directory for the node's ledger, snapshots and output files (default " + args->node_dir + ")");
  cmd->add_option("--out", args->out, "Write the configuration to FILE instead of stdout")->type_name("FILE");
  cmd->add_flag("--force", args->force, "Overwrite FILE if it exists");
}

void Register(CLI::App& app, Context& ctx) {
  // `node` may be shared with other groups: join it if it exists.
  CLI::App* node = nullptr;
  for (CLI::App* sub : app.get_subcommands(std::function<bool(CLI::App*)>{})) {
    if (sub->get_name() == "node") node = sub;
  }
  if (node == nullptr) {
    node = app.add_subcommand("node", "Real CCF nodes: configuration for cchost");
    node->require_subcommand(1);
  }
  auto* config = node->add_subcommand("config", "Write a cchost configuration file for a CCF node");
  config->require_subcommand(1);

  auto start_args = std::make_shared<NodeConfigArgs>();
  auto* start = config->add_subcommand(
      "start",
      "Configuration of the first node: starts a network with the banks as members and "
      "the constitution of governance-scripts/");
  AddCommonOptions(start, start_args.get());
  auto* count = start
                    ->add_option("--members", start_args->member_count,
                                 "N members: member0..N-1_{cert,enc_pubk}.pem of --identity-dir "
                                 "(default 3, the three banks)")
                    ->check(CLI::Range(1, 100));
  auto* member = start->add_option("--member", start_args->members,
                                   "A member as CERT or CERT,ENC_PUBK (repeatable; replaces --members)");
  count->excludes(member);
  start
      ->add_option("--constitution", start_args->constitution,
                   "Constitution files, in order (repeatable or comma-separated; default "
                   "governance-scripts/constitution/{actions,validate,resolve,apply}.js)")
      ->delimiter(',');
  start
      ->add_option("--recovery-threshold", start_args->recovery_threshold,
                   "Recovery shares needed to recover the service (default 0: every recovery member)")
      ->check(CLI::NonNegativeNumber);
  ctx.Bind(start, [&ctx, start_args] { return WriteConfig(ctx, *start_args, true); });

  auto join_args = std::make_shared<NodeConfigArgs>();
  join_args->rpc_address = "127.0.0.1:8010";
  join_args->node_address = "127.0.0.1:8011";
  join_args->node_dir = "workspace/ccf_node1";
  auto* join = config->add_subcommand("join", "Configuration of a node joining an existing network");
  AddCommonOptions(join, join_args.get());
  join->add_option("--target", join_args->target, "HOST:PORT of a node of the network to join")->required();
  join->add_option("--service-cert", join_args->service_cert,
                   "The network's service certificate (default: service_cert.pem of --identity-dir)")
      ->type_name("FILE");
  ctx.Bind(join, [&ctx, join_args] { return WriteConfig(ctx, *join_args, false); });
}

BANKCTL_COMMAND_GROUP_ORDERED(Register, 80);

}  // namespace
}  // namespace bankctl
