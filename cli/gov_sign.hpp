// bankctl gov sign | prepare | finish: COSE_Sign1 governance envelopes
// without a service connection (as CCF's ccf_cose_sign1 writes them), with
// the signature made here or, for an HSM or key vault, elsewhere.
#pragma once

#include <string>

#include "bank/status.hpp"
#include "cli.hpp"

namespace bankctl {

// A file's content, or standard input for "-". Unlike other inputs, an
// empty payload is valid (withdrawals and state digest requests sign one).
bank::Result<std::string> ReadContent(const std::string& path);

// Adds sign, prepare and finish to the `gov` command.
void RegisterGovSigning(CLI::App* gov, Context& ctx);

}  // namespace bankctl
