// Fetching a receipt from the service, shared by `receipt get|fetch` and
// `receipt bundle` (cli/receipt.cpp implements it).
#pragma once

#include <string>

#include "bank/http_client.hpp"
#include "bank/txid.hpp"
#include "cli.hpp"

namespace bankctl {

// GET `path` (a /app or /node receipt endpoint for `txid`); with `wait`,
// polls while the service answers 202 (or, `json_form`, an Azure
// Confidential Ledger envelope not yet Ready), bounded by --timeout.
// Without `wait` a pending receipt is NotFound; any non-200 its Status.
bank::Result<bank::Response> FetchReceipt(Context& ctx, const bank::TxId& txid, const std::string& path,
                                          bool wait, bool json_form);

}  // namespace bankctl
