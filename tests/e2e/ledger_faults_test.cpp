// Faults of the ledger's disk under a real bankd: a full disk (a
// size-limited tmpfs), a read-only or damaged ledger at start, a missing or
// wrong ledger secret. bankd answers writes 503 while it cannot make them
// durable, keeps serving reads, loses nothing Committed, and takes writes
// again once the fault is gone; or it refuses to start with one line that
// names the file. The sum of the balance equals the sum of the deposits
// that /app/tx reports Committed, before and after every fault.
// (A failing fsync is injected in unit/ledger_faults_test.cpp: bankd has
// no switch for it.)
#include <sys/mount.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "bank/identity.hpp"
#include "bank/key.hpp"
#include "bank/ledger_files.hpp"
#include "bank/sandbox.hpp"
#include "support/bankd_process.hpp"
#include "support/banking.hpp"

namespace bank::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr auto kDeadline = 60s;
const std::string kAccount = "current_account";

// A tmpfs of the given size at a fresh directory for the scope; ok() is
// false where mounts are not permitted (the test then skips itself).
class Tmpfs {
 public:
  explicit Tmpfs(const std::string& size) : path_(dir_ / "disk") {
    fs::create_directories(path_);
    ok_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~Tmpfs() {
    if (ok_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }
  bool Remount(unsigned long flags) {
    return ::mount("tmpfs", path_.c_str(), "tmpfs", MS_REMOUNT | flags, nullptr) == 0;
  }

 private:
  TempDir dir_;
  std::string path_;
  bool ok_ = false;
};

BankdOptions OnDisk(const Tmpfs& disk) {
  BankdOptions options;
  options.config_patch = {{"ledger", {{"directory", disk.path() + "/ledger"}}}};
  return options;
}

HttpClient NoRetry(const BankdProcess& bankd, const std::string& name) {
  auto client = HttpClient::Create(bankd.Tls(name), RetryPolicy{1, 100ms});
  REQUIRE(client.ok());
  return std::move(client).value();
}

struct DepositLog {
  std::vector<std::pair<TxId, uint64_t>> accepted;  // 204s: id and value
};

// One deposit; its response (REQUIREs a response).
Response TryDeposit(HttpClient& member, const std::string& user_id, uint64_t value, DepositLog* log) {
  auto r = member.PostJson("/app/deposit/" + user_id + "/" + kAccount, {{"value", value}});
  REQUIRE(r.ok());
  if (r->status == 204) log->accepted.emplace_back(*r->txid(), value);
  return *r;
}

// Waits until every accepted deposit is Committed or Invalid (dropped as
// never durable), then checks the balance is the sum of the Committed.
void CheckBalanceMatchesCommitted(const BankdProcess& bankd, const DepositLog& log) {
  auto user = NoRetry(bankd, "user0");
  uint64_t committed = 0;
  for (const auto& [txid, value] : log.accepted) {
    std::string status;
    const auto end = Clock::now() + kDeadline;
    while (Clock::now() < end) {
      auto r = user.Get("/app/tx?transaction_id=" + txid.ToString());
      REQUIRE(r.ok());
      REQUIRE(r->status == 200);
      status = r->json()->at("status").get<std::string>();
      if (status == "Committed" || status == "Invalid") break;
      std::this_thread::sleep_for(50ms);
    }
    INFO(txid.ToString() << " is " << status);
    REQUIRE((status == "Committed" || status == "Invalid"));
    if (status == "Committed") committed += value;
  }
  CHECK(Balance(user, kAccount) == committed);
}

// Writes zeros into `path` until the file system is full.
void FillUp(const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  const std::string block(64 << 10, '\0');
  while (out.write(block.data(), static_cast<std::streamsize>(block.size())) && out.flush()) {
  }
  out.close();
  // The last partial block: byte by byte up to the last free one.
  std::ofstream tail(path, std::ios::binary | std::ios::app);
  while (tail.put('\0') && tail.flush()) {
  }
}

std::string LastLogLine(const BankdProcess& bankd) { return FileTail(bankd.log_path(), 1); }

// Start must fail; returns the reason bankd logged (its last line).
std::string RefusedStart(BankdProcess& bankd) {
  bool started = true;
  try {
    bankd.Start();
  } catch (const std::runtime_error&) {
    started = false;
  }
  REQUIRE_FALSE(started);
  return LastLogLine(bankd);
}

// A started bankd (on `disk` when given) with user0's account created.
struct Bank {
  explicit Bank(const Tmpfs* disk = nullptr)
      : bankd(disk ? OnDisk(*disk) : BankdOptions{}),
        member(NoRetry(bankd, "member0")),
        user(NoRetry(bankd, "user0")),
        user_id(bankd.id("user0")) {
    CreateAccount(member, user_id, kAccount);
  }
  Response Deposit(uint64_t value) { return TryDeposit(member, user_id, value, &log); }

  BankdProcess bankd;
  HttpClient member, user;
  std::string user_id;
  DepositLog log;
};

// False (and the test skipped with a warning) where mounts are refused.
bool Mounted(const Tmpfs& disk) {
  if (!disk.ok()) WARN("skipped: mounting a tmpfs is not permitted here");
  return disk.ok();
}

std::string SecretPath(const BankdProcess& bankd) { return bankd.layout().node_dir + "/data/ledger_secret"; }

TEST_CASE("a full ledger disk: 503 for writes, reads go on, writes resume when space is freed",
          "[e2e][fault]") {
  Tmpfs disk("2m");
  if (!Mounted(disk)) return;
  Bank bank(&disk);
  auto& bankd = bank.bankd;
  auto& user = bank.user;
  auto& log = bank.log;
  for (int i = 0; i < 3; ++i) bank.Deposit(10);
  CHECK(WaitForStatus(user, log.accepted.back().first) == "Committed");
  const auto committed_before = log.accepted;

  FillUp(disk.path() + "/filler");
  std::optional<Response> refused;
  const auto end = Clock::now() + kDeadline;
  while (!refused && Clock::now() < end) {
    Response r = bank.Deposit(1);
    if (r.status == 503)
      refused = r;
    else
      REQUIRE(r.status == 204);
  }
  REQUIRE(refused);
  REQUIRE(refused->ccf_error());
  CHECK(refused->ccf_error()->code == "TransactionReplicationFailed");
  // Reads still answer.
  auto balance = user.Get("/app/balance/" + kAccount);
  REQUIRE(balance.ok());
  CHECK(balance->status == 200);
  for (const auto& [txid, value] : committed_before) CHECK(WaitForStatus(user, txid) == "Committed");

  fs::remove(disk.path() + "/filler");
  bool resumed = false;
  const auto resume_end = Clock::now() + kDeadline;
  while (!resumed && Clock::now() < resume_end) {
    resumed = bank.Deposit(1000).status == 204;
    if (!resumed) std::this_thread::sleep_for(100ms);
  }
  REQUIRE(resumed);
  for (const auto& [txid, value] : committed_before) CHECK(WaitForStatus(user, txid) == "Committed");
  CheckBalanceMatchesCommitted(bankd, log);
  // And the ledger on disk says the same after a restart.
  CHECK(bankd.Stop() == 0);
  bankd.Start();
  CheckBalanceMatchesCommitted(bankd, log);
}

TEST_CASE("a read-only ledger directory at start: one line naming the file, then a normal start",
          "[e2e][fault]") {
  Tmpfs disk("8m");
  if (!Mounted(disk)) return;
  Bank bank(&disk);
  auto& bankd = bank.bankd;
  bank.Deposit(5);
  REQUIRE(bankd.Stop() == 0);
  REQUIRE(disk.Remount(MS_RDONLY));
  const std::string reason = RefusedStart(bankd);
  INFO(reason);
  CHECK(reason.find(disk.path() + "/ledger/") != std::string::npos);
  CHECK(reason.find("Read-only file system") != std::string::npos);
  REQUIRE(disk.Remount(0));
  bankd.Start();
  CheckBalanceMatchesCommitted(bankd, bank.log);
}

TEST_CASE("a missing or wrong ledger secret refuses to start, naming a file", "[e2e][fault]") {
  Bank bank;
  auto& bankd = bank.bankd;
  bank.Deposit(5);
  REQUIRE(bankd.Stop() == 0);
  const std::string secret = SecretPath(bankd);
  auto original = ReadFile(secret);
  REQUIRE(original.ok());

  SECTION("missing") {
    fs::remove(secret);
    const std::string reason = RefusedStart(bankd);
    INFO(reason);
    CHECK(reason.find(secret) != std::string::npos);
    CHECK_FALSE(fs::exists(secret));  // no new secret was made for the old ledger
  }
  SECTION("wrong") {
    std::string wrong = *original;
    for (auto& c : wrong) c = static_cast<char>(c ^ 0x5a);
    REQUIRE(WriteFileAtomic(secret, wrong, 0600).ok());
    const std::string reason = RefusedStart(bankd);
    INFO(reason);
    CHECK(reason.find(secret) != std::string::npos);
  }
  REQUIRE(WriteFileAtomic(secret, *original, 0600).ok());
  bankd.Start();
  CheckBalanceMatchesCommitted(bankd, bank.log);
}

TEST_CASE("a ledger truncated or zeroed at its tail: started consistent, or refused naming it",
          "[e2e][fault]") {
  Bank bank;
  auto& bankd = bank.bankd;
  auto& log = bank.log;
  for (int i = 0; i < 5; ++i) bank.Deposit(7);
  CHECK(WaitForStatus(bank.user, log.accepted.back().first) == "Committed");
  bankd.Kill();  // as a crash: the open chunk stays open
  // The newest chunk file.
  ledger::ListOptions list;
  list.uncommitted = true;
  auto files = ledger::ListLedgerFiles({bankd.ledger_dir()}, list);
  REQUIRE(files.ok());
  REQUIRE(!files->empty());
  const std::string last = files->back().path;
  const auto size = fs::file_size(last);
  REQUIRE(size > 200);
  SECTION("truncated") { fs::resize_file(last, size - 13); }
  SECTION("zeroed") {
    std::fstream f(last, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - 100));
    f.write(std::string(100, '\0').data(), 100);
  }
  bool started = true;
  try {
    bankd.Start();
  } catch (const std::runtime_error&) {
    started = false;
  }
  if (started) {
    CheckBalanceMatchesCommitted(bankd, log);
  } else {
    const std::string reason = LastLogLine(bankd);
    INFO(reason);
    CHECK(reason.find(last) != std::string::npos);
  }
}

}  // namespace
}  // namespace bank::test
