// The banking application: CCF's banking-app sample endpoints plus account
// info and history (see /work/shared/design.md, "The banking API").
//
// Tables: app/accounts.hpp (accounts, history, index, idempotency, totals),
// app/compliance.hpp (the consortium's transfer rules), app/holds.hpp (held
// transfers), app/directory.hpp (federation names). Registering the banking
// endpoints registers theirs too.
//
// Errors (CCF's body): 400 InvalidInput (bad JSON, bad value, overflow),
// 400 InsufficientFunds ("Balance is not enough"), 400
// InvalidQueryParameterValue (dates), 400 InvalidHeaderValue
// (Idempotency-Key), 400 InvalidResourceName (transaction id, account name
// not UTF-8), 404
// ResourceNotFound (unknown user, account or transaction), 401 from auth;
// for transfers also app/compliance.hpp's 403 UserFrozen, 400
// TransferLimitExceeded and DailyLimitExceeded, and 202 for a held one.
#pragma once

#include "http/router.hpp"

namespace bankd::app {

void RegisterBankingEndpoints(http::Router& router);

}  // namespace bankd::app
