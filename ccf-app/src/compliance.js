// The consortium's transfer rules (governance-scripts/constitution/
// bank_actions.js sets them), enforced as bankd does (node/app/
// compliance.hpp): 403 UserFrozen, 400 TransferLimitExceeded, 400
// DailyLimitExceeded, with the same messages; GET /policy shows them.
import * as http from "./http.js";
import * as t from "./tables.js";

export function utcDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

function limit(policy, field) {
  const v = policy[field];
  return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined;
}

// {max_transfer, daily_outgoing_limit, review_above} as BigInts (undefined:
// no limit) and the proposal that set them.
export function loadPolicy() {
  const raw = ccf.kv[t.TRANSFER_POLICY].get(t.SINGLETON_KEY);
  const policy = raw === undefined ? {} : ccf.bufToJsonCompatible(raw);
  return {
    max_transfer: limit(policy, "max_transfer"),
    daily_outgoing_limit: limit(policy, "daily_outgoing_limit"),
    review_above: limit(policy, "review_above"),
    proposal_id: policy.proposal_id,
  };
}

export function checkFrozen(from, to) {
  for (const user of [from, to]) {
    const frozen = t.get(t.FROZEN_USERS, user);
    if (frozen === undefined) continue;
    return http.error(
      403,
      "UserFrozen",
      `User ${user} is frozen by the consortium (freeze_user, proposal ${frozen.proposal_id ?? ""}: ` +
        `${frozen.reason ?? ""}); no transfer from or to it is allowed.`,
    );
  }
  return undefined;
}

function dailyKey(user, ms) {
  return `${user}/${utcDay(ms)}`;
}

export function checkLimits(policy, from, v, ms) {
  if (policy.max_transfer !== undefined && v > policy.max_transfer) {
    return http.error(
      400,
      "TransferLimitExceeded",
      `Transfer of ${v} exceeds the consortium's max_transfer limit of ${policy.max_transfer}.`,
    );
  }
  if (policy.daily_outgoing_limit !== undefined) {
    const sent = t.getDecimal(t.DAILY_OUTGOING, dailyKey(from, ms));
    if (sent + v > policy.daily_outgoing_limit) {
      return http.error(
        400,
        "DailyLimitExceeded",
        `Transfer of ${v} would bring the sender's outgoing total of ${utcDay(ms)} (UTC) from ${sent} above the ` +
          `consortium's daily_outgoing_limit of ${policy.daily_outgoing_limit}.`,
      );
    }
  }
  return undefined;
}

export function addOutgoing(from, ms, v) {
  const key = dailyKey(from, ms);
  t.putDecimal(t.DAILY_OUTGOING, key, t.getDecimal(t.DAILY_OUTGOING, key) + v);
}

export function subtractOutgoing(from, ms, v) {
  const key = dailyKey(from, ms);
  const sent = t.getDecimal(t.DAILY_OUTGOING, key);
  t.putDecimal(t.DAILY_OUTGOING, key, sent > v ? sent - v : 0n);
}

export function policy() {
  const p = loadPolicy();
  const shown = (v) => (v === undefined ? null : v);
  return http.json({
    max_transfer: shown(p.max_transfer),
    daily_outgoing_limit: shown(p.daily_outgoing_limit),
    review_above: shown(p.review_above),
    proposal_id: p.proposal_id ?? null,
    transaction_id: t.writerOfRaw(t.TRANSFER_POLICY, t.SINGLETON_KEY) ?? null,
  });
}
