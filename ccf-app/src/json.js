// JSON with exact unsigned 64-bit amounts. bankd's amounts go up to
// 2^64 - 1, past what a JavaScript number holds exactly (2^53), so the
// bundle reads an amount from the request body's own text and keeps it as a
// BigInt, and writes BigInts as plain JSON numbers.

export const MAX_AMOUNT = 18446744073709551615n;

function skipSpace(text, i) {
  while (i < text.length && " \t\n\r".includes(text[i])) i++;
  return i;
}

// Index just past the JSON string starting at text[i] ('"').
function endOfString(text, i) {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === "\\") j++;
    else if (text[j] === '"') return j + 1;
  }
  return text.length;
}

// Index just past the JSON value starting at text[i].
function endOfValue(text, i) {
  if (text[i] === '"') return endOfString(text, i);
  if (text[i] === "{" || text[i] === "[") {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const c = text[j];
      if (c === '"') j = endOfString(text, j) - 1;
      else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        if (--depth === 0) return j + 1;
      }
    }
    return text.length;
  }
  let j = i;
  while (j < text.length && !",}] \t\n\r".includes(text[j])) j++;
  return j;
}

// The source text of member `name` of the JSON object `text` (which
// JSON.parse has accepted), or undefined. The last duplicate wins, as in
// JSON.parse.
export function rawMember(text, name) {
  let i = skipSpace(text, 0);
  if (text[i] !== "{") return undefined;
  i = skipSpace(text, i + 1);
  let found;
  while (text[i] === '"') {
    const keyEnd = endOfString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd));
    i = skipSpace(text, skipSpace(text, keyEnd) + 1); // past ':'
    const end = endOfValue(text, i);
    if (key === name) found = text.slice(i, end);
    i = skipSpace(text, end);
    if (text[i] !== ",") break;
    i = skipSpace(text, i + 1);
  }
  return found;
}

// A positive integer amount from its JSON source text, or undefined: only
// plain digits are integers (100.0, 1e3 and -0 are not, as in bankd).
export function parseAmount(source) {
  if (source === undefined || !/^[1-9][0-9]*$/.test(source)) return undefined;
  const value = BigInt(source);
  return value <= MAX_AMOUNT ? value : undefined;
}

// JSON.stringify that writes BigInts as numbers and drops undefined members.
export function stringify(value) {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return "[" + value.map(stringify).join(",") + "]";
  if (value !== null && typeof value === "object") {
    const members = Object.entries(value).filter(([, v]) => v !== undefined);
    return "{" + members.map(([k, v]) => JSON.stringify(k) + ":" + stringify(v)).join(",") + "}";
  }
  return JSON.stringify(value);
}
