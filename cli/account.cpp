// Account commands (`account create|deposit|balance|transfer|history|info|
// list`) and `tx` (transaction status, optionally waiting for commit).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>
#include <sstream>
#include <thread>

#include "bank/banking_client.hpp"
#include "cli.hpp"
#include "user_ref.hpp"

namespace bankctl {
namespace {

using bank::Result;
using bank::Status;

struct AccountArgs {
  std::string user, account, amount, to, from_date, to_date;
};

// A JSON integer > 0 that fits in 64 bits, written plainly ("100", not
// "+100", "1e2" or "100.0"). The service checks again.
Result<uint64_t> ParseAmount(const std::string& text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v == 0)
    return Status::Usage("AMOUNT must be a positive integer (got '" + text + "')");
  return v;
}

Result<bank::TxId> ParseTxId(const std::string& text) {
  auto txid = bank::TxId::Parse(text);
  if (!txid) return Status::Usage("'" + text + "' is not a transaction id (expected VIEW.SEQNO, e.g. 2.18)");
  return *txid;
}

Result<bank::BankingClient> Banking(Context& ctx) {
  auto http = ctx.Client();
  if (!http.ok()) return http.status();
  return bank::BankingClient(*http);
}

std::string Short(const std::string& id) { return id.size() > 12 ? id.substr(0, 12) + "…" : id; }

// Columns padded to their widest cell; the last column is not padded.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  // Display width: count UTF-8 lead bytes, not bytes ("…" is one column).
  auto columns = [](const std::string& s) {
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
  };
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], columns(row[i]));
  }
  std::string out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out += std::string(width[i] - columns(row[i]) + 2, ' ');
    }
    out += '\n';
  }
  return out;
}

Status Create(Context& ctx, const AccountArgs& a) {
  BANK_ASSIGN_OR_RETURN(std::string user, ResolveUser(ctx, a.user));
  BANK_ASSIGN_OR_RETURN(auto banking, Banking(ctx));
  BANK_ASSIGN_OR_RETURN(bank::TxId txid, banking.CreateAccount(user, a.account));
  ctx.Emit(
      {{"user_id", user}, {"account_name", a.account}, {"transaction_id", txid.ToString()}},
      fmt::format("account '{}' of user {} ready (transaction {})", a.account, Short(user), txid.ToString()));
  return Status::OK();
}

Status Deposit(Context& ctx, const AccountArgs& a) {
  BANK_ASSIGN_OR_RETURN(uint64_t amount, ParseAmount(a.amount));
  BANK_ASSIGN_OR_RETURN(std::string user, ResolveUser(ctx, a.user));
  BANK_ASSIGN_OR_RETURN(auto banking, Banking(ctx));
  BANK_ASSIGN_OR_RETURN(bank::TxId txid, banking.Deposit(user, a.account, amount));
  ctx.Emit({{"user_id", user},
            {"account_name", a.account},
            {"amount", amount},
            {"transaction_id", txid.ToString()}},
           fmt::format("deposited {} into '{}' of user {} (transaction {})", amount, a.account, Short(user),
                       txid.ToString()));
  return Status::OK();
}

Status Balance(Context& ctx, const AccountArgs& a) {
  BANK_ASSIGN_OR_RETURN(auto banking, Banking(ctx));
  BANK_ASSIGN_OR_RETURN(bank::BalanceReading reading, banking.Balance(a.account));
  nlohmann::json out = {
      {"account_name", a.account}, {"balance", reading.balance}, {"reserved", reading.reserved}};
  if (reading.txid) out["transaction_id"] = reading.txid->ToString();
  // The plain number stays what scripts read; reserved money is named.
  ctx.Emit(out, reading.reserved == 0 ? std::to_string(reading.balance)
                                      : fmt::format("{} (and {} reserved by held transfers)", reading.balance,
                                                    reading.reserved));
  return Status::OK();
}

Status Transfer(Context& ctx, const AccountArgs& a) {
  BANK_ASSIGN_OR_RETURN(uint64_t amount, ParseAmount(a.amount));
  size_t colon = a.to.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == a.to.size())
    return Status::Usage("--to must be USER:ACCOUNT (got '" + a.to + "')");
  BANK_ASSIGN_OR_RETURN(std::string to_user, ResolveUser(ctx, a.to.substr(0, colon)));
  const std::string to_account = a.to.substr(colon + 1);
  BANK_ASSIGN_OR_RETURN(auto banking, Banking(ctx));
  BANK_ASSIGN_OR_RETURN(bank::TransferResult done, banking.Transfer(a.account, to_user, to_account, amount));
  nlohmann::json out = {{"account_name", a.account},
                        {"user_id_to", to_user},
                        {"account_name_to", to_account},
                        {"amount", amount},
                        {"transaction_id", done.txid.ToString()}};
  if (done.held()) {
    out["hold_id"] = done.hold_id;
    out["status"] = "Held";
    ctx.Emit(out, fmt::format(
                      "held for review: {} from '{}' to '{}' of user {} (hold {}, transaction {}); a member "
                      "approves or rejects it",
                      amount, a.account, to_account, Short(to_user), done.hold_id, done.txid.ToString()));
    return Status::OK();
  }
  ctx.Emit(out, fmt::format("transferred {} from '{}' to '{}' of user {} (transaction {})", amount, a.account,
                            to_account, Short(to_user), done.txid.ToString()));
  return Status::OK();
}

std::string Counterparty(const bank::AccountEntry& e) {
  if (e.counterparty_account.empty()) return Short(e.counterparty);
  return Short(e.counterparty) + ":" + e.counterparty_account;
}

Status History(Context& ctx, const AccountArgs& a) {
  for (const auto* date : {&a.from_date, &a.to_date})
    if (!date->empty() && !bank::IsIsoDate(*date))
      return Status::Usage("dates are YYYY-MM-DD (got '" + *date + "')");
  BANK_ASSIGN_OR_RETURN(auto banking, Banking(ctx));
  BANK_ASSIGN_OR_RETURN(auto entries, banking.History(a.account, a.from_date, a.to_date));
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows = {
      {"TRANSACTION", "TIME", "TYPE", "COUNTERPARTY", "AMOUNT", "BALANCE"}};
  for (const auto& e : entries) {
    list.push_back(bank::ToJson(e));
    std::string amount = (e.type == "transfer_out" ? "-" : "+") + std::to_string(e.amount);
    rows.push_back(
        {e.transaction_id, e.timestamp, e.type, Counterparty(e), amount, std::to_string(e.balance)});
  }
  ctx.Emit({{"account_name", a.account}, {"transactions", list}},
           entries.empty() ? "no transactions" : Table(rows));
  return Status::OK();
}

Status Info(Context& ctx, const AccountArgs& a) {
  BANK_ASSIGN_OR_RETURN(auto banking, Banking(ctx));
  BANK_ASSIGN_OR_RETURN(bank::Account account, banking.AccountInfo(a.account));
  ctx.Emit(bank::ToJson(account), Table({{"account:", account.account_name},
                                         {"user:", account.user_id},
                                         {"balance:", std::to_string(account.balance)},
                                         {"created:", account.created_at},
                                         {"created in:", account.created_transaction_id}}));
  return Status::OK();
}

Status List(Context& ctx) {
  BANK_ASSIGN_OR_RETURN(auto banking, Banking(ctx));
  BANK_ASSIGN_OR_RETURN(auto accounts, banking.ListAccounts());
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows = {{"ACCOUNT", "BALANCE", "CREATED", "TRANSACTION"}};
  for (const auto& account : accounts) {
    list.push_back(bank::ToJson(account));
    rows.push_back({account.account_name, std::to_string(account.balance), account.created_at,
                    account.created_transaction_id});
  }
  ctx.Emit({{"accounts", list}}, accounts.empty() ? "no accounts" : Table(rows));
  return Status::OK();
}

Status TxInfo(Context& ctx, const std::string& text, bool wait) {
  BANK_ASSIGN_OR_RETURN(bank::TxId txid, ParseTxId(text));
  BANK_ASSIGN_OR_RETURN(auto banking, Banking(ctx));
  BANK_ASSIGN_OR_RETURN(bank::TxStatus status, banking.GetTxStatus(txid));
  if (wait) {
    // Polls with a growing interval until a final status or --timeout.
    using Clock = std::chrono::steady_clock;
    const auto deadline =
        Clock::now() + std::chrono::milliseconds(static_cast<long long>(ctx.settings.timeout_seconds * 1000));
    auto interval = std::chrono::milliseconds(20);
    bool announced = false;
    while (status != bank::TxStatus::kCommitted && status != bank::TxStatus::kInvalid) {
      if (Clock::now() >= deadline)
        return Status::Network(fmt::format("transaction {} still {} after {:g} s (--timeout)",
                                           txid.ToString(), bank::TxStatusName(status),
                                           ctx.settings.timeout_seconds));
      if (!announced) {
        ctx.Progress(fmt::format("waiting for transaction {} to commit ({})...", txid.ToString(),
                                 bank::TxStatusName(status)));
        announced = true;
      }
      std::this_thread::sleep_for(std::min<Clock::duration>(interval, deadline - Clock::now()));
      interval = std::min(interval * 2, std::chrono::milliseconds(500));
      BANK_ASSIGN_OR_RETURN(status, banking.GetTxStatus(txid));
    }
  }
  ctx.Emit({{"transaction_id", txid.ToString()}, {"status", bank::TxStatusName(status)}},
           fmt::format("{} {}", txid.ToString(), bank::TxStatusName(status)));
  if (wait && status == bank::TxStatus::kInvalid)
    return Status::Rejected("transaction " + txid.ToString() +
                            " is Invalid: it was rolled back and will not commit");
  return Status::OK();
}

void Register(CLI::App& app, Context& ctx) {
  auto* account = app.add_subcommand("account", "Bank accounts: create, deposit, balance, transfer, history");
  account->require_subcommand(1);
  auto args = std::make_shared<AccountArgs>();

  auto* create =
      account->add_subcommand("create", "Create an account for a user (as a member; no-op if it exists)");
  create
      ->add_option("USER", args->user,
                   "User: 64-hex id, workspace name (user0), certificate file or name*bank")
      ->required();
  create->add_option("ACCOUNT", args->account, "Account name")->required();
  ctx.Bind(create, [&ctx, args] { return Create(ctx, *args); });

  auto* deposit = account->add_subcommand("deposit", "Deposit money into a user's account (as a member)");
  deposit
      ->add_option("USER", args->user,
                   "User: 64-hex id, workspace name (user0), certificate file or name*bank")
      ->required();
  deposit->add_option("ACCOUNT", args->account, "Account name")->required();
  deposit->add_option("AMOUNT", args->amount, "Positive integer")->required();
  ctx.Bind(deposit, [&ctx, args] { return Deposit(ctx, *args); });

  auto* balance = account->add_subcommand("balance", "Balance of one of your accounts (as a user)");
  balance->add_option("ACCOUNT", args->account, "Account name")->required();
  ctx.Bind(balance, [&ctx, args] { return Balance(ctx, *args); });

  auto* transfer = account->add_subcommand("transfer", "Transfer from one of your accounts (as a user)");
  transfer->add_option("ACCOUNT", args->account, "Your account to take the money from")->required();
  transfer
      ->add_option("--to", args->to,
                   "Target USER:ACCOUNT (USER as for create, e.g. alice*bank0:savings_account)")
      ->required();
  transfer->add_option("AMOUNT", args->amount, "Positive integer")->required();
  ctx.Bind(transfer, [&ctx, args] { return Transfer(ctx, *args); });

  auto* history = account->add_subcommand("history", "Transactions of one of your accounts (bankd)");
  history->add_option("ACCOUNT", args->account, "Account name")->required();
  history->add_option("--from", args->from_date, "First day, YYYY-MM-DD (UTC)");
  history->add_option("--to", args->to_date, "Last day, YYYY-MM-DD (UTC, inclusive)");
  ctx.Bind(history, [&ctx, args] { return History(ctx, *args); });

  auto* info = account->add_subcommand("info", "Details of one of your accounts (bankd)");
  info->add_option("ACCOUNT", args->account, "Account name")->required();
  ctx.Bind(info, [&ctx, args] { return Info(ctx, *args); });

  auto* list = account->add_subcommand("list", "Your accounts (bankd)");
  ctx.Bind(list, [&ctx] { return List(ctx); });

  auto txid = std::make_shared<std::string>();
  auto wait = std::make_shared<bool>(false);
  auto* tx = app.add_subcommand("tx", "Status of a transaction: Unknown, Pending, Committed or Invalid");
  tx->add_option("TXID", *txid, "Transaction id VIEW.SEQNO (e.g. 2.18)")->required();
  tx->add_flag("--wait", *wait,
               "Wait until Committed or Invalid (bounded by --timeout; exit 6 when Invalid, 8 on timeout)");
  ctx.Bind(tx, [&ctx, txid, wait] { return TxInfo(ctx, *txid, *wait); });
}

BANKCTL_COMMAND_GROUP_ORDERED(Register, 20);

}  // namespace
}  // namespace bankctl
