// Banking calls for end-to-end tests, with Catch2 checks on the outcome:
// the steps of the seed scenario that many tests need as set-up.
#pragma once

#include <cstdint>
#include <string>

#include "bank/http_client.hpp"
#include "bank/txid.hpp"
#include "support/bankd_process.hpp"

namespace bank::test {

// PUT /app/account/{user_id}/{account}: REQUIREs 204.
void CreateAccount(HttpClient& member, const std::string& user_id, const std::string& account);
// POST /app/deposit/{user_id}/{account}: REQUIREs 204; returns the txid.
TxId Deposit(HttpClient& member, const std::string& user_id, const std::string& account, uint64_t value);
// POST /app/transfer/{from_account}: REQUIREs 204; returns the txid.
TxId Transfer(HttpClient& user, const std::string& from_account, uint64_t value,
              const std::string& to_user_id, const std::string& to_account);
// GET /app/balance/{account}: REQUIREs 200.
uint64_t Balance(HttpClient& user, const std::string& account);
// Polls GET /app/tx until the status is Committed (bounded); returns the
// last status seen.
std::string WaitForStatus(HttpClient& client, const TxId& txid, const std::string& wanted = "Committed");

// Status and CCF error code of a response (REQUIREs that it arrived); ""
// when the body is not CCF's.
std::pair<long, std::string> StatusAndCode(const Result<Response>& r);

// A fresh bankd where user0 has 1000 in "current_account" and user1 an
// empty "savings_account", with clients for them and the members.
struct TwoParties {
  BankdProcess bankd;
  std::string user0 = bankd.id("user0"), user1 = bankd.id("user1");
  HttpClient member0 = bankd.Client("member0"), member1 = bankd.Client("member1"),
             member2 = bankd.Client("member2");
  HttpClient u0 = bankd.Client("user0"), u1 = bankd.Client("user1");

  TwoParties();
  // POST /app/transfer/{account} from `from` to user `to`'s `to_account`.
  Result<Response> Send(HttpClient& from, const std::string& account, uint64_t value, const std::string& to,
                        const std::string& to_account);
  // user0's current_account to user1's savings_account.
  Result<Response> Send(uint64_t value) {
    return Send(u0, "current_account", value, user1, "savings_account");
  }
};

}  // namespace bank::test
