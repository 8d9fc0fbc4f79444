
// bankctl's constitution, part 2 of 5 (actions.js, bank_actions.js,
// validate.js, resolve.js, apply.js): the consortium's banking rules, the
// same actions, checks and messages as bankd's
// (node/governance/bank_actions.hpp):
//   set_user_name {user_id, name}      the proposing member's bank names a
//                                      user: name*bank in the directory
//   remove_user_name {name}
//   set_transfer_policy {max_transfer?, daily_outgoing_limit?, review_above?}
//   freeze_user {user_id, reason}      unfreeze_user {user_id, reason}
// The tables are public:ccf.gov.bank.* (the constitution may write
// public:ccf.gov.*; the banking app only reads them). A bank is a member
// whose member_data has a "name"; set_member_data (actions.js) keeps bank
// names unique with checkBankName / checkBankNameFree below.

const USER_NAMES = "public:ccf.gov.bank.user_names";
const TRANSFER_POLICY = "public:ccf.gov.bank.transfer_policy";
const FROZEN_USERS = "public:ccf.gov.bank.frozen_users";
const POLICY_FIELDS = ["max_transfer", "daily_outgoing_limit", "review_above"];

function checkDirectoryName(value, field) {
  checkType(value, "string", field);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(value)) {
    throw new Error(`${field} must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-'`);
  }
}

function checkBankName(memberData) {
  if (memberData.name !== undefined && memberData.name !== null) {
    checkDirectoryName(memberData.name, "member_data.name");
  }
}

function checkBankNameFree(memberId, memberData) {
  if (typeof memberData.name !== "string") return;
  ccf.kv["public:ccf.gov.members.info"].forEach((value, key) => {
    const id = ccf.bufToStr(key);
    const other = ccf.bufToJsonCompatible(value).member_data;
    if (id !== memberId && other && other.name === memberData.name) {
      throw new Error(`Bank name ${memberData.name} is already used by member ${id}`);
    }
  });
}

function readJson(table, key) {
  const raw = ccf.kv[table].get(ccf.strToBuf(key));
  return raw === undefined ? undefined : ccf.bufToJsonCompatible(raw);
}

// Names are registered under the bank of the member who proposed them.
function proposerBank(proposalId) {
  const info = readJson("public:ccf.gov.proposals_info", proposalId);
  const memberId = info ? info.proposer_id : "";
  const member = readJson("public:ccf.gov.members.info", memberId);
  const name = member && member.member_data ? member.member_data.name : undefined;
  if (typeof name !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
    throw new Error(
      `Member ${memberId} has no bank name: propose set_member_data with {"name": "<bank>"} first`,
    );
  }
  return { memberId, bank: name };
}

function requireUser(userId) {
  if (!ccf.kv["public:ccf.gov.users.certs"].has(ccf.strToBuf(userId))) {
    throw new Error(`User ${userId} does not exist`);
  }
}

function checkReason(value) {
  checkType(value, "string", "reason");
  if (value === "") throw new Error("reason must not be empty");
}

function checkFreeze(args) {
  checkEntityId(args.user_id, "user_id");
  checkReason(args.reason);
}

actions.set(
  "set_user_name",
  new Action(
    function (args) {
      checkEntityId(args.user_id, "user_id");
      checkDirectoryName(args.name, "name");
    },
    function (args, proposalId) {
      const { memberId, bank } = proposerBank(proposalId);
      requireUser(args.user_id);
      const key = `${memberId}/${args.name}`;
      const existing = readJson(USER_NAMES, key);
      if (existing !== undefined && existing.user_id !== args.user_id) {
        throw new Error(`Name ${args.name}*${bank} is already registered for user ${existing.user_id}`);
      }
      ccf.kv[USER_NAMES].set(ccf.strToBuf(key), ccf.jsonCompatibleToBuf({ user_id: args.user_id }));
    },
  ),
);

actions.set(
  "remove_user_name",
  new Action(
    function (args) {
      checkDirectoryName(args.name, "name");
    },
    function (args, proposalId) {
      const { memberId } = proposerBank(proposalId);
      ccf.kv[USER_NAMES].delete(ccf.strToBuf(`${memberId}/${args.name}`));
    },
  ),
);

actions.set(
  "set_transfer_policy",
  new Action(
    function (args) {
      if (args !== undefined && args !== null && (typeof args !== "object" || Array.isArray(args))) {
        throw new Error("args must be an object");
      }
      for (const [field, value] of Object.entries(args ?? {})) {
        if (!POLICY_FIELDS.includes(field)) {
          throw new Error(`${field} is not a policy field (max_transfer, daily_outgoing_limit, review_above)`);
        }
        if (value !== null && !(Number.isSafeInteger(value) && value >= 0)) {
          throw new Error(`${field} must be a non-negative integer (at most 18446744073709551615) or null`);
        }
      }
    },
    function (args, proposalId) {
      // The transaction that set the policy is the version of this row
      // (the app reads it): a constitution cannot know its own txid.
      const policy = { proposal_id: proposalId };
      for (const field of POLICY_FIELDS) {
        if (args && args[field] !== undefined && args[field] !== null) policy[field] = args[field];
      }
      ccf.kv[TRANSFER_POLICY].set(getSingletonKvKey(), ccf.jsonCompatibleToBuf(policy));
    },
  ),
);

actions.set(
  "freeze_user",
  new Action(checkFreeze, function (args, proposalId) {
    requireUser(args.user_id);
    ccf.kv[FROZEN_USERS].set(
      ccf.strToBuf(args.user_id),
      ccf.jsonCompatibleToBuf({ reason: args.reason, proposal_id: proposalId }),
    );
  }),
);

actions.set(
  "unfreeze_user",
  new Action(checkFreeze, function (args) {
    ccf.kv[FROZEN_USERS].delete(ccf.strToBuf(args.user_id));
  }),
);
