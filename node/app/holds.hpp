// Held transfers: a transfer above the policy's review_above is not
// executed. Its amount moves from the sender's available balance to its
// reserved amount, the answer is 202 {"hold_id", "status": "Held",
// "transaction_id"} (and x-ms-ccf-transaction-id: the hold's transaction),
// and a member decides:
//
//   GET  /app/holds[?status=Held|Approved|Rejected]  member: every hold;
//        user: the holds it sends or receives.       200 {"holds": [...]}
//   GET  /app/holds/{hold_id}                         same audience; 404
//   POST /app/holds/{hold_id}:approve   member_cert   200 {"hold_id", "status":
//        "Approved", "transaction_id"}: the transfer executes in that
//        transaction, with its history entries and the claim "<from> sent
//        <value> to <to>" (so the sender gets its receipt as for any
//        transfer); 403 UserFrozen when a party is frozen by then
//   POST /app/holds/{hold_id}:reject    member_cert   body {"reason"}
//        optional; 200 {..., "status": "Rejected"}: the reserved amount
//        returns to the available balance
//   Both: 404 ResourceNotFound (no such hold), 409 HoldAlreadyDecided.
//
//   GET  /app/totals  member: {"accounts", "available", "reserved", "held",
//        "deposited"} read in one consistent state, as decimal strings
//        (sums can pass 2^64): available + reserved == deposited and
//        reserved == held at every instant (the conservation audit).
//
// Tables (private, JSON):
//   bank.holds         "<hold id, 20 digits>" -> {hold_id, from_user,
//                      from_account, to_user, to_account, value, status,
//                      held_transaction_id, held_at, decided_by?,
//                      decided_transaction_id?, decided_at?, reason?}
//   bank.hold_counter  "next" -> decimal id of the next hold
#pragma once

#include <string>

#include "app/records.hpp"
#include "app/requests.hpp"
#include "http/message.hpp"
#include "http/router.hpp"
#include "kv/tx.hpp"

namespace bankd::app {

// Holds `t` from account `name` of `from` (loaded as `source`, with enough
// available balance): reserves the amount and answers 202.
http::Response HoldTransfer(kv::Tx& tx, const bank::TxId& txid, const std::string& from,
                            const std::string& name, Account source, const TransferRequest& t,
                            int64_t now_ms);

void RegisterHoldEndpoints(http::Router& router);

}  // namespace bankd::app
