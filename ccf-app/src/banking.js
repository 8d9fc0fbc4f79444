// The banking endpoints (CCF's banking sample, plus account info, history
// and idempotency keys), with bankd's status codes, error codes and
// messages: see /work/shared/design.md "The banking API" and node/app/.
// Writes happen only after every check has passed, and CCF discards the
// writes of any non-2xx response as well.
import { MAX_AMOUNT } from "./json.js";
import * as http from "./http.js";
import { parseDepositBody, parseIdempotencyKey, parseTransferBody } from "./requests.js";
import * as t from "./tables.js";

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

function now() {
  ccf.enableUntrustedDateTime(true); // the host's clock, as bankd uses its own
  return Date.now();
}

function invalid(e) {
  return http.error(400, e.code, e.message);
}

// Appends one history entry of an account whose balance is already updated,
// and stores the account. The entry's transaction id is the version of its
// (write-once) key.
function record(user, name, account, entry, timestamp) {
  const index = account.entries++;
  t.put(t.HISTORY, t.historyKey(user, name, index), {
    ...entry,
    amount: entry.amount.toString(),
    timestamp_ms: timestamp,
    account_name: name,
    balance: account.balance.toString(),
  });
  t.storeAccount(user, name, account);
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
  t.storeAccount(user, name, { balance: 0n, created_at: now(), entries: 0 });
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
    if (account.balance > MAX_AMOUNT - v) {
      return http.error(400, "InvalidInput", `Depositing ${v} would overflow the balance of account '${name}'.`);
    }
    account.balance += v;
    record(user, name, account, { type: "deposit", counterparty: request.caller.id, amount: v }, now());
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
    if (source.balance < v) return http.error(400, "InsufficientFunds", "Balance is not enough");
    const sameAccount = from === to && name === toName;
    if (!sameAccount && target.balance > MAX_AMOUNT - v) {
      return http.error(400, "InvalidInput", `Transferring ${v} would overflow the balance of account '${toName}'.`);
    }

    const timestamp = now();
    source.balance -= v;
    record(from, name, source, { type: "transfer_out", counterparty: to, counterparty_account: toName, amount: v }, timestamp);
    // Loaded after the debit: a transfer to the same account sees it.
    const credited = sameAccount ? source : target;
    credited.balance += v;
    record(to, toName, credited, { type: "transfer_in", counterparty: from, counterparty_account: name, amount: v }, timestamp);

    // The application claim: its digest goes into the Merkle leaf, so a
    // receipt proves the transfer offline (CCF's banking sample).
    const claim = `${from} sent ${v} to ${to}`;
    t.put(t.CLAIM, t.CLAIM_KEY, { userId: from, claim });
    ccf.rpc.setClaimsDigest(ccf.digest("SHA-256", ccf.strToBuf(claim)));
    return http.noContent();
  });
}

export function balance(request) {
  const user = request.caller.id;
  const name = request.params.account_name;
  const account = t.loadAccount(user, name);
  if (account === undefined) return http.unknownAccount(user, name);
  return http.json({ balance: account.balance });
}
