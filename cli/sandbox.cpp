// `bankctl sandbox up|status|down`: a local bankd laid out like CCF's
// sandbox (bank/sandbox.hpp), started in the background.
#include "bank/sandbox.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include "bank/bankd_config.hpp"
#include "bank/gov_client.hpp"
#include "bank/http_client.hpp"
#include "bank/identity.hpp"
#include "cli.hpp"

namespace bankctl {
namespace {

namespace fs = std::filesystem;
using bank::Result;
using bank::Status;

struct UpArgs {
  int members = 3;
  int users = 2;
  int port = 8000;
  std::string bankd;
};

// The workspace root: --workspace (its parent when it names sandbox_common),
// else ./workspace.
std::string WorkspaceRoot(const Context& ctx) {
  std::string w = ctx.settings.workspace.empty() ? "workspace" : ctx.settings.workspace;
  fs::path p = fs::path(w).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  if (p.filename() == "sandbox_common") p = p.parent_path();
  return p.string();
}

// --bankd, $BANKD, next to this bankctl (installed side by side, or the
// build tree's node/bankd), then $PATH.
Result<std::string> FindBankd(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("BANKD"); env != nullptr && *env != '\0') return std::string(env);
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path candidate :
         {self.parent_path() / "bankd", self.parent_path().parent_path() / "node" / "bankd"})
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  if (const char* path = std::getenv("PATH")) {
    std::string dirs = path;
    size_t start = 0;
    while (start <= dirs.size()) {
      size_t colon = dirs.find(':', start);
      if (colon == std::string::npos) colon = dirs.size();
      fs::path candidate = fs::path(dirs.substr(start, colon - start)) / "bankd";
      if (colon > start && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
      start = colon + 1;
    }
  }
  return Status::InputFile("cannot find bankd: pass --bankd PATH or set BANKD");
}

// The running sandbox's pid, or 0 (a stale pid file is removed).
pid_t RunningPid(const bank::SandboxLayout& layout) {
  pid_t pid = bank::ReadPidFile(layout.pid_path);
  if (pid > 0 && bank::IsBankdProcess(pid)) return pid;
  if (pid > 0) fs::remove(layout.pid_path);
  return 0;
}

std::string UrlOf(const bank::SandboxLayout& layout) {
  // Where the running bankd said it listens (the port may be kernel-chosen).
  if (auto address = bank::ReadRpcAddress(layout.rpc_addresses_path); address.ok())
    return "https://" + *address;
  auto config = bank::BankdConfig::Load(layout.config_path);
  return "https://" + (config.ok() ? config->rpc_address : std::string("127.0.0.1:8000"));
}

// What to type next, with the workspace's own paths.
std::string Instructions(const bank::SandboxLayout& l, const std::string& url,
                         const std::string& workspace_flag, int users) {
  const std::string c = l.common_dir;
  std::string user0_id = "USER0_ID";
  if (auto cert = bank::Certificate::LoadFile(l.CertPath("user0")); cert.ok()) user0_id = cert->Id();
  std::string out;
  out += fmt::format("Call it with curl, as in a CCF sandbox:\n");
  out += fmt::format(
      "  curl --cacert {0}/service_cert.pem --cert {0}/member0_cert.pem --key {0}/member0_privk.pem \\\n"
      "    -X PUT {1}/app/account/{2}/current_account\n",
      c, url, user0_id);
  out += fmt::format(
      "  curl --cacert {0}/service_cert.pem --cert {0}/user0_cert.pem --key {0}/user0_privk.pem \\\n"
      "    {1}/app/balance/current_account\n",
      c, url);
  // --server only when it is not bankctl's default.
  const std::string bankctl = "bankctl --workspace " + workspace_flag +
                              (url == "https://127.0.0.1:8000" ? std::string() : " --server " + url);
  out += fmt::format("or with bankctl:\n");
  out += fmt::format("  {} --as member0 account create user0 current_account\n", bankctl);
  if (users > 1) out += fmt::format("  {} --as member0 account create user1 savings_account\n", bankctl);
  out += fmt::format("  {} --as member0 account deposit user0 current_account 100\n", bankctl);
  if (users > 1)
    out += fmt::format("  {} --as user0 account transfer current_account --to user1:savings_account 40\n",
                       bankctl);
  out += fmt::format("  {} --as user0 account balance current_account\n", bankctl);
  out += fmt::format("Stop it with: bankctl --workspace {} sandbox down\n", workspace_flag);
  return out;
}

// As CCF's sandbox does once its network runs: the members activate, admit
// the users by proposal and votes, and open the service.
Status OpenByGovernance(Context& ctx, const bank::SandboxLayout& layout, const std::string& url, int members,
                        int users) {
  std::vector<bank::HttpClient> https;
  std::vector<bank::gov::GovClient> govs;
  https.reserve(static_cast<size_t>(members));
  govs.reserve(static_cast<size_t>(members));
  for (int i = 0; i < members; ++i) {
    const std::string name = "member" + std::to_string(i);
    bank::TlsConfig tls;
    tls.server = url;
    tls.cacert_path = layout.service_cert_path;
    tls.cert_path = layout.CertPath(name);
    tls.key_path = layout.KeyPath(name);
    tls.timeout = std::chrono::milliseconds(static_cast<int64_t>(ctx.settings.timeout_seconds * 1000));
    BANK_ASSIGN_OR_RETURN(bank::HttpClient http, bank::HttpClient::Create(tls));
    BANK_ASSIGN_OR_RETURN(bank::Identity id, bank::LoadIdentity(tls.cert_path, tls.key_path));
    https.push_back(std::move(http));
    govs.emplace_back(https.back(), std::move(id));
  }
  std::vector<bank::gov::GovClient*> member_ptrs;
  for (auto& g : govs) member_ptrs.push_back(&g);
  std::vector<bank::gov::SandboxUser> user_list;
  for (int i = 0; i < users; ++i) {
    BANK_ASSIGN_OR_RETURN(std::string pem, bank::ReadFile(layout.CertPath("user" + std::to_string(i))));
    user_list.push_back({pem, nullptr});
  }
  bank::gov::OpenServiceProgress progress{[&ctx](const std::string& line) { ctx.Progress(line); }};
  return bank::gov::AddUsersAndOpen(member_ptrs, user_list, progress);
}

Status Up(Context& ctx, const UpArgs& args) {
  if (args.port < 0 || args.port > 65535) return Status::Usage("--port must be from 0 to 65535");
  const std::string root = WorkspaceRoot(ctx);
  const bank::SandboxLayout layout = bank::SandboxLayout::For(root);
  if (pid_t pid = RunningPid(layout)) {
    return Status::Exists(
        fmt::format("a sandbox is already running in {} (pid {}, {}); stop it with `bankctl "
                    "--workspace {} sandbox down`",
                    root, pid, UrlOf(layout), root));
  }
  if (args.port != 0 && !bank::PortIsFree("127.0.0.1", static_cast<unsigned short>(args.port)))
    return Status::Exists(
        fmt::format("port {} on 127.0.0.1 is already in use; choose another with --port", args.port));
  BANK_ASSIGN_OR_RETURN(std::string bankd, FindBankd(args.bankd));

  const bool existing = fs::exists(layout.node_dir + "/ledger");
  ctx.Progress(existing ? "Restarting the sandbox on its existing ledger in " + root
                        : "Creating identities in " + layout.common_dir);
  bank::SandboxOptions options;
  options.workspace = root;
  options.members = args.members;
  options.users = args.users;
  options.port = static_cast<unsigned short>(args.port);
  options.users_by_governance = true;
  BANK_ASSIGN_OR_RETURN(auto config, bank::PrepareSandbox(options));

  fs::remove(layout.rpc_addresses_path);  // the previous run's
  BANK_ASSIGN_OR_RETURN(pid_t pid, bank::SpawnBankd(bankd, layout.config_path, layout.log_path));
  BANK_RETURN_IF_ERROR(bank::WriteFileAtomic(layout.pid_path, std::to_string(pid) + "\n"));
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(ctx.settings.timeout_seconds * 1000));
  auto address = bank::WaitForRpcAddress(pid, layout.rpc_addresses_path, layout.log_path, timeout);
  const std::string url = "https://" + (address.ok() ? *address : config.rpc_address);
  Status ready = address.status();
  if (ready.ok()) {
    ctx.Progress("Waiting for bankd (pid " + std::to_string(pid) + ") to answer on " + url);
    ready = bank::WaitUntilServing(pid, url, layout.service_cert_path, layout.log_path, timeout);
  }
  if (!ready.ok()) {
    bank::StopProcess(pid, std::chrono::seconds(5));
    fs::remove(layout.pid_path);
    return ready;
  }
  if (!existing) {
    Status opened = OpenByGovernance(ctx, layout, url, args.members, args.users);
    if (!opened.ok()) {
      bank::StopProcess(pid, std::chrono::seconds(5));
      fs::remove(layout.pid_path);
      return opened.WithContext("opening the sandbox by governance");
    }
  }

  nlohmann::json out = {{"status", "running"},
                        {"pid", pid},
                        {"url", url},
                        {"workspace", root},
                        {"service_certificate", layout.service_cert_path},
                        {"log", layout.log_path},
                        {"members", config.members.size()},
                        {"users", args.users}};
  std::string text = fmt::format("Sandbox running at {} (pid {}), {} members, {} users{}.\n", url, pid,
                                 config.members.size(), args.users, existing ? ", existing ledger" : "");
  text += fmt::format("  workspace            {}\n  service certificate  {}\n  log                  {}\n\n",
                      root, layout.service_cert_path, layout.log_path);
  text += Instructions(layout, url, root, args.users);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  ctx.Emit(out, text);
  return Status::OK();
}

Status StatusCmd(Context& ctx) {
  const std::string root = WorkspaceRoot(ctx);
  const bank::SandboxLayout layout = bank::SandboxLayout::For(root);
  pid_t pid = RunningPid(layout);
  if (pid == 0) return Status::NotFound("no sandbox is running in " + root);
  const std::string url = UrlOf(layout);
  std::string service = "unknown";
  bank::TlsConfig tls;
  tls.server = url;
  tls.cacert_path = layout.service_cert_path;
  tls.timeout = std::chrono::milliseconds(5000);
  if (auto client = bank::HttpClient::Create(tls, bank::RetryPolicy{1, std::chrono::milliseconds(0)});
      client.ok()) {
    if (auto r = client->Get("/node/network"); r.ok() && r->status == 200) {
      if (auto j = r->json(); j.ok()) service = j->value("service_status", "unknown");
    } else {
      service = "not answering";
    }
  }
  ctx.Emit(
      {{"status", "running"}, {"pid", pid}, {"url", url}, {"workspace", root}, {"service_status", service}},
      fmt::format("running: {} (pid {}), service {}\n  workspace {}\n  log       {}", url, pid, service, root,
                  layout.log_path));
  return Status::OK();
}

Status Down(Context& ctx) {
  const std::string root = WorkspaceRoot(ctx);
  const bank::SandboxLayout layout = bank::SandboxLayout::For(root);
  pid_t pid = RunningPid(layout);
  if (pid == 0) {
    ctx.Emit({{"status", "stopped"}, {"workspace", root}}, "no sandbox was running in " + root);
    return Status::OK();
  }
  ctx.Progress("Stopping bankd (pid " + std::to_string(pid) + ")");
  const bool graceful = bank::StopProcess(pid, std::chrono::seconds(30));
  fs::remove(layout.pid_path);
  fs::remove(layout.rpc_addresses_path);
  ctx.Emit({{"status", "stopped"}, {"workspace", root}, {"pid", pid}, {"graceful", graceful}},
           graceful ? fmt::format("stopped the sandbox in {} (pid {})", root, pid)
                    : fmt::format("bankd (pid {}) did not stop within 30 s and was killed", pid));
  return Status::OK();
}

void Register(CLI::App& app, Context& ctx) {
  auto* sandbox =
      app.add_subcommand("sandbox", "A local bankd laid out like CCF's sandbox (workspace/sandbox_common)");
  sandbox->require_subcommand(1);

  auto args = std::make_shared<UpArgs>();
  auto* up = sandbox->add_subcommand(
      "up", "Create the workspace (identities, config) and start bankd in the background");
  up->add_option("--members", args->members, "Initial members, member0..N-1 (default 3)")
      ->check(CLI::Range(1, 64));
  up->add_option("--users", args->users, "Initial users, user0..N-1 (default 2)")->check(CLI::Range(0, 64));
  up->add_option("--port", args->port, "Port on 127.0.0.1 (default 8000; 0: any free port)")
      ->check(CLI::Range(0, 65535));
  up->add_option("--bankd", args->bankd, "The bankd binary (default: $BANKD, next to bankctl, or on PATH)");
  ctx.Bind(up, [&ctx, args] { return Up(ctx, *args); });

  auto* status =
      sandbox->add_subcommand("status", "Whether the workspace's sandbox runs, its URL and service state");
  ctx.Bind(status, [&ctx] { return StatusCmd(ctx); });

  auto* down = sandbox->add_subcommand("down", "Stop the workspace's sandbox (SIGTERM, then wait)");
  ctx.Bind(down, [&ctx] { return Down(ctx); });
}

BANKCTL_COMMAND_GROUP_ORDERED(Register, 10);

}  // namespace
}  // namespace bankctl
