
// Part 5 of 5: an accepted proposal's actions, applied in order within one
// transaction (an exception discards all of them).
export function apply(proposal, proposalId) {
  for (const action of JSON.parse(proposal)["actions"]) {
    actions.get(action.name).apply(action.args, proposalId);
  }
}
