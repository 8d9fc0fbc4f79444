// CCF's governance flow around a constitution, in Node.js (the part of a
// CCF node that calls the constitution): a proposal is checked by
// validate(), stored Open in public:ccf.gov.proposals{,_info}, and resolved
// at creation and after each ballot; a ballot is a JavaScript module whose
// vote(proposal, proposerId) CCF runs; resolve(proposal, proposerId,
// votes, proposalId) decides; an Accepted proposal is applied by
// apply(proposal, proposalId) in the same transaction. The constitution
// runs under @microsoft/ccf-app's polyfill (through ccf_host.mjs), with
// the node functions it calls (ccf.pemToId, ccf.node.*) provided here.
import { X509Certificate, createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, Store } from "./ccf_host.mjs";

const PARTS = ["actions.js", "bank_actions.js", "validate.js", "resolve.js", "apply.js"];

// The constitution as CCF holds it: the five files, concatenated in order.
export function constitutionText() {
  return PARTS.map((p) => readFileSync(join(ROOT, "governance-scripts", "constitution", p), "utf8")).join("\n");
}

const importText = (text) => import(`data:text/javascript;base64,${Buffer.from(text).toString("base64")}`);

ccf.pemToId = (pem) => createHash("sha256").update(new X509Certificate(pem).raw).digest("hex");
ccf.node = {
  triggerLedgerRekey() {},
  // A node would compile the modules and install the endpoints; recorded
  // here so that a case can see the bundle arrived.
  setJsApp(bundle) {
    ccf.kv["public:ccf.gov.modules"].set(ccf.strToBuf("bundle"), ccf.jsonCompatibleToBuf(bundle));
  },
  removeJsApp() {
    ccf.kv["public:ccf.gov.modules"].delete(ccf.strToBuf("bundle"));
  },
};

export class Governance {
  static async create(members) {
    const g = new Governance();
    g.constitution = await importText(constitutionText());
    g.store = new Store();
    g.members = [];
    g.ballots = new Map(); // ballot text -> compiled module
    for (let i = 0; i < members; i++) {
      const id = createHash("sha256").update(randomBytes(32)).digest("hex");
      g.members.push(id);
      g.store.seed("public:ccf.gov.members.certs", id, JSON.stringify(`(certificate of member ${i})`));
      g.store.seed("public:ccf.gov.members.info", id, JSON.stringify({ status: "Active", member_data: null }));
    }
    return g;
  }

  // {state} or {refused: {status, code, message}}.
  propose(member, text) {
    return this.store.transact(
      false,
      () => {
        let result;
        try {
          result = this.constitution.validate(text);
        } catch (e) {
          return this.refusal(500, "InternalError", `Failed to execute validation: ${e}`);
        }
        if (!result.valid) {
          return this.refusal(400, "ProposalFailedToValidate", `Proposal failed to validate: ${result.description}`);
        }
        const id = createHash("sha256").update(randomBytes(32)).digest("hex");
        ccf.kv["public:ccf.gov.proposals"].set(ccf.strToBuf(id), ccf.strToBuf(text));
        const info = { proposer_id: this.members[member], state: "Open", ballots: {} };
        return this.resolve(id, text, info);
      },
      (r) => !r.refused,
    );
  }

  async ballot(member, id, ballot) {
    // CCF compiles a ballot when it is submitted and runs every ballot
    // again at each resolution.
    if (!this.ballots.has(ballot)) this.ballots.set(ballot, await importText(ballot));
    return this.store.transact(
      false,
      () => {
        const info = this.info(id);
        if (info.state !== "Open") {
          return this.refusal(400, "ProposalNotOpen", `Proposal ${id} is currently in state ${info.state} - only Open proposals can receive votes`);
        }
        info.ballots[this.members[member]] = ballot;
        return this.resolve(id, this.text(id), info);
      },
      (r) => !r.refused,
    );
  }

  resolve(id, text, info) {
    const votes = Object.entries(info.ballots).map(([member_id, js]) => ({
      member_id,
      vote: this.ballots.get(js).vote(text, info.proposer_id) === true,
    }));
    info.state = this.constitution.resolve(text, info.proposer_id, votes, id);
    this.storeInfo(id, info);
    if (info.state === "Accepted") this.constitution.apply(text, id);
    return { id, state: this.info(id).state };
  }

  refusal(status, code, message) {
    return { refused: { status, code, message } };
  }

  text(id) {
    return ccf.bufToStr(ccf.kv["public:ccf.gov.proposals"].get(ccf.strToBuf(id)));
  }

  info(id) {
    const raw = ccf.kv["public:ccf.gov.proposals_info"].get(ccf.strToBuf(id));
    return raw === undefined ? undefined : ccf.bufToJsonCompatible(raw);
  }

  storeInfo(id, info) {
    ccf.kv["public:ccf.gov.proposals_info"].set(ccf.strToBuf(id), ccf.jsonCompatibleToBuf(info));
  }

  read(fn) {
    return this.store.transact(true, fn, () => false);
  }
}
