// The bundle's KV tables (CCF's banking sample names where it has them,
// bankd's otherwise; see ccf-app/README.md):
//   user_accounts:<user_id>  account name -> {"balance": "<u64>", "created_at": ms, "entries": n}
//   bank.account_creations   "<user>/<account>" -> {} (written once: its version is the creating txid)
//   bank.history             "<user>/<account>/<20-digit index>" -> one history entry
//   bank.idempotency         "<caller>/<key>" -> {"request", "status", "body"}
//   current_claim            "key" -> {"userId", "claim"} (the latest transfer's claim)
// Account names are escaped in composite keys ('%' -> %25, '/' -> %2F) so
// that '/' separates fields unambiguously.
import { stringify } from "./json.js";

export const USER_CERTS = "public:ccf.gov.users.certs";
export const CREATIONS = "bank.account_creations";
export const HISTORY = "bank.history";
export const IDEMPOTENCY = "bank.idempotency";
export const CLAIM = "current_claim";
export const CLAIM_KEY = "key";

export function accountsOf(user) {
  return `user_accounts:${user}`;
}

function escape(name) {
  return name.replace(/%/g, "%25").replace(/\//g, "%2F");
}

export function accountKey(user, account) {
  return `${user}/${escape(account)}`;
}

export function historyKey(user, account, index) {
  return `${accountKey(user, account)}/${String(index).padStart(20, "0")}`;
}

export function get(table, key) {
  const value = ccf.kv[table].get(ccf.strToBuf(key));
  return value === undefined ? undefined : ccf.bufToJsonCompatible(value);
}

export function has(table, key) {
  return ccf.kv[table].has(ccf.strToBuf(key));
}

export function put(table, key, value) {
  ccf.kv[table].set(ccf.strToBuf(key), ccf.strToBuf(stringify(value)));
}

export function keys(table) {
  const out = [];
  ccf.kv[table].forEach((_, key) => out.push(ccf.bufToStr(key)));
  return out;
}

// The id of the transaction that last wrote `key` (for a write-once key:
// the one that created it). A CCF endpoint cannot know its own transaction
// id while it runs; this is how it learns it afterwards.
export function writerOf(table, key) {
  const seqno = ccf.kv[table].getVersionOfPreviousWrite(ccf.strToBuf(key));
  if (seqno === undefined || seqno === null) return undefined;
  const view = ccf.consensus.getViewForSeqno(seqno);
  return view === null || view === undefined ? undefined : `${view}.${seqno}`;
}

export function userExists(user) {
  return has(USER_CERTS, user);
}

// An account record with its balance as a BigInt, or undefined.
export function loadAccount(user, name) {
  const a = get(accountsOf(user), name);
  if (a === undefined) return undefined;
  return { balance: BigInt(a.balance), created_at: a.created_at, entries: a.entries };
}

export function storeAccount(user, name, account) {
  put(accountsOf(user), name, {
    balance: account.balance.toString(),
    created_at: account.created_at,
    entries: account.entries,
  });
}
