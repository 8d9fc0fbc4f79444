// bankctl: global options, settings resolution, dispatch to the command
// group that self-registered (cli.hpp), and the one place errors are printed.
#include <algorithm>
#include <cstring>
#include <iostream>

#include "bank/json_text.hpp"
#include "cli.hpp"

namespace {

using bankctl::Flags;

// The error as one line on stderr, or {"error":{...}} on stdout for scripts
// (unless the command already printed its JSON result there, e.g. a failed
// verification report: then stdout keeps that one document).
int Fail(const bank::Status& status, bool json) {
  if (json) {
    nlohmann::json out;
    out["error"]["code"] = bank::CodeName(status.code());
    out["error"]["message"] = status.message();
    std::cout << bank::JsonText(out, 2) << std::endl;
  } else {
    std::cerr << "bankctl: " << status.message() << std::endl;
  }
  return status.exit_code();
}

// Before (or without) a successful parse: did the user ask for JSON?
bool JsonRequested(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--output=json") == 0) return true;
    if (std::strcmp(argv[i], "--output") == 0 && i + 1 < argc && std::strcmp(argv[i + 1], "json") == 0)
      return true;
  }
  const char* env = std::getenv("BANKCTL_OUTPUT");
  return env != nullptr && std::strcmp(env, "json") == 0;
}

// A string option whose value counts only when given on the command line.
struct StringFlag {
  std::string value;
  CLI::Option* option = nullptr;
  void Into(std::optional<std::string>* out) const {
    if (option->count() > 0) *out = value;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bankctl: run and use a banking ledger on CCF (or bankd, its single-node stand-in)",
               "bankctl"};
  app.set_version_flag("--version", "bankctl " BANK_VERSION);
  app.require_subcommand(0, 1);  // none: RunSelected says so; extras: CLI11 names them
  // Global options are accepted after the subcommand too.
  app.fallthrough();
  app.option_defaults()->group("Global options");

  StringFlag server, cacert, cert, key, workspace, as, profile, output;
  double timeout = 0;
  server.option = app.add_option("--server", server.value, "Service URL (default https://127.0.0.1:8000)");
  cacert.option = app.add_option("--cacert", cacert.value, "Service certificate, the only trusted CA");
  cert.option = app.add_option("--cert", cert.value, "Client certificate (PEM)");
  key.option = app.add_option("--key", key.value, "Client private key (PEM)");
  workspace.option = app.add_option("--workspace", workspace.value,
                                    "Directory with service_cert.pem and NAME_{cert,privk}.pem (its "
                                    "sandbox_common/ if present; default ./workspace)");
  as.option = app.add_option("--as", as.value,
                             "Act as identity NAME of the workspace (NAME_cert.pem, NAME_privk.pem)");
  profile.option = app.add_option("--profile", profile.value, "Config profile (see BANKCTL_CONFIG)");
  output.option = app.add_option("--output", output.value, "Output format: text or json")
                      ->check(CLI::IsMember({"text", "json"}));
  auto* timeout_opt = app.add_option("--timeout", timeout, "Request / wait timeout in seconds (default 30)")
                          ->check(CLI::PositiveNumber);
  Flags flags;
  auto* verbose = app.add_flag("--verbose,-v", flags.verbose, "Print requests and responses on stderr");
  auto* quiet = app.add_flag("--quiet,-q", flags.quiet, "No progress messages");
  verbose->excludes(quiet);
  as.option->excludes(cert.option);
  as.option->excludes(key.option);

  bankctl::Context ctx;
  auto groups = bankctl::Groups();
  std::stable_sort(groups.begin(), groups.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [order, registration] : groups) registration(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    return Fail(bank::Status::Usage(std::string(e.what()) + " (see bankctl --help)"),
                JsonRequested(argc, argv));
  }

  server.Into(&flags.layer.server);
  cacert.Into(&flags.layer.cacert);
  cert.Into(&flags.layer.cert);
  key.Into(&flags.layer.key);
  workspace.Into(&flags.layer.workspace);
  as.Into(&flags.layer.as);
  output.Into(&flags.layer.output);
  if (profile.option->count() > 0) flags.profile = profile.value;
  if (timeout_opt->count() > 0) flags.layer.timeout = timeout;

  auto settings = bankctl::ResolveSettings(flags, bankctl::ProcessEnvironment());
  if (!settings.ok()) return Fail(settings.status(), JsonRequested(argc, argv));
  ctx.settings = *settings;

  bank::Status status = ctx.RunSelected();
  if (!status.ok()) return Fail(status, ctx.json() && !ctx.emitted());
  return 0;
}
