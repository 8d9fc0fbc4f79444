// GET /receipt?transaction_id=V.S: the CCF receipt of a transfer the caller
// sent, with its claim "<from> sent <value> to <to>" beside the claims
// digest (CCF's banking sample). Fetched through CCF's historical queries:
// 202 + retry-after until the node has the transaction's state.
import * as http from "./http.js";
import { parseTxId } from "./requests.js";
import { CLAIM, CLAIM_KEY } from "./tables.js";

function notYet(txid) {
  return {
    statusCode: 202,
    headers: { "retry-after": "1", "content-type": "text/plain" },
    body: `Historical transaction ${txid} is not currently available: no signature covers it yet.`,
  };
}

// A handle per seqno, so that retries find the fetch they started.
function handleFor(seqno) {
  const digest = ccf.digest("SHA-256", ccf.strToBuf(`receipt-${seqno}`));
  return new DataView(digest).getUint32(0);
}

export function receipt(request) {
  const text = http.query(request).transaction_id;
  if (text === undefined) {
    return http.error(400, "InvalidQueryParameterValue", "Missing query parameter 'transaction_id'.");
  }
  const txid = parseTxId(text);
  if (txid === undefined || txid.seqno === 0) {
    return http.error(
      400,
      "InvalidQueryParameterValue",
      `The value '${text}' passed as query parameter 'transaction_id' is not a valid transaction ID (expected <view>.<seqno>).`,
    );
  }
  const status = ccf.consensus.getStatusForTxId(txid.view, txid.seqno);
  if (status === "Unknown") {
    return http.error(
      404,
      "TransactionPendingOrUnknown",
      `Transaction ${txid.text} is Unknown: this service has not written it.`,
    );
  }
  if (status === "Invalid") {
    return http.error(
      404,
      "TransactionInvalid",
      `Transaction ${txid.text} is Invalid: its view is not the one that holds seqno ${txid.seqno}.`,
    );
  }
  if (status !== "Committed") return notYet(txid.text);
  const states = ccf.historical.getStateRange(handleFor(txid.seqno), txid.seqno, txid.seqno, 1800);
  if (states === null) return notYet(txid.text);
  const state = states[0];
  // The historical store holds what that transaction wrote: a transfer
  // wrote its claim.
  const raw = state.kv[CLAIM].get(ccf.strToBuf(CLAIM_KEY));
  const claim = raw === undefined ? undefined : ccf.bufToJsonCompatible(raw);
  if (claim === undefined || claim.userId !== request.caller.id) {
    return http.error(404, "ResourceNotFound", `Transaction ${txid.text} is not a transfer sent by the caller.`);
  }
  const r = state.receipt;
  return http.json({
    cert: r.cert,
    node_id: r.node_id,
    leaf_components: { ...r.leaf_components, claim: claim.claim },
    proof: r.proof,
    signature: r.signature,
  });
}
