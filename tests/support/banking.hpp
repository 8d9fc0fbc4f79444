// Banking calls for end-to-end tests, with Catch2 checks on the outcome:
// the steps of the seed scenario that many tests need as set-up.
#pragma once

#include <cstdint>
#include <string>

#include "bank/http_client.hpp"
#include "bank/txid.hpp"

namespace bank::test {

// PUT /app/account/{user_id}/{account}: REQUIREs 204.
void CreateAccount(HttpClient& member, const std::string& user_id, const std::string& account);
// POST /app/deposit/{user_id}/{account}: REQUIREs 204; returns the txid.
TxId Deposit(HttpClient& member, const std::string& user_id, const std::string& account, uint64_t value);
// POST /app/transfer/{from_account}: REQUIREs 204; returns the txid.
TxId Transfer(HttpClient& user, const std::string& from_account, uint64_t value, const std::string& to_user_id,
              const std::string& to_account);
// GET /app/balance/{account}: REQUIREs 200.
uint64_t Balance(HttpClient& user, const std::string& account);
// Polls GET /app/tx until the status is Committed (bounded); returns the
// last status seen.
std::string WaitForStatus(HttpClient& client, const TxId& txid, const std::string& wanted = "Committed");

}  // namespace bank::test
