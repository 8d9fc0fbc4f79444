// ccf-app/ is a CCF JavaScript app bundle in form: app.json's endpoints
// name modules under src/ and functions those modules export, with CCF's
// endpoint properties; modules import only each other (CCF resolves no
// packages); `npm run build` (CCF's ccf-build-bundle) makes the bundle
// set_js_app carries: {metadata: app.json, modules: [{name, module}]}.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { ROOT } from "./ccf_host.mjs";

const APP = join(ROOT, "ccf-app");
const metadata = JSON.parse(readFileSync(join(APP, "app.json"), "utf8"));
const sources = readdirSync(join(APP, "src"), { recursive: true }).filter((f) => f.endsWith(".js"));

test("app.json: every endpoint has CCF's properties and a function that exists", async () => {
  const endpoints = Object.entries(metadata.endpoints);
  assert.ok(endpoints.length >= 9);
  for (const [path, methods] of endpoints) {
    assert.match(path, /^\/[^?#]*$/, `${path}: a path under /app, without the /app prefix`);
    assert.ok(!path.startsWith("/app/"), path);
    for (const [method, e] of Object.entries(methods)) {
      const where = `${method.toUpperCase()} ${path}`;
      assert.ok(["get", "put", "post", "delete", "patch"].includes(method), where);
      assert.ok(["readwrite", "readonly", "historical"].includes(e.mode), `${where}: mode`);
      assert.ok(["always", "sometimes", "never"].includes(e.forwarding_required), `${where}: forwarding_required`);
      assert.ok(["none", "to_primary", "to_backup"].includes(e.redirection_strategy ?? "none"), where);
      assert.ok(Array.isArray(e.authn_policies) && e.authn_policies.length > 0, `${where}: authn_policies`);
      for (const p of e.authn_policies) assert.ok(["user_cert", "member_cert"].includes(p), `${where}: ${p}`);
      assert.equal(typeof e.openapi, "object", `${where}: openapi`);
      assert.ok(e.openapi.responses && Object.keys(e.openapi.responses).length > 0, `${where}: openapi.responses`);
      assert.ok(sources.includes(e.js_module), `${where}: ${e.js_module} is not under src/`);
      assert.equal(method === "get", e.mode !== "readwrite", `${where}: reads are readonly, writes readwrite`);
      const source = readFileSync(join(APP, "src", e.js_module), "utf8");
      assert.match(source, new RegExp(`^export function ${e.js_function}\\(`, "m"), `${where}: ${e.js_function}`);
    }
  }
});

test("app.json's modes and forwarding agree with the 2024-07-01 governance API", (t) => {
  // CCF reports an installed app as ServiceState.JsApp (GET /gov/service/javascript-app).
  const file = join(ROOT, "..", "shared", "reference", "ccf-gov-api", "2024-07-01", "gov.json");
  if (!existsSync(file)) return t.skip(`no ${file}`);
  const defs = JSON.parse(readFileSync(file, "utf8")).definitions;
  const lower = (name) => defs[name].enum.map((v) => v.toLowerCase());
  for (const [path, methods] of Object.entries(metadata.endpoints)) {
    for (const [method, e] of Object.entries(methods)) {
      assert.ok(lower("ServiceState.JsExecMode").includes(e.mode), `${method} ${path}: mode ${e.mode}`);
      assert.ok(lower("ServiceState.ForwardingRequired").includes(e.forwarding_required), `${method} ${path}`);
    }
  }
});

test("modules import only each other", () => {
  for (const file of sources) {
    const text = readFileSync(join(APP, "src", file), "utf8");
    for (const [, spec] of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)) {
      assert.ok(spec.startsWith("./") || spec.startsWith("../"), `${file} imports the package ${spec}`);
      const target = normalize(join(dirname(file), spec));
      assert.ok(sources.includes(target), `${file} imports ${spec}, which is not in src/`);
    }
  }
});

test("npm run build writes the bundle set_js_app takes", () => {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: APP, stdio: "pipe" });
  const bundle = JSON.parse(readFileSync(join(APP, "bundle.json"), "utf8"));
  assert.deepEqual(Object.keys(bundle).sort(), ["metadata", "modules"]);
  assert.deepEqual(bundle.metadata, metadata);
  assert.deepEqual(bundle.modules.map((m) => m.name).sort(), [...sources].sort());
  for (const m of bundle.modules) {
    assert.equal(m.module, readFileSync(join(APP, "src", m.name), "utf8"));
  }
  assert.ok(existsSync(join(APP, "package-lock.json")));
});
