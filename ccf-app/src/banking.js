// The banking endpoints (CCF's banking sample, plus account info, history
// and idempotency keys), with bankd's status codes, error codes and
// messages: see /work/shared/design.md "The banking API" and node/app/.
// Writes happen only after every check has passed, and CCF discards the
// writes of any non-2xx response as well.
import * as http from "./http.js";
import { addOutgoing, checkFrozen, checkLimits, loadPolicy } from "./compliance.js";
import { holdTransfer } from "./holds.js";
import { parseDepositBody, parseIdempotencyKey, parseTransferBody } from "./requests.js";
import * as t from "./tables.js";
import { completeTransfer, now, record, wouldOverflow } from "./transfers.js";

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

function invalid(e) {
  return http.error(400, e.code, e.message);
}

// Runs a money operation at most once per (caller, Idempotency-Key): a
// retry gets the first result back, marked idempotent-replayed.
function idempotent(request, execute) {
  const raw = http.header(request, "idempotency-key");
  if (raw === undefined) return execute();
  const key = parseIdempotencyKey(raw);
  if (key.error) return invalid(key.error);
  const body = request.body.text();
  const fingerprint = hex(ccf.digest("SHA-256", ccf.strToBuf(`${request.method} ${request.path}\n${body}`)));
  const storeKey = `${request.caller.id}/${key.value}`;
  const stored = t.get(t.IDEMPOTENCY, storeKey);
  if (stored !== undefined) {
    if (stored.request !== fingerprint) {
      return http.error(
        400,
        "InvalidHeaderValue",
        `Idempotency-Key '${key.value}' was already used for a different request.`,
      );
    }
    const replay = { statusCode: stored.status, headers: { "idempotent-replayed": "true" } };
    if (stored.body !== "") {
      replay.body = stored.body;
      replay.headers["content-type"] = "application/json";
    }
    return replay;
  }
  const response = execute();
  const status = response.statusCode ?? 200;
  if (status >= 200 && status < 300) {
    t.put(t.IDEMPOTENCY, storeKey, { request: fingerprint, status, body: response.body ?? "" });
  }
  return response;
}

export function createAccount(request) {
  const user = request.params.user_id;
  const name = request.params.account_name;
  if (!t.userExists(user)) return http.unknownUser(user);
  if (t.loadAccount(user, name) !== undefined) return http.noContent();
  t.storeAccount(user, name, { balance: 0n, reserved: 0n, created_at: now(), entries: 0 });
  t.put(t.CREATIONS, t.accountKey(user, name), {});
  return http.noContent();
}

export function deposit(request) {
  return idempotent(request, () => {
    const body = parseDepositBody(request.body.text());
    if (body.error) return invalid(body.error);
    const user = request.params.user_id;
    const name = request.params.account_name;
    if (!t.userExists(user)) return http.unknownUser(user);
    const account = t.loadAccount(user, name);
    if (account === undefined) return http.unknownAccount(user, name);
    const v = body.value;
    if (wouldOverflow(account, v)) {
      return http.error(400, "InvalidInput", `Depositing ${v} would overflow the balance of account '${name}'.`);
    }
    account.balance += v;
    record(user, name, account, { type: "deposit", counterparty: request.caller.id, amount: v }, now());
    t.putDecimal(t.TOTALS, "deposited", t.getDecimal(t.TOTALS, "deposited") + v);
    return http.noContent();
  });
}

export function transfer(request) {
  return idempotent(request, () => {
    const body = parseTransferBody(request.body.text());
    if (body.error) return invalid(body.error);
    const { value: v, user_id_to: to, account_name_to: toName } = body.value;
    const from = request.caller.id;
    const name = request.params.account_name;
    const source = t.loadAccount(from, name);
    if (source === undefined) return http.unknownAccount(from, name);
    if (!t.userExists(to)) return http.unknownUser(to);
    const target = t.loadAccount(to, toName);
    if (target === undefined) return http.unknownAccount(to, toName);
    // The consortium's rules (compliance.js), before the balance: a refusal
    // names the rule, whatever the sender holds.
    const frozen = checkFrozen(from, to);
    if (frozen) return frozen;
    const policy = loadPolicy();
    const timestamp = now();
    const limited = checkLimits(policy, from, v, timestamp);
    if (limited) return limited;
    if (source.balance < v) return http.error(400, "InsufficientFunds", "Balance is not enough");
    addOutgoing(from, timestamp, v);
    if (policy.review_above !== undefined && v > policy.review_above) {
      return holdTransfer(from, name, source, to, toName, v, timestamp);
    }
    source.balance -= v;
    return completeTransfer(from, name, source, to, toName, v, timestamp) ?? http.noContent();
  });
}

export function balance(request) {
  const user = request.caller.id;
  const name = request.params.account_name;
  const account = t.loadAccount(user, name);
  if (account === undefined) return http.unknownAccount(user, name);
  return http.json({ balance: account.balance, available: account.balance, reserved: account.reserved });
}
