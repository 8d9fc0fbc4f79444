// bankd: flags, configuration file, then node::Node until SIGTERM/SIGINT.
#include <cstdio>
#include <cstring>
#include <string>

#include "bank/bankd_config.hpp"
#include "config/help.hpp"
#include "node/node.hpp"

int main(int argc, char** argv) {
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (std::strcmp(arg, "--help") == 0 || std::strcmp(arg, "-h") == 0) {
      std::fputs(bankd::config::HelpText(), stdout);
      return 0;
    }
    if (std::strcmp(arg, "--version") == 0) {
      std::printf("bankd %s\n", BANK_VERSION);
      return 0;
    }
    if (std::strcmp(arg, "--config") == 0 && i + 1 < argc) {
      config_path = argv[++i];
    } else if (std::strncmp(arg, "--config=", 9) == 0) {
      config_path = arg + 9;
    } else {
      std::fprintf(stderr, "bankd: unknown argument '%s' (see bankd --help)\n", arg);
      return static_cast<int>(bank::Code::kUsage);
    }
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "bankd: --config FILE is required (see bankd --help)\n");
    return static_cast<int>(bank::Code::kUsage);
  }

  auto config = bank::BankdConfig::Load(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "bankd: %s\n", config.status().message().c_str());
    return config.status().exit_code();
  }
  auto node = bankd::node::Node::Start(*config);
  if (!node.ok()) {
    std::fprintf(stderr, "bankd: %s\n", node.status().message().c_str());
    return node.status().exit_code();
  }
  // The port actually bound (rpc_address may ask for port 0: any free port).
  const std::string address =
      config->rpc_address.substr(0, config->rpc_address.rfind(':') + 1) + std::to_string((*node)->port());
  std::printf("bankd %s: service %s listening on https://%s (node %s)\n", BANK_VERSION,
              (*node)->identity().service_cert.Id().substr(0, 16).c_str(), address.c_str(),
              (*node)->identity().node_id.substr(0, 16).c_str());
  std::fflush(stdout);
  bank::Status status = (*node)->Run();
  if (!status.ok()) {
    std::fprintf(stderr, "bankd: %s\n", status.message().c_str());
    return status.exit_code();
  }
  std::printf("bankd: stopped\n");
  return 0;
}
