// The banking application: CCF's banking-app sample endpoints plus account
// info and history (see /work/shared/design.md, "The banking API").
//
// Tables (all replayed from the ledger; values in app/records.hpp's binary
// encoding, except bank.idempotency's JSON):
//   bank.accounts      "<user_id>/<account>"        -> Account (balance, creation, entries)
//   bank.history       "<user_id>/<account>/<index>" -> HistoryEntry (index: 20 digits)
//   bank.transactions  "<txid>"                      -> the TxLegs (user, account, index) it wrote
//   bank.idempotency   "<caller_id>/<key>"           -> {"request","status","body","transaction_id"}
// Account names are escaped in keys ('%' -> %25, '/' -> %2F) so that '/'
// separates fields unambiguously.
//
// Errors (CCF's body): 400 InvalidInput (bad JSON, bad value, overflow),
// 400 InsufficientFunds ("Balance is not enough"), 400
// InvalidQueryParameterValue (dates), 400 InvalidHeaderValue
// (Idempotency-Key), 400 InvalidResourceName (transaction id, account name
// not UTF-8), 404
// ResourceNotFound (unknown user, account or transaction), 401 from auth.
#pragma once

#include "http/router.hpp"

namespace bankd::app {

void RegisterBankingEndpoints(http::Router& router);

}  // namespace bankd::app
