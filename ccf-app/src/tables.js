// The bundle's KV tables (CCF's banking sample names where it has them,
// bankd's otherwise; see ccf-app/README.md):
//   user_accounts:<user_id>  account name -> {"balance": "<u64>", "reserved": "<u64>", "created_at": ms, "entries": n}
//   bank.account_creations   "<user>/<account>" -> {} (written once: its version is the creating txid)
//   bank.history             "<user>/<account>/<20-digit index>" -> one history entry
//   bank.idempotency         "<caller>/<key>" -> {"request", "status", "body"}
//   current_claim            "key" -> {"userId", "claim"} (the latest transfer's claim)
//   bank.totals              "deposited" -> decimal sum of every deposit
//   bank.daily_outgoing      "<user>/<YYYY-MM-DD>" -> decimal amount sent that UTC day
//   bank.holds               "<20-digit id>" -> a held transfer (holds.js)
//   bank.hold_creations, bank.hold_decisions  "<20-digit id>" -> {} (written
//                            once: their versions are the hold's and the decision's txids)
//   bank.hold_counter        "next" -> decimal id of the next hold
// and reads the rules governance sets (governance-scripts/constitution/
// bank_actions.js): public:ccf.gov.bank.{user_names,transfer_policy,frozen_users}.
// Account names are escaped in composite keys ('%' -> %25, '/' -> %2F) so
// that '/' separates fields unambiguously.
import { stringify } from "./json.js";

export const USER_CERTS = "public:ccf.gov.users.certs";
export const CREATIONS = "bank.account_creations";
export const HISTORY = "bank.history";
export const IDEMPOTENCY = "bank.idempotency";
export const CLAIM = "current_claim";
export const CLAIM_KEY = "key";
export const MEMBER_INFO = "public:ccf.gov.members.info";
export const USER_NAMES = "public:ccf.gov.bank.user_names";
export const TRANSFER_POLICY = "public:ccf.gov.bank.transfer_policy";
export const FROZEN_USERS = "public:ccf.gov.bank.frozen_users";
export const TOTALS = "bank.totals";
export const DAILY_OUTGOING = "bank.daily_outgoing";
export const HOLDS = "bank.holds";
export const HOLD_CREATIONS = "bank.hold_creations";
export const HOLD_DECISIONS = "bank.hold_decisions";
export const HOLD_COUNTER = "bank.hold_counter";
// CCF's key of a single-value table (a u64 0), as the constitution writes it.
export const SINGLETON_KEY = new ArrayBuffer(8);

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
  return writerOfRaw(table, ccf.strToBuf(key));
}

export function writerOfRaw(table, rawKey) {
  const seqno = ccf.kv[table].getVersionOfPreviousWrite(rawKey);
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
  return {
    balance: BigInt(a.balance),
    reserved: BigInt(a.reserved ?? "0"), // accounts from before held transfers have none
    created_at: a.created_at,
    entries: a.entries,
  };
}

export function storeAccount(user, name, account) {
  put(accountsOf(user), name, {
    balance: account.balance.toString(),
    reserved: (account.reserved ?? 0n).toString(),
    created_at: account.created_at,
    entries: account.entries,
  });
}

// A decimal BigInt stored as text; 0n when absent.
export function getDecimal(table, key) {
  const v = get(table, key);
  return v === undefined ? 0n : BigInt(v);
}

export function putDecimal(table, key, value) {
  put(table, key, value.toString());
}
