// Fuzz target: everything bankd parses out of an application request
// before a handler acts on it — the request target (path, query string,
// percent-decoding), each banking body (deposit, transfer), the history
// date range, the Idempotency-Key header and transaction ids (/tx,
// /app/transaction/{id}). None may crash, and each must either accept with
// a usable value or refuse with a CCF error code.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "app/requests.hpp"
#include "bank/txid.hpp"
#include "http/url.hpp"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

template <typename T>
void CheckParsed(const bankd::app::Parsed<T>& p) {
  Check(p.ok() || (!p.error.code.empty() && !p.error.message.empty()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // As a request target: "/app/transactions/acc?from=...&to=...".
  std::string path, query;
  bankd::http::SplitTarget(input, &path, &query);
  Check(path.size() + query.size() <= input.size());
  const auto params = bankd::http::ParseQuery(query);
  const auto range = bankd::app::ParseDateRange(params.count("from") ? &params.at("from") : nullptr,
                                                params.count("to") ? &params.at("to") : nullptr);
  CheckParsed(range);
  if (range.ok()) Check(range.value->from_ms < range.value->to_ms);
  Check(bankd::http::PercentDecode(input).size() <= input.size());

  // As each banking body.
  const auto deposit = bankd::app::ParseDepositBody(input);
  CheckParsed(deposit);
  if (deposit.ok()) Check(*deposit.value > 0);
  const auto transfer = bankd::app::ParseTransferBody(input);
  CheckParsed(transfer);
  if (transfer.ok())
    Check(transfer.value->value > 0 && !transfer.value->user_id_to.empty() &&
          !transfer.value->account_name_to.empty());

  // As a header value and as a transaction id.
  CheckParsed(bankd::app::ParseIdempotencyKey(input));
  if (auto bad = bankd::app::CheckAccountName(input)) Check(bad->code == "InvalidResourceName");
  if (auto txid = bank::TxId::Parse(input)) Check(bank::TxId::Parse(txid->ToString()) == txid);
  return 0;
}
