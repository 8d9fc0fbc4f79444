// Responses as bankd and CCF give them: CCF's error body
// {"error": {"code", "message"}} and JSON bodies with exact amounts.
import { stringify } from "./json.js";

export function error(statusCode, code, message) {
  return { statusCode, body: { error: { code, message } } };
}

export function noContent() {
  return { statusCode: 204 };
}

export function json(value, statusCode = 200, headers = {}) {
  return {
    statusCode,
    headers: { "content-type": "application/json", ...headers },
    body: stringify(value),
  };
}

export function unknownUser(user) {
  return error(404, "ResourceNotFound", `User ${user} does not exist.`);
}

export function unknownAccount(user, account) {
  return error(404, "ResourceNotFound", `Account '${account}' of user ${user} does not exist.`);
}

export function header(request, name) {
  const headers = request.headers || {};
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) return v;
  }
  return undefined;
}

function decode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a malformed escape is taken as it is
  }
}

// ?a=1&b=2 as an object of decoded values.
export function query(request) {
  const out = {};
  for (const part of (request.query || "").split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? "" : part.slice(eq + 1);
    out[decode(key)] = decode(value);
  }
  return out;
}
