
// Part 4 of 5: strict majority of the Active members. Accepted once the
// "true" votes outnumber half of the Active members; Rejected once that can
// no longer happen; Open otherwise. The proposer has no implicit vote.
// bankd applies exactly this rule (node/governance/proposals.hpp).
export function resolve(proposal, proposerId, votes, proposalId) {
  let activeMembers = 0;
  ccf.kv["public:ccf.gov.members.info"].forEach((value) => {
    if (ccf.bufToJsonCompatible(value).status === "Active") {
      activeMembers++;
    }
  });
  const half = Math.floor(activeMembers / 2);
  const yes = votes.filter((v) => v.vote).length;
  const no = votes.length - yes;
  if (yes > half) {
    return "Accepted";
  }
  if (no >= activeMembers - half) {
    return "Rejected";
  }
  return "Open";
}
