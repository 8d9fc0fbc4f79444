// Ballots. In CCF a ballot is a JavaScript module exporting
// vote(proposal, proposerId); bankd runs no JavaScript, so it understands
// the constant ballots only: `export function vote (p, q) { return true }`
// (or false), written with any whitespace, comments, semicolons, parameter
// names and parentheses around the literal a person might use.
#pragma once

#include <optional>
#include <string_view>

namespace bankd::governance {

// The constant vote of a ballot; nullopt when the ballot is anything else
// (a conditional ballot, which needs a CCF service).
std::optional<bool> ConstantBallotVote(std::string_view ballot_js);

}  // namespace bankd::governance
