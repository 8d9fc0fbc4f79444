// Receipts: every transaction is provable offline (RECEIPTS.md).
//
//   GET /app/receipt?transaction_id=V.S       user_cert, the transfer's sender only
//   GET /app/receipt/cose?transaction_id=V.S  same, as a COSE receipt
//   GET /node/receipt?transaction_id=V.S      member_cert, any transaction
//   GET /node/receipt/cose?transaction_id=V.S same, as a COSE receipt
//
// JSON receipts are CCF's: the node key signs the Merkle root in a signature
// transaction, the node certificate is issued by the service certificate
// (service_endorsements is empty). Transfers carry their claim text next to
// the claims digest. COSE receipts (RFC 9942, CCF profile) carry the
// service key's COSE signature that the signature transaction records
// (public:ccf.internal.cose_signatures), shared by every receipt under
// that root, as CCF's.
//
// Answers, as CCF's historical endpoints: 400 InvalidQueryParameterValue for
// a missing or malformed id; 404 TransactionPendingOrUnknown for an id the
// ledger does not hold, 404 TransactionInvalid for one of another view; 202
// with `retry-after: 1` while no durable signature covers the transaction;
// then 200. A user asking for a transaction that is not a transfer they
// sent gets 404 ResourceNotFound (once the receipt exists, as CCF's banking
// app answers after loading the historical state).
#pragma once

#include "bank/key.hpp"
#include "bank/receipt.hpp"
#include "http/router.hpp"
#include "ledger/engine.hpp"

namespace bankd::receipts {

// CCF's JSON receipt of what the engine found for one transaction.
using ledger::JsonReceiptOf;

void RegisterReceiptEndpoints(http::Router& router);

}  // namespace bankd::receipts
