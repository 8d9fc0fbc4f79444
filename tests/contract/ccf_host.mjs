// A CCF JavaScript host for Node.js, around @microsoft/ccf-app's own
// polyfill (pinned in ccf-app/package-lock.json). The polyfill gives the
// `ccf` global CCF's conversions and crypto; it leaves out, by its own
// documentation, what only a node has. This host adds those parts the way
// CCF behaves, so that a bundle's endpoints run here as on a service:
//   - transactions: reads see committed state plus the transaction's own
//     writes; a 2xx response commits the write set as one transaction with
//     the next seqno, anything else discards it (CCF's default);
//     a read-only endpoint may not write;
//   - versions: KvMap.getVersionOfPreviousWrite, consensus.getViewForSeqno,
//     consensus.getStatusForTxId;
//   - ccf.rpc.setClaimsDigest, recorded with the transaction;
//   - ccf.historical.getStateRange: null on the first call for a range (the
//     fetch starts), then the transaction's own writes and a receipt whose
//     leaf components carry its claims digest;
//   - app.json routing (path templates), authn_policies user_cert and
//     member_cert against public:ccf.gov.{users,members}.certs, and CCF's
//     401 body;
//   - x-ms-ccf-transaction-id on every response.
// The receipt's signature and proof are not real: nothing here signs. The
// claim and claims digest are what the bundle itself set.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";

export const ROOT = new URL("../..", import.meta.url).pathname;
const require = createRequire(join(ROOT, "ccf-app", "package.json"));
await import(require.resolve("@microsoft/ccf-app/polyfill.js"));

export const VIEW = 2;

const b64 = (buf) => Buffer.from(buf).toString("base64");
const unb64 = (s) => {
  const b = Buffer.from(s, "base64");
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
};
const hex = (buf) => Buffer.from(buf).toString("hex");

// One table as a transaction sees it.
class TxMap {
  constructor(store, tx, name) {
    this.store = store;
    this.tx = tx;
    this.name = name;
  }
  committed() {
    return this.store.tables.get(this.name) ?? new Map();
  }
  writes() {
    if (!this.tx.writes.has(this.name)) this.tx.writes.set(this.name, new Map());
    return this.tx.writes.get(this.name);
  }
  lookup(k) {
    const w = this.tx.writes.get(this.name);
    if (w && w.has(k)) return w.get(k); // null: deleted
    const c = this.committed().get(k);
    return c === undefined ? undefined : c.value;
  }
  has(key) {
    const v = this.lookup(b64(key));
    return v !== undefined && v !== null;
  }
  get(key) {
    const v = this.lookup(b64(key));
    return v === null ? undefined : v;
  }
  getVersionOfPreviousWrite(key) {
    return this.committed().get(b64(key))?.version;
  }
  set(key, value) {
    if (this.tx.readonly) throw new Error(`Cannot write to ${this.name} in a read-only endpoint`);
    this.writes().set(b64(key), value.slice(0));
    return this;
  }
  delete(key) {
    if (this.tx.readonly) throw new Error(`Cannot write to ${this.name} in a read-only endpoint`);
    const had = this.has(key);
    this.writes().set(b64(key), null);
    return had;
  }
  clear() {
    this.forEach((_, key) => this.delete(key));
  }
  forEach(callback) {
    const keys = new Set([...this.committed().keys(), ...(this.tx.writes.get(this.name)?.keys() ?? [])]);
    for (const k of keys) {
      const v = this.lookup(k);
      if (v !== undefined && v !== null) callback(v, unb64(k), this);
    }
  }
  get size() {
    let n = 0;
    this.forEach(() => n++);
    return n;
  }
}

// A read-only view of one transaction's own writes (historical state).
class WriteSetMap {
  constructor(writes) {
    this.writes = writes ?? new Map();
  }
  has(key) {
    const v = this.writes.get(b64(key));
    return v !== undefined && v !== null;
  }
  get(key) {
    const v = this.writes.get(b64(key));
    return v === null ? undefined : v;
  }
  forEach(callback) {
    for (const [k, v] of this.writes) if (v !== null) callback(v, unb64(k), this);
  }
}

export class Store {
  constructor() {
    this.tables = new Map(); // name -> Map(b64 key -> {value, version})
    this.seqno = 1; // the genesis transaction
    this.history = new Map(); // seqno -> {writes, claims_digest}
    this.fetching = new Set();
    this.current = null;
    this.install();
  }

  // Points the `ccf` global at this store and its current transaction.
  install() {
    const store = this;
    const tables = new Proxy(
      {},
      {
        get: (_, name) => (typeof name === "string" ? new TxMap(store, store.current, name) : undefined),
      },
    );
    Object.defineProperty(ccf, "kv", { value: tables, configurable: true, writable: true });
    ccf.rpc.setClaimsDigest = (digest) => {
      store.current.claims_digest = hex(digest);
    };
    ccf.rpc.setApplyWrites = (force) => {
      store.current.apply_writes = force;
    };
    ccf.enableUntrustedDateTime = () => true;
    ccf.consensus.getViewForSeqno = (seqno) => (seqno >= 1 && seqno <= store.seqno ? VIEW : null);
    ccf.consensus.getLastCommittedTxId = () => ({ view: VIEW, seqno: store.seqno });
    ccf.consensus.getStatusForTxId = (view, seqno) => {
      if (seqno > store.seqno) return "Unknown";
      return view === VIEW ? "Committed" : "Invalid";
    };
    ccf.historical.getStateRange = (handle, begin, end) => {
      const range = `${handle}:${begin}-${end}`;
      if (!store.fetching.has(range)) {
        store.fetching.add(range);
        return null;
      }
      const states = [];
      for (let s = begin; s <= end; s++) states.push(store.historicalState(s));
      return states;
    };
    ccf.historical.dropCachedStates = () => true;
  }

  historicalState(seqno) {
    const entry = this.history.get(seqno) ?? { writes: new Map(), claims_digest: "0".repeat(64) };
    const kv = new Proxy({}, { get: (_, name) => new WriteSetMap(entry.writes.get(name)) });
    const serialised = JSON.stringify([...entry.writes].map(([n, w]) => [n, [...w].map(([k, v]) => [k, v && b64(v)])]));
    return {
      transactionId: `${VIEW}.${seqno}`,
      receipt: {
        cert: "(this host signs nothing)",
        node_id: "0".repeat(64),
        proof: [],
        signature: "",
        leaf_components: {
          write_set_digest: createHash("sha256").update(serialised).digest("hex"),
          commit_evidence: `ce:${VIEW}.${seqno}:${"0".repeat(64)}`,
          claims_digest: entry.claims_digest,
        },
      },
      kv,
    };
  }

  // Runs fn in a transaction; commits its writes when commit(result) says so.
  transact(readonly, fn, commit) {
    this.current = { writes: new Map(), readonly, claims_digest: "0".repeat(64), apply_writes: undefined };
    try {
      const result = fn();
      const tx = this.current;
      const wrote = [...tx.writes.values()].some((w) => w.size > 0);
      if ((tx.apply_writes ?? commit(result)) && wrote) {
        this.seqno++;
        for (const [name, writes] of tx.writes) {
          if (!this.tables.has(name)) this.tables.set(name, new Map());
          const table = this.tables.get(name);
          for (const [k, v] of writes) {
            if (v === null) table.delete(k);
            else table.set(k, { value: v, version: this.seqno });
          }
        }
        this.history.set(this.seqno, { writes: tx.writes, claims_digest: tx.claims_digest });
      }
      return result;
    } finally {
      this.current = null;
    }
  }

  // Writes outside any endpoint (governance having added users, say).
  seed(name, key, value) {
    this.transact(false, () => ccf.kv[name].set(ccf.strToBuf(key), ccf.strToBuf(value)), () => true);
  }
}

function matchTemplate(template, path) {
  const t = template.split("/");
  const p = path.split("/");
  if (t.length !== p.length) return undefined;
  const params = {};
  for (let i = 0; i < t.length; i++) {
    // A parameter may have literal text around it ("{hold_id}:approve"), as
    // CCF turns each {name} of a template into ([^/]+).
    const m = /^([^{]*)\{([^}]+)\}(.*)$/.exec(t[i]);
    if (m) {
      const [, before, name, after] = m;
      const value = p[i].slice(before.length, p[i].length - after.length);
      if (!p[i].startsWith(before) || !p[i].endsWith(after) || p[i].length <= before.length + after.length) {
        return undefined;
      }
      params[name] = decodeURIComponent(value);
    } else if (t[i] !== p[i]) return undefined;
  }
  return params;
}

function ccfError(status, code, message) {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify({ error: { code, message } }) };
}

// A CCF service running one app bundle directory (app.json + src/).
export class Service {
  constructor(bundleDir) {
    this.dir = bundleDir;
    this.metadata = JSON.parse(readFileSync(join(bundleDir, "app.json"), "utf8"));
    this.store = new Store();
    this.modules = new Map();
  }

  async module(name) {
    if (!this.modules.has(name)) this.modules.set(name, await import(join(this.dir, "src", name)));
    return this.modules.get(name);
  }

  authenticate(policies, identity) {
    for (const policy of policies) {
      const table = { user_cert: "public:ccf.gov.users.certs", member_cert: "public:ccf.gov.members.certs" }[policy];
      if (!table || !identity) continue;
      const known = this.store.transact(true, () => ccf.kv[table].has(ccf.strToBuf(identity.id)), () => false);
      if (known) return { policy, id: identity.id, cert: identity.cert, data: null };
    }
    return undefined;
  }

  // One HTTP request: {status, headers, body (text)}.
  async call(identity, method, url, { body = "", headers = {} } = {}) {
    const [fullPath, queryString = ""] = url.split("?");
    if (!fullPath.startsWith("/app/")) return ccfError(404, "ResourceNotFound", `Unknown path: ${fullPath}.`);
    const path = fullPath.slice("/app".length);
    let endpoint, params, route;
    for (const [template, methods] of Object.entries(this.metadata.endpoints)) {
      const p = matchTemplate(template, path);
      if (p && methods[method.toLowerCase()]) {
        [endpoint, params, route] = [methods[method.toLowerCase()], p, template];
        break;
      }
    }
    if (!endpoint) return ccfError(404, "ResourceNotFound", `Unknown path: ${fullPath}.`);
    const caller = this.authenticate(endpoint.authn_policies, identity);
    if (!caller) return ccfError(401, "InvalidAuthenticationInfo", "Invalid authentication credentials.");

    const fn = (await this.module(endpoint.js_module))[endpoint.js_function];
    const lowerHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const request = {
      headers: lowerHeaders,
      params,
      query: queryString,
      url,
      path: fullPath,
      method: method.toUpperCase(),
      route: `/app${route}`,
      hostname: "127.0.0.1",
      caller,
      body: {
        text: () => body,
        json: () => JSON.parse(body),
        arrayBuffer: () => ccf.strToBuf(body),
      },
    };
    const before = this.store.seqno;
    let response;
    try {
      response = this.store.transact(endpoint.mode !== "readwrite", () => fn(request), (r) => {
        const s = r.statusCode ?? 200;
        return s >= 200 && s < 300;
      });
    } catch (e) {
      return ccfError(500, "InternalError", `Exception thrown while executing: ${e.message}`);
    }
    const status = response.statusCode ?? 200;
    const out = { status, headers: {}, body: "" };
    for (const [k, v] of Object.entries(response.headers ?? {})) out.headers[k.toLowerCase()] = String(v);
    if (typeof response.body === "string") {
      out.body = response.body;
      out.headers["content-type"] ??= "text/plain";
    } else if (response.body !== undefined) {
      out.body = JSON.stringify(response.body);
      out.headers["content-type"] ??= "application/json";
    }
    out.headers["x-ms-ccf-transaction-id"] = `${VIEW}.${this.store.seqno > before ? this.store.seqno : before}`;
    return out;
  }
}
