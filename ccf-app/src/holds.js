// Held transfers and the conservation audit, as bankd's node/app/holds.hpp:
// a transfer above review_above reserves the sender's funds and answers 202
// {hold_id, status: "Held"}; a member approves (the transfer executes, with
// its claim) or rejects (the funds return). The transaction ids are the
// versions of write-once keys (bank.hold_creations / bank.hold_decisions):
// a CCF endpoint does not know its own id while it runs, so the answers
// carry it in x-ms-ccf-transaction-id only.
import * as http from "./http.js";
import { checkFrozen, subtractOutgoing } from "./compliance.js";
import * as t from "./tables.js";
import { completeTransfer, now } from "./transfers.js";

function holdKey(id) {
  if (!/^[0-9]{1,19}$/.test(id)) return undefined;
  return BigInt(id).toString().padStart(20, "0");
}

function isoTime(ms) {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

function unknownHold(id) {
  return http.error(404, "ResourceNotFound", `Hold '${id}' does not exist.`);
}

function shown(key, stored) {
  const { held_at_ms, ...hold } = stored;
  const out = { ...hold, value: BigInt(stored.value), held_transaction_id: t.writerOf(t.HOLD_CREATIONS, key) ?? "" };
  if (stored.status !== "Held") out.decided_transaction_id = t.writerOf(t.HOLD_DECISIONS, key) ?? "";
  return out;
}

function visible(request, hold) {
  return request.caller.policy === "member_cert" || hold.from_user === request.caller.id || hold.to_user === request.caller.id;
}

export function holdTransfer(from, name, source, to, toName, v, timestamp) {
  const id = t.get(t.HOLD_COUNTER, "next") ?? 1;
  t.put(t.HOLD_COUNTER, "next", id + 1);
  source.balance -= v;
  source.reserved += v;
  t.storeAccount(from, name, source);
  const key = String(id).padStart(20, "0");
  t.put(t.HOLDS, key, {
    hold_id: String(id),
    from_user: from,
    from_account: name,
    to_user: to,
    to_account: toName,
    value: v.toString(),
    status: "Held",
    held_at: isoTime(timestamp),
    held_at_ms: timestamp,
  });
  t.put(t.HOLD_CREATIONS, key, {});
  return http.json({ hold_id: String(id), status: "Held" }, 202);
}

function reasonOf(body) {
  if (body === "") return { value: "" };
  let j;
  try {
    j = JSON.parse(body);
  } catch {
    j = undefined;
  }
  if (j === null || typeof j !== "object" || Array.isArray(j)) {
    return { error: http.error(400, "InvalidInput", "Request body must be a JSON object.") };
  }
  if (j.reason === undefined) return { value: "" };
  if (typeof j.reason !== "string") return { error: http.error(400, "InvalidInput", "Field 'reason' must be a string.") };
  return { value: j.reason };
}

function decide(request, approve) {
  const id = request.params.hold_id;
  const key = holdKey(id);
  const hold = key === undefined ? undefined : t.get(t.HOLDS, key);
  if (hold === undefined) return unknownHold(id);
  const reason = reasonOf(request.body.text());
  if (reason.error) return reason.error;
  if (hold.status !== "Held") {
    return http.error(
      409,
      "HoldAlreadyDecided",
      `Hold ${id} is already ${hold.status} (transaction ${t.writerOf(t.HOLD_DECISIONS, key) ?? ""}).`,
    );
  }
  const v = BigInt(hold.value);
  const source = t.loadAccount(hold.from_user, hold.from_account);
  if (source === undefined || source.reserved < v) {
    return http.error(500, "InternalError", `Hold ${id} has no reserved amount to release.`);
  }
  const timestamp = now();
  source.reserved -= v;
  if (approve) {
    const frozen = checkFrozen(hold.from_user, hold.to_user);
    if (frozen) return frozen;
    if (!t.userExists(hold.to_user)) return http.unknownUser(hold.to_user);
    if (t.loadAccount(hold.to_user, hold.to_account) === undefined) return http.unknownAccount(hold.to_user, hold.to_account);
    const refused = completeTransfer(hold.from_user, hold.from_account, source, hold.to_user, hold.to_account, v, timestamp);
    if (refused) return refused;
  } else {
    source.balance += v;
    t.storeAccount(hold.from_user, hold.from_account, source);
    subtractOutgoing(hold.from_user, hold.held_at_ms, v);
  }
  hold.status = approve ? "Approved" : "Rejected";
  hold.decided_by = request.caller.id;
  hold.decided_at = isoTime(timestamp);
  if (reason.value !== "") hold.reason = reason.value;
  t.put(t.HOLDS, key, hold);
  t.put(t.HOLD_DECISIONS, key, {});
  return http.json({ hold_id: id, status: hold.status });
}

export function approve(request) {
  return decide(request, true);
}

export function reject(request) {
  return decide(request, false);
}

export function list(request) {
  const status = http.query(request).status;
  const holds = [];
  for (const key of t.keys(t.HOLDS).sort()) {
    const hold = t.get(t.HOLDS, key);
    if (visible(request, hold) && (status === undefined || hold.status === status)) holds.push(shown(key, hold));
  }
  return http.json({ holds });
}

export function one(request) {
  const id = request.params.hold_id;
  const key = holdKey(id);
  const hold = key === undefined ? undefined : t.get(t.HOLDS, key);
  if (hold === undefined || !visible(request, hold)) return unknownHold(id);
  return http.json(shown(key, hold));
}

// Sums over every account and hold in one transaction's state.
export function totals() {
  let available = 0n;
  let reserved = 0n;
  let held = 0n;
  let accounts = 0;
  for (const user of t.keys(t.USER_CERTS)) {
    for (const name of t.keys(t.accountsOf(user))) {
      const a = t.loadAccount(user, name);
      available += a.balance;
      reserved += a.reserved;
      accounts++;
    }
  }
  for (const key of t.keys(t.HOLDS)) {
    const hold = t.get(t.HOLDS, key);
    if (hold.status === "Held") held += BigInt(hold.value);
  }
  return http.json({
    accounts,
    available: available.toString(),
    reserved: reserved.toString(),
    held: held.toString(),
    deposited: t.getDecimal(t.TOTALS, "deposited").toString(),
  });
}
