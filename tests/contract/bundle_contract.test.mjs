// The banking case table against the ccf-app bundle, run by a CCF host
// around @microsoft/ccf-app's polyfill (ccf_host.mjs).
import { test } from "node:test";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { ROOT, Service } from "./ccf_host.mjs";
import { constitutionText } from "./ccf_governance.mjs";
import { Runner, loadCases } from "./contract.mjs";

const table = loadCases();
const service = new Service(join(ROOT, "ccf-app"));
const identities = {};
for (const [kind, names] of [["members", table.members], ["users", table.users]]) {
  for (const name of names) {
    // Callers are known by id (SHA-256 of a DER certificate); no TLS here.
    const id = createHash("sha256").update(randomBytes(32)).digest("hex");
    identities[name] = { id, cert: `(certificate of ${name})` };
    service.store.seed(`public:ccf.gov.${kind}.certs`, id, JSON.stringify(identities[name].cert));
    if (kind === "members") {
      service.store.seed("public:ccf.gov.members.info", id, JSON.stringify({ status: "Active", member_data: null }));
    }
  }
}
// governance-scripts' constitution on the same store: a "govern" step's
// proposal, validated and applied as CCF applies an accepted one.
const constitution = await import(`data:text/javascript;base64,${Buffer.from(constitutionText()).toString("base64")}`);
function govern(as, proposal) {
  const text = JSON.stringify(proposal);
  const id = createHash("sha256").update(randomBytes(32)).digest("hex");
  const info = { proposer_id: identities[as].id, state: "Accepted", ballots: {} };
  service.store.transact(
    false,
    () => {
      const result = constitution.validate(text);
      if (!result.valid) throw new Error(`${text}: ${result.description}`);
      ccf.kv["public:ccf.gov.proposals"].set(ccf.strToBuf(id), ccf.strToBuf(text));
      ccf.kv["public:ccf.gov.proposals_info"].set(ccf.strToBuf(id), ccf.jsonCompatibleToBuf(info));
      constitution.apply(text, id);
    },
    () => true,
  );
}
const runner = new Runner(Object.fromEntries(Object.entries(identities).map(([n, i]) => [n, i.id])));
const engine = {
  call: (as, method, path, options) => service.call(identities[as], method, path, options),
  govern,
};

for (const [i, c] of table.cases.entries()) {
  test(c.name, async () => {
    for (const [j, step] of c.steps.entries()) await runner.step(engine, step, `case ${i} step ${j}`);
  });
}
