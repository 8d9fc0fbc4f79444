// `bankctl sandbox up|status|down` with the real binaries, and plain curl
// with the PEM files it leaves in workspace/sandbox_common.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "bank/bankd_config.hpp"
#include "bank/certificate.hpp"
#include "bank/sandbox.hpp"
#include "support/bankd_process.hpp"
#include "support/curl.hpp"
#include "support/temp_dir.hpp"

namespace bank::test {
namespace {

struct Run {
  int exit_code = -1;
  std::string out;
};

Run Bankctl(const std::string& args) {
  std::string cmd = std::string("BANKD='") + BANKD_PATH + "' '" + BANKCTL_PATH + "' " + args + " 2>&1";
  Run run;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof(buf), pipe)) run.out.append(buf, n);
  int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST_CASE("bankctl sandbox up, status, down", "[e2e][sandbox]") {
  TempDir dir;
  const std::string ws = dir / "workspace";
  const std::string common = " --workspace '" + ws + "' ";

  // Port 0: the kernel picks one, and bankd says which in rpc_addresses.json.
  Run up = Bankctl(common + "sandbox up --members 2 --users 2 --port 0");
  INFO(up.out);
  REQUIRE(up.exit_code == 0);
  auto address = ReadRpcAddress(ws + "/sandbox_0/rpc_addresses.json");
  REQUIRE(address.ok());
  const std::string url = "https://" + *address;
  CHECK(address->rfind("127.0.0.1:", 0) == 0);
  CHECK(address->substr(address->rfind(':') + 1) != "0");
  CHECK(up.out.find(url) != std::string::npos);
  CHECK(up.out.find("curl --cacert " + ws + "/sandbox_common/service_cert.pem") != std::string::npos);
  for (const char* f :
       {"service_cert.pem", "member0_cert.pem", "member0_privk.pem", "member0_enc_pubk.pem",
        "member0_enc_privk.pem", "member1_cert.pem", "user0_cert.pem", "user0_privk.pem", "user1_cert.pem"})
    CHECK(std::filesystem::exists(ws + "/sandbox_common/" + f));
  CHECK_FALSE(std::filesystem::exists(ws + "/sandbox_common/member2_cert.pem"));

  // Plain curl with the workspace's files, exactly as printed.
  auto user0 = Certificate::LoadFile(ws + "/sandbox_common/user0_cert.pem");
  REQUIRE(user0.ok());
  const std::string c = ws + "/sandbox_common/";
  auto created = RunCurl({"--cacert", c + "service_cert.pem", "--cert", c + "member0_cert.pem", "--key",
                          c + "member0_privk.pem", "-X", "PUT",
                          url + "/app/account/" + user0->Id() + "/current_account"});
  CHECK(created.status == 204);
  auto balance = RunCurl({"--cacert", c + "service_cert.pem", "--cert", c + "user0_cert.pem", "--key",
                          c + "user0_privk.pem", url + "/app/balance/current_account"});
  CHECK(balance.status == 200);
  // {"balance": N} as CCF's banking sample, plus what held transfers reserve.
  CHECK(nlohmann::json::parse(balance.body) ==
        nlohmann::json{{"balance", 0}, {"available", 0}, {"reserved", 0}});

  Run status = Bankctl(common + "sandbox status");
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("service Open") != std::string::npos);

  Run again = Bankctl(common + "sandbox up --port 0");
  CHECK(again.exit_code == static_cast<int>(Code::kExists));
  CHECK(again.out.find("already running") != std::string::npos);

  Run down = Bankctl(common + "sandbox down");
  CHECK(down.exit_code == 0);
  Run stopped = Bankctl(common + "sandbox status");
  CHECK(stopped.exit_code == static_cast<int>(Code::kNotFound));
  CHECK(Bankctl(common + "sandbox down").exit_code == 0);  // idempotent
}

TEST_CASE("bankctl sandbox up refuses a busy port clearly", "[e2e][sandbox]") {
  BankdProcess bankd;  // holds a port
  TempDir dir;
  Run up =
      Bankctl(" --workspace '" + (dir / "workspace") + "' sandbox up --port " + std::to_string(bankd.port()));
  CHECK(up.exit_code == static_cast<int>(Code::kExists));
  CHECK(up.out.find("port " + std::to_string(bankd.port()) + " on 127.0.0.1 is already in use") !=
        std::string::npos);
}

TEST_CASE("the example bankd configuration parses", "[e2e][sandbox]") {
  auto config = BankdConfig::Load(std::string(BANK_SOURCE_DIR) + "/config/bankd.example.json");
  INFO(config.status().message());
  REQUIRE(config.ok());
  CHECK(config->members.size() == 3);
  CHECK(config->users.size() == 2);
  CHECK(config->max_body_size == 1 << 20);
}

}  // namespace
}  // namespace bank::test
