// What a transfer writes, shared by POST /transfer and the approval of a
// held transfer (holds.js), as bankd's app/accounts.hpp CompleteTransfer.
import { MAX_AMOUNT } from "./json.js";
import * as http from "./http.js";
import * as t from "./tables.js";

export function now() {
  ccf.enableUntrustedDateTime(true); // the host's clock, as bankd uses its own
  return Date.now();
}

// Appends one history entry of an account whose balance is already updated,
// and stores the account. The entry's transaction id is the version of its
// (write-once) key.
export function record(user, name, account, entry, timestamp) {
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

// balance + reserved of an account stays within 64 bits, so that releasing
// a hold can never overflow.
export function wouldOverflow(account, value) {
  return account.balance + account.reserved + value > MAX_AMOUNT;
}

// Completes a transfer of `v` from account `name` of `from`, whose record
// `source` is already debited (available balance, or reserved amount for an
// approved hold) but not stored: both history entries, the credit, and the
// claim "<from> sent <v> to <to>". Returns the refusal, or undefined.
export function completeTransfer(from, name, source, to, toName, v, timestamp) {
  const sameAccount = from === to && name === toName;
  const target = sameAccount ? undefined : t.loadAccount(to, toName);
  if (!sameAccount && wouldOverflow(target, v)) {
    return http.error(400, "InvalidInput", `Transferring ${v} would overflow the balance of account '${toName}'.`);
  }
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
  return undefined;
}
