// bankd's governance frontend: /gov/* in both of CCF's API flavours.
//
// 2024-07-01 (every call needs ?api-version=2024-07-01; 2023-06-01-preview
// is accepted too):
//   POST /gov/members/proposals:create                          proposal
//   GET  /gov/members/proposals[/{proposalId}[/actions]]
//   POST /gov/members/proposals/{proposalId}:withdraw           withdrawal
//   POST /gov/members/proposals/{proposalId}/ballots/{memberId}:submit  ballot
//   GET  /gov/members/proposals/{proposalId}/ballots/{memberId}
//   GET  /gov/members/state-digests/{memberId}
//   POST /gov/members/state-digests/{memberId}:update          state_digest
//   POST /gov/members/state-digests/{memberId}:ack             ack
//   GET  /gov/service/{info,constitution,members[/{id}],users[/{id}],
//                      nodes[/{id}],transactions/commit,transactions/{txid}}
// classic:
//   POST /gov/proposals, GET /gov/proposals[/{id}[/actions]],
//   POST /gov/proposals/{id}/ballots, GET /gov/proposals/{id}/ballots/{member},
//   POST /gov/proposals/{id}/withdraw, GET /gov/members,
//   POST /gov/ack/update_state_digest, POST /gov/ack, GET /gov/kv/<table>
//
// Signed calls authenticate with the COSE_Sign1 policies of
// auth/cose_sign1_policy.hpp, bound to their ccf.gov.msg.type (the names on
// the right). Refusals use CCF's statuses, codes and messages.
#pragma once

#include "http/router.hpp"
#include "ledger/engine.hpp"

namespace bankd::governance {

// Seeds the constitution text on a ledger that has none (a new service),
// then registers every /gov endpoint above.
void InstallGovernance(http::Router& router, ledger::Engine& engine);

}  // namespace bankd::governance
