// Runs governance_cases.json against one engine: {create(members) ->
// service} where a service answers propose(member, text), ballot(member,
// id, js), state(id) and row(table, key) -> {present, value}. The same
// rules as governance_contract_test.cpp.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./ccf_host.mjs";

export function loadGovernanceCases() {
  return JSON.parse(readFileSync(new URL("governance_cases.json", import.meta.url), "utf8"));
}

export function ballotText(vote) {
  const file = { accept: "vote_accept.json", reject: "vote_reject.json" }[vote];
  if (!file) return vote;
  return JSON.parse(readFileSync(join(ROOT, "governance-scripts", "ballots", file), "utf8")).ballot;
}

// A fresh self-signed certificate, as keygenerator.sh makes one.
export function newCertificate(name) {
  // The key is not needed: only the certificate goes into a proposal.
  const dir = mkdtempSync(join(tmpdir(), "gov-"));
  try {
    return execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1", "-nodes", "-subj", `/CN=${name}`,
       "-days", "1", "-keyout", join(dir, "key.pem"), "-outform", "PEM"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function expand(value, vars) {
  if (typeof value === "string" && /^\{json:[a-z]+\}$/.test(value)) return vars[value.slice(1, -1)];
  if (typeof value === "string") {
    return value.replace(/\{([a-z]+(?::[a-z0-9]+)?)\}/g, (whole, name) => {
      if (!(name in vars)) throw new Error(`unknown placeholder ${whole}`);
      return vars[name];
    });
  }
  if (Array.isArray(value)) return value.map((v) => expand(v, vars));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v, vars)]));
  }
  return value;
}

function checkOutcome(expect, got, where) {
  if (expect.refused) {
    assert.ok(got.refused, `${where}: expected a refusal, got ${JSON.stringify(got)}`);
    assert.equal(got.refused.status, expect.refused.status, where);
    assert.equal(got.refused.code, expect.refused.code, where);
    if (expect.refused.message !== undefined) assert.equal(got.refused.message, expect.refused.message, where);
    if (expect.refused.message_contains !== undefined) assert.ok(got.refused.message.includes(expect.refused.message_contains), where);
  } else {
    assert.ok(!got.refused, `${where}: refused ${JSON.stringify(got.refused)}`);
    if (expect.state !== undefined) assert.equal(got.state, expect.state, where);
  }
}

export async function runCase(engine, name, c, vars) {
  const service = await engine.create(c.members);
  const v = { ...vars };
  service.members.forEach((id, i) => (v[`member:${i}`] = id));
  const ids = {};
  for (const [i, step] of c.steps.entries()) {
    const where = `${c.name}, step ${i}`;
    if (step.engine && step.engine !== name) continue;
    const expect = step[`expect_${name}`] ?? step.expect;
    if (step.propose !== undefined) {
      const got = service.propose(step.by, JSON.stringify(expand(step.proposal, v)));
      if (got.id) ids[step.propose] = got.id;
      checkOutcome(expect, got, where);
    } else if (step.ballot !== undefined) {
      const got = await service.ballot(step.by, ids[step.ballot], ballotText(step.vote));
      if (expect) checkOutcome(expect, got, where);
    } else if (step.state_of !== undefined) {
      assert.equal(service.state(ids[step.state_of]), expect.state, where);
    } else if (step.table !== undefined) {
      const got = service.row(step.table, expand(step.key, v));
      assert.equal(got.present, expect.present, `${where}: ${step.table} ${step.key}`);
      if (expect.value !== undefined) assert.deepEqual(got.value, expect.value, where);
    }
  }
}
