// Rollback of the ledger files to their durable point, after the group
// commit failed (ledger/group_commit.hpp).
//
// Everything written after the last successful fsync is of unknown content
// (fsyncgate: after a failed fsync the kernel may have dropped those pages
// yet still serve them from its cache, and a later fsync reports success),
// so it is removed rather than trusted: the chunk that holds the last
// durable transaction is cut right after it (and given back its open name
// and zero header if it had been completed since), and every chunk that
// starts after it is deleted. What remains was all covered by a successful
// fsync, and replaying it rebuilds a state that matches the disk exactly.
// Only Pending transactions are lost: none was ever reported Committed.
#pragma once

#include <cstdint>
#include <string>

#include "bank/status.hpp"
#include "ledger/state.hpp"

namespace bankd::ledger {

// `state` describes the ledger as the engine wrote it (durable or not);
// `durable_seqno` is the last transaction a successful fsync covered.
// Ends with the directory fsynced. Errors name the file.
bank::Status DiscardUndurable(const std::string& directory, const LedgerState& state, uint64_t durable_seqno);

}  // namespace bankd::ledger
