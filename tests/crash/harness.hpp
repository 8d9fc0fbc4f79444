// The crash harness: a real bankd (tests/support/bankd_process) under
// concurrent deposits (members) and transfers (users), each client on its
// own mTLS connection, killed with SIGKILL at a random instant, audited
// with `bankctl ledger audit` while it is down, restarted, and checked
// through its HTTP API against the Journal, cycle after cycle.
//
// The kill instant is drawn from a seeded generator: the seed is printed
// and `--seed` replays the same sequence of instants and operations (the
// interleaving of threads still varies).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bank::crash {

struct Settings {
  int cycles = 20;
  uint64_t seed = 0;  // 0: from the clock (printed)
  int users = 4;      // each with accounts "current" and "savings"
  int members = 2;    // depositors
  int min_kill_ms = 20;
  int max_kill_ms = 1500;  // the kill comes uniformly in [min, max] after the load starts
};

struct Outcome {
  int cycles = 0;
  uint64_t operations = 0;  // sent, the opening deposits included
  uint64_t answered = 0;    // answered by bankd before a kill
  uint64_t committed = 0;   // committed in the end (exactly once each)
  uint64_t transfers_answered = 0, transfers_reported_committed = 0;  // before a kill
  // Unsettled at a kill and sent again: `survived` had happened (bankd
  // replayed the first answer), `rerun` had not (it ran then).
  uint64_t resent = 0, survived = 0, rerun = 0;
  uint64_t receipts_verified = 0;
  size_t snapshots = 0;  // snapshot files bankd had written by the last restart
  uint64_t lost = 0, duplicated = 0;
  std::vector<std::string> problems;  // empty: everything held
};

// Runs the cycles; progress lines go to stdout. Never throws on a broken
// invariant: it is recorded in Outcome::problems (the run goes on, so one
// run shows everything that broke).
Outcome Run(const Settings& settings);

}  // namespace bank::crash
