// Account information and history, for the caller's own accounts: GET
// /account/{name}, /accounts, /transactions/{name}, /transaction/{id}.
import * as http from "./http.js";
import { parseDateRange, parseTxId } from "./requests.js";
import * as t from "./tables.js";

function isoTime(ms) {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

function accountJson(user, name, account) {
  return {
    account_name: name,
    user_id: user,
    balance: account.balance,
    reserved: account.reserved,
    created_at: isoTime(account.created_at),
    created_transaction_id: t.writerOf(t.CREATIONS, t.accountKey(user, name)) ?? "",
  };
}

// A stored history entry as the API shows it.
function entryJson(key, stored) {
  const { timestamp_ms, ...entry } = stored;
  return {
    ...entry,
    amount: BigInt(stored.amount),
    balance: BigInt(stored.balance),
    timestamp: isoTime(timestamp_ms),
    transaction_id: t.writerOf(t.HISTORY, key) ?? "",
  };
}

function callerAccountNames(user) {
  return t.keys(t.accountsOf(user)).sort();
}

export function accountInfo(request) {
  const user = request.caller.id;
  const name = request.params.account_name;
  const account = t.loadAccount(user, name);
  if (account === undefined) return http.unknownAccount(user, name);
  return http.json(accountJson(user, name, account));
}

export function listAccounts(request) {
  const user = request.caller.id;
  const accounts = callerAccountNames(user).map((name) => accountJson(user, name, t.loadAccount(user, name)));
  return http.json({ accounts });
}

export function history(request) {
  const q = http.query(request);
  const range = parseDateRange(q.from, q.to);
  if (range.error) return http.error(400, range.error.code, range.error.message);
  const user = request.caller.id;
  const name = request.params.account_name;
  const account = t.loadAccount(user, name);
  if (account === undefined) return http.unknownAccount(user, name);
  const transactions = [];
  for (let i = 0; i < account.entries; i++) {
    const key = t.historyKey(user, name, i);
    const stored = t.get(t.HISTORY, key);
    if (stored === undefined) continue;
    if (stored.timestamp_ms >= range.value.from_ms && stored.timestamp_ms < range.value.to_ms) {
      transactions.push(entryJson(key, stored));
    }
  }
  return http.json({ transactions });
}

// The caller's history entry written by a transaction: for a transfer
// between two of the caller's accounts, the sending side (as bankd).
export function oneTransaction(request) {
  const text = request.params.transaction_id;
  const txid = parseTxId(text);
  if (txid === undefined) {
    return http.error(400, "InvalidResourceName", `'${text}' is not a transaction id (expected <view>.<seqno>).`);
  }
  const user = request.caller.id;
  let found;
  for (const name of callerAccountNames(user)) {
    const account = t.loadAccount(user, name);
    for (let i = 0; i < account.entries; i++) {
      const key = t.historyKey(user, name, i);
      if (t.writerOf(t.HISTORY, key) !== txid.text) continue;
      const entry = entryJson(key, t.get(t.HISTORY, key));
      if (found === undefined || entry.type === "transfer_out") found = entry;
    }
  }
  if (found !== undefined) return http.json(found);
  return http.error(404, "ResourceNotFound", `Transaction ${txid.text} did not touch any of your accounts.`);
}
