// bankd: flags, configuration file, then node::Node until SIGTERM/SIGINT.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#if defined(__SANITIZE_ADDRESS__)
#define BANKD_LEAK_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define BANKD_LEAK_SANITIZER 1
#endif
#endif
#ifndef BANKD_LEAK_SANITIZER
#define BANKD_LEAK_SANITIZER 0
#endif
#if BANKD_LEAK_SANITIZER
#include <sanitizer/lsan_interface.h>
#endif

#include "bank/bankd_config.hpp"
#include "config/help.hpp"
#include "node/node.hpp"

namespace {

// glibc backs its heap with 4 KiB pages unless its tunable
// glibc.malloc.hugetlb asks for transparent huge pages. The store grows by
// about a kilobyte per transfer, so with 4 KiB pages a transfer takes a
// page fault every few times: transfer_load measured 27.7-30.9 us of
// bankd's CPU per transfer with them and 22.0-25.8 us with huge pages
// (bench/RESULTS-write-path-rounds-4-5.md). glibc reads its tunables once, from the environment,
// as the process starts; so bankd starts itself again with the tunable
// added, unless the environment names it already (GLIBC_TUNABLES=
// glibc.malloc.hugetlb=0 keeps 4 KiB pages). The same process goes on:
// same pid, arguments and descriptors. Should the exec fail, bankd runs
// on as it is.
void RestartWithHugePageHeap(char** argv) {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.hugetlb") != nullptr) return;
  const std::string before = tunables != nullptr ? tunables : "";
  const std::string value = before.empty() ? "glibc.malloc.hugetlb=1" : before + ":glibc.malloc.hugetlb=1";
  // The binary's own path, not /proc/self/exe: the kernel names the
  // process after the file it executes, and ps, top and pkill know bankd.
  char path[4096];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return;
  path[n] = '\0';
  if (::setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  ::execv(path, argv);
  if (tunables != nullptr)
    ::setenv("GLIBC_TUNABLES", before.c_str(), 1);
  else
    ::unsetenv("GLIBC_TUNABLES");
}

// Ends the process without destructors. Under LeakSanitizer its check,
// which runs at a normal exit, runs first: what the node still holds is
// reachable from main's frame, so only real leaks are reported.
[[noreturn]] void ExitWithoutTeardown(int code) {
  std::fflush(nullptr);
#if BANKD_LEAK_SANITIZER
  __lsan_do_leak_check();
#endif
  std::_Exit(code);
}

}  // namespace

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
  RestartWithHugePageHeap(argv);

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
  // Run() signed and flushed: the ledger is durable. What is left is to
  // stop the engine's threads, then to free memory, which on a store of a
  // million transfers took about a second row by row and which the kernel
  // does at once when the process ends: so it ends here, without tearing
  // the node down.
  (*node)->engine().Stop();
  ExitWithoutTeardown(0);
}
