// bankctl's command framework: global settings, the per-invocation Context,
// and self-registering command groups (one .cpp per group, no edits to main).
//
// A command group file does:
//
//   namespace bankctl {
//   static void Register(CLI::App& app, Context& ctx) {
//     auto* cmd = app.add_subcommand("thing", "Do the thing");
//     ctx.Bind(cmd, [&ctx, opts] { return DoThing(ctx, *opts); });
//   }
//   BANKCTL_COMMAND_GROUP(Register);
//   }
//
// The handler runs after parsing, once global settings are resolved
// (flag > BANKCTL_* environment > config profile > defaults; settings.hpp). It returns a
// bank::Status; main prints a non-OK status as one line on stderr (or as JSON
// with --output json) and exits with status.exit_code().
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "bank/http_client.hpp"
#include "bank/identity.hpp"
#include "bank/status.hpp"
#include "settings.hpp"

namespace bankctl {

class Context {
 public:
  Settings settings;

  // Registers `handler` to run when `cmd` was the subcommand invoked.
  void Bind(CLI::App* cmd, std::function<bank::Status()> handler);

  // --- connection --------------------------------------------------------
  // TLS settings: cacert from --cacert or workspace/service_cert.pem; client
  // identity from --cert/--key or workspace/<as>_{cert,privk}.pem.
  bank::Result<bank::TlsConfig> Tls() const;
  // A client for the server (one per Context, reused; created on first use).
  bank::Result<bank::HttpClient*> Client();
  // The identity used for signing (governance): same resolution as Tls().
  bank::Result<bank::Identity> SigningIdentity() const;

  // --- workspace ---------------------------------------------------------
  // Effective workspace directory (DIR/sandbox_common when it exists), or "".
  std::string WorkspaceDir() const;
  // "<workspace>/<file>".
  std::string WorkspaceFile(const std::string& file) const;
  // A 64-hex id as is, or a workspace identity name ("user1") resolved to the
  // id of <workspace>/<name>_cert.pem, or a path to a certificate.
  bank::Result<std::string> ResolveId(const std::string& name_or_id) const;

  // --- output ------------------------------------------------------------
  bool json() const { return settings.output == OutputMode::kJson; }
  // Prints `text` (text mode) or `value` (json mode, pretty) on stdout.
  void Emit(const nlohmann::json& value, const std::string& text) const;
  // Whether Emit() printed a result: a later error then goes to stderr only,
  // so that stdout holds exactly one JSON document.
  bool emitted() const { return emitted_; }
  // Progress / waiting messages on stderr; silent with --quiet, with
  // --output json, or when stderr is not a terminal.
  void Progress(const std::string& line) const;
  // Whether colour may be used on stdout (a terminal, and NO_COLOR unset).
  bool Colour() const;

  // Runs the bound handler of the invoked subcommand (main uses this).
  bank::Status RunSelected();

 private:
  mutable bool emitted_ = false;
  std::function<bank::Status()> selected_;
  std::optional<bank::HttpClient> client_;
};

using GroupRegistration = void (*)(CLI::App&, Context&);
// Adds a group to the registry; use BANKCTL_COMMAND_GROUP.
bool RegisterGroup(GroupRegistration fn, int order);
std::vector<std::pair<int, GroupRegistration>>& Groups();

// `order` sorts groups in --help; lower first.
#define BANKCTL_COMMAND_GROUP_ORDERED(fn, order) \
  [[maybe_unused]] static const bool kRegistered_##fn = ::bankctl::RegisterGroup(&fn, order)
#define BANKCTL_COMMAND_GROUP(fn) BANKCTL_COMMAND_GROUP_ORDERED(fn, 50)

}  // namespace bankctl
