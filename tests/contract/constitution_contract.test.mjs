// governance_cases.json against governance-scripts/constitution, run by
// CCF's governance flow (ccf_governance.mjs) under the polyfill.
import { test } from "node:test";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./ccf_host.mjs";
import { Governance, constitutionText } from "./ccf_governance.mjs";
import { loadGovernanceCases, newCertificate, runCase } from "./governance_table.mjs";

const table = loadGovernanceCases();
// ccf-app/ as CCF's build_bundle makes it (bundle_form.test.mjs checks the two agree).
const APP = join(ROOT, "ccf-app");
const bundle = {
  metadata: JSON.parse(readFileSync(join(APP, "app.json"), "utf8")),
  modules: readdirSync(join(APP, "src"), { recursive: true })
    .filter((f) => f.endsWith(".js"))
    .sort()
    .map((name) => ({ name, module: readFileSync(join(APP, "src", name), "utf8") })),
};
const vars = { constitution: constitutionText(), singleton: "\0".repeat(8), "json:bundle": bundle };
for (const name of ["user6", "user7", "user8", "user9"]) {
  vars[`cert:${name}`] = newCertificate(name);
  vars[`id:${name}`] = ccf.pemToId(vars[`cert:${name}`]);
}

const engine = {
  async create(members) {
    const g = await Governance.create(members);
    return {
      members: g.members,
      propose: (member, text) => g.propose(member, text),
      ballot: (member, id, js) => g.ballot(member, id, js),
      state: (id) => g.read(() => g.info(id)?.state ?? "(absent)"),
      row: (table, key) =>
        g.read(() => {
          const raw = ccf.kv[table].get(ccf.strToBuf(key));
          if (raw === undefined) return { present: false };
          let value;
          try {
            value = ccf.bufToJsonCompatible(raw);
          } catch {
            value = ccf.bufToStr(raw);
          }
          return { present: true, value };
        }),
    };
  },
};

for (const c of table.cases) test(c.name, () => runCase(engine, "ccf", c, vars));
