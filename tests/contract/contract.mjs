// Runs the case table (banking_cases.json) against an engine that answers
// call(identity, method, path, {body, headers}) with {status, headers,
// body}; the same rules as the C++ runner (banking_contract_test.cpp).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";

export function loadCases() {
  return JSON.parse(readFileSync(new URL("banking_cases.json", import.meta.url), "utf8"));
}

function utcDate(offsetDays) {
  return new Date(Date.now() + offsetDays * 86400000).toISOString().slice(0, 10);
}

export class Runner {
  constructor(ids) {
    this.vars = { ...ids, yesterday: utcDate(-1), tomorrow: utcDate(1) };
  }

  expand(text) {
    return text.replace(/\{([a-z0-9_]+(?::[a-z0-9_]+)?)\}/g, (whole, name) => {
      const v = this.vars[name];
      if (v === undefined) throw new Error(`unknown placeholder ${whole}`);
      return v;
    });
  }

  expandJson(value) {
    if (typeof value === "string") return this.expand(value);
    if (Array.isArray(value)) return value.map((v) => this.expandJson(v));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.expandJson(v)]));
    }
    return value;
  }

  async step(engine, step, where) {
    if (step.govern !== undefined) {
      // Governance sets the rules the app reads: a proposal by `by`,
      // accepted by a strict majority.
      await engine.govern(step.by ?? "member0", this.expandJson(step.govern));
      return;
    }
    const path = this.expand(step.path);
    const body = this.expand(step.body ?? "");
    const headers = { ...(step.headers ?? {}) };
    if (body !== "") headers["content-type"] = "application/json";
    const deadline = Date.now() + 10000;
    let r;
    for (;;) {
      r = await engine.call(step.as, step.method, path, { body, headers });
      if (step.poll_while_status !== r.status || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const txid = r.headers["x-ms-ccf-transaction-id"];
    if (txid) this.vars.view = txid.split(".")[0];
    if (step.save_txid) {
      assert.ok(txid, `${where}: no x-ms-ccf-transaction-id to save`);
      this.vars[`tx:${step.save_txid}`] = txid;
    }
    check(this.expandJson(step.expect), r, `${where}: ${step.method} ${path} -> ${r.status} ${r.body}`);
  }
}

function subset(expected, actual, where) {
  if (expected === "*") {
    assert.notEqual(actual, undefined, `${where}: missing`);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: not an array`);
    assert.equal(actual.length, expected.length, `${where}: length`);
    expected.forEach((e, i) => subset(e, actual[i], `${where}[${i}]`));
  } else if (expected !== null && typeof expected === "object") {
    assert.ok(actual !== null && typeof actual === "object", `${where}: not an object`);
    for (const [k, v] of Object.entries(expected)) subset(v, actual[k], `${where}.${k}`);
  } else {
    assert.equal(actual, expected, where);
  }
}

function check(expect, r, where) {
  assert.equal(r.status, expect.status, where);
  const parsed = () => JSON.parse(r.body);
  if (expect.error !== undefined) assert.equal(parsed().error.code, expect.error, where);
  if (expect.message !== undefined) assert.equal(parsed().error.message, expect.message, where);
  if (expect.body !== undefined) subset(expect.body, parsed(), where);
  if (expect.body_contains !== undefined) assert.ok(r.body.includes(expect.body_contains), where);
  for (const [k, v] of Object.entries(expect.headers ?? {})) assert.equal(r.headers[k.toLowerCase()], v, where);
  for (const k of expect.absent_headers ?? []) assert.equal(r.headers[k.toLowerCase()], undefined, where);
  if (expect.claims_digest_of_claim) {
    const leaf = parsed().leaf_components;
    assert.equal(leaf.claims_digest, createHash("sha256").update(leaf.claim).digest("hex"), where);
  }
}
