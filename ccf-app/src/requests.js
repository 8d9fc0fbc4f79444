// Parsing of the endpoints' inputs, with bankd's rules and messages
// (node/app/requests.hpp). Each returns {value} or {error: {code, message}};
// every error is a 400.
import { MAX_AMOUNT, parseAmount, rawMember } from "./json.js";

function fail(code, message) {
  return { error: { code, message } };
}

function parseObject(text) {
  let object;
  try {
    object = JSON.parse(text);
  } catch {
    return fail("InvalidInput", "Request body is not valid JSON.");
  }
  if (object === null || typeof object !== "object" || Array.isArray(object)) {
    return fail("InvalidInput", "Request body must be a JSON object.");
  }
  return { value: object };
}

function hasField(object, field) {
  return Object.prototype.hasOwnProperty.call(object, field);
}

function positiveValue(text, object) {
  if (!hasField(object, "value")) return fail("InvalidInput", "Missing field 'value'.");
  const source = rawMember(text, "value");
  const value = parseAmount(source);
  if (value === undefined) {
    return fail(
      "InvalidInput",
      `Field 'value' must be a positive integer (at most ${MAX_AMOUNT}), got ${JSON.stringify(object.value)}.`,
    );
  }
  return { value };
}

function nonEmptyString(object, field) {
  if (!hasField(object, field)) return fail("InvalidInput", `Missing field '${field}'.`);
  const v = object[field];
  if (typeof v !== "string" || v === "") {
    return fail("InvalidInput", `Field '${field}' must be a non-empty string.`);
  }
  return { value: v };
}

// {"value": N}
export function parseDepositBody(text) {
  const object = parseObject(text);
  if (object.error) return object;
  return positiveValue(text, object.value);
}

// {"value": N, "user_id_to": ID, "account_name_to": NAME}
export function parseTransferBody(text) {
  const object = parseObject(text);
  if (object.error) return object;
  const value = positiveValue(text, object.value);
  if (value.error) return value;
  const to = nonEmptyString(object.value, "user_id_to");
  if (to.error) return to;
  const account = nonEmptyString(object.value, "account_name_to");
  if (account.error) return account;
  return { value: { value: value.value, user_id_to: to.value, account_name_to: account.value } };
}

const DAY_MS = 86400 * 1000;

// Days since the epoch of a strict YYYY-MM-DD date, or undefined.
function parseDate(text) {
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(text)) return undefined;
  const [y, m, d] = text.split("-").map(Number);
  const t = Date.UTC(y, m - 1, d);
  const back = new Date(t);
  // Date.UTC normalises 2024-02-30 into March: a changed field means invalid.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) {
    return undefined;
  }
  return Math.floor(t / DAY_MS);
}

// ?from=YYYY-MM-DD&to=YYYY-MM-DD (optional, inclusive, UTC) as a half-open
// range of milliseconds.
export function parseDateRange(from, to) {
  const range = { from_ms: -Infinity, to_ms: Infinity };
  if (from !== undefined) {
    const day = parseDate(from);
    if (day === undefined) {
      return fail("InvalidQueryParameterValue", `Query parameter 'from' must be a date YYYY-MM-DD, got '${from}'.`);
    }
    range.from_ms = day * DAY_MS;
  }
  if (to !== undefined) {
    const day = parseDate(to);
    if (day === undefined) {
      return fail("InvalidQueryParameterValue", `Query parameter 'to' must be a date YYYY-MM-DD, got '${to}'.`);
    }
    range.to_ms = (day + 1) * DAY_MS;
  }
  if (range.from_ms >= range.to_ms) {
    return fail("InvalidQueryParameterValue", "Query parameter 'from' is after 'to'.");
  }
  return { value: range };
}

// Idempotency-Key: 1..255 visible ASCII characters.
export function parseIdempotencyKey(text) {
  if (text.length === 0 || text.length > 255) {
    return fail("InvalidHeaderValue", "Idempotency-Key must be 1 to 255 characters.");
  }
  if (!/^[\x21-\x7e]*$/.test(text)) {
    return fail("InvalidHeaderValue", "Idempotency-Key must be visible ASCII characters only.");
  }
  return { value: text };
}

// <view>.<seqno>, each at most 20 decimal digits within 64 bits (as bankd's TxId::Parse).
export function parseTxId(text) {
  const m = /^([0-9]{1,20})\.([0-9]{1,20})$/.exec(text);
  if (!m || BigInt(m[1]) > MAX_AMOUNT || BigInt(m[2]) > MAX_AMOUNT) return undefined;
  return { view: Number(m[1]), seqno: Number(m[2]), text: `${BigInt(m[1])}.${BigInt(m[2])}` };
}
