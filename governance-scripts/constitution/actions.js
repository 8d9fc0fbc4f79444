// bankctl's constitution for a real CCF service, part 1 of 5 (actions.js,
// bank_actions.js, validate.js, resolve.js, apply.js; cchost concatenates
// them in this order). It carries the actions bankd carries, with CCF's
// argument names and checks, so that the same proposals work against bankd
// and CCF:
//   set_user, remove_user, set_user_data, set_member, remove_member,
//   set_member_data, transition_service_to_open, transition_node_to_trusted,
//   set_constitution
// (bank_actions.js adds the consortium's banking rules), plus set_js_app and
// remove_js_app, which only a real CCF service carries out (bankd's banking
// application is built in; bankd refuses them).

class Action {
  constructor(validate, apply) {
    this.validate = validate;
    this.apply = apply;
  }
}

// Single-value tables are recorded under this key.
function getSingletonKvKey() {
  return new ArrayBuffer(8);
}

// `type` is a typeof name, "integer" or "array"; a trailing "?" allows
// null and undefined.
function checkType(value, type, field) {
  if (type.endsWith("?")) {
    if (value === null || value === undefined) {
      return;
    }
    type = type.slice(0, -1);
  }
  if (type === "integer") {
    if (!Number.isInteger(value)) {
      throw new Error(`${field} must be an integer`);
    }
  } else if (type === "array") {
    if (!Array.isArray(value)) {
      throw new Error(`${field} must be an array`);
    }
  } else if (typeof value !== type) {
    throw new Error(`${field} must be of type ${type} but is ${typeof value}`);
  }
}

function checkEnum(value, members, field) {
  if (!members.includes(value)) {
    throw new Error(`${field} must be one of ${members}`);
  }
}

// Member, user and node ids: hex SHA-256, 64 characters.
function checkEntityId(value, field) {
  checkType(value, "string", field);
  if (value.length !== 64) {
    throw new Error(`${field} must contain exactly 64 characters`);
  }
  if (!/^[a-fA-F0-9]*$/.test(value)) {
    throw new Error(`${field} contains non-hexadecimal character`);
  }
}

function checkX509CertBundle(value, field) {
  if (typeof value !== "string" || !ccf.crypto.isValidX509CertBundle(value)) {
    throw new Error(
      `${field} must be a valid X509 certificate (bundle) in PEM format`,
    );
  }
}

function countActiveMembers(onlyRecovery) {
  let count = 0;
  const keys = ccf.kv["public:ccf.gov.members.encryption_public_keys"];
  ccf.kv["public:ccf.gov.members.info"].forEach((value, key) => {
    const info = ccf.bufToJsonCompatible(value);
    if (info.status === "Active" && (!onlyRecovery || keys.has(key))) {
      count++;
    }
  });
  return count;
}

// Changing the constitution changes what other open proposals mean: they
// are dropped rather than left to pass under new rules.
function invalidateOtherOpenProposals(proposalIdToRetain) {
  const proposals = ccf.kv["public:ccf.gov.proposals_info"];
  proposals.forEach((value, key) => {
    if (ccf.bufToStr(key) !== proposalIdToRetain) {
      const info = ccf.bufToJsonCompatible(value);
      if (info.state === "Open") {
        info.state = "Dropped";
        proposals.set(key, ccf.jsonCompatibleToBuf(info));
      }
    }
  });
}

const actions = new Map([
  [
    "set_user",
    new Action(
      function (args) {
        checkX509CertBundle(args.cert, "cert");
        checkType(args.user_data, "object?", "user_data");
      },
      function (args) {
        const rawUserId = ccf.strToBuf(ccf.pemToId(args.cert));
        ccf.kv["public:ccf.gov.users.certs"].set(
          rawUserId,
          ccf.jsonCompatibleToBuf(args.cert),
        );
        if (args.user_data !== null && args.user_data !== undefined) {
          ccf.kv["public:ccf.gov.users.info"].set(
            rawUserId,
            ccf.jsonCompatibleToBuf({ user_data: args.user_data }),
          );
        } else {
          ccf.kv["public:ccf.gov.users.info"].delete(rawUserId);
        }
      },
    ),
  ],
  [
    "remove_user",
    new Action(
      function (args) {
        checkEntityId(args.user_id, "user_id");
      },
      function (args) {
        const rawUserId = ccf.strToBuf(args.user_id);
        ccf.kv["public:ccf.gov.users.certs"].delete(rawUserId);
        ccf.kv["public:ccf.gov.users.info"].delete(rawUserId);
      },
    ),
  ],
  [
    "set_user_data",
    new Action(
      function (args) {
        checkEntityId(args.user_id, "user_id");
        checkType(args.user_data, "object?", "user_data");
      },
      function (args) {
        const rawUserId = ccf.strToBuf(args.user_id);
        if (!ccf.kv["public:ccf.gov.users.certs"].has(rawUserId)) {
          throw new Error(`User ${args.user_id} does not exist`);
        }
        if (args.user_data !== null && args.user_data !== undefined) {
          ccf.kv["public:ccf.gov.users.info"].set(
            rawUserId,
            ccf.jsonCompatibleToBuf({ user_data: args.user_data }),
          );
        } else {
          ccf.kv["public:ccf.gov.users.info"].delete(rawUserId);
        }
      },
    ),
  ],
  [
    "set_member",
    new Action(
      function (args) {
        checkX509CertBundle(args.cert, "cert");
        checkType(args.encryption_pub_key, "string?", "encryption_pub_key");
        checkType(args.member_data, "object?", "member_data");
        if (args.recovery_role !== null && args.recovery_role !== undefined) {
          checkEnum(
            args.recovery_role,
            ["NonParticipant", "Participant", "Owner"],
            "recovery_role",
          );
          if (
            args.recovery_role !== "NonParticipant" &&
            (args.encryption_pub_key === null ||
              args.encryption_pub_key === undefined)
          ) {
            throw new Error(
              `recovery_role ${args.recovery_role} requires an encryption_pub_key`,
            );
          }
        }
      },
      function (args) {
        const rawMemberId = ccf.strToBuf(ccf.pemToId(args.cert));
        // An existing member keeps its status and data.
        if (ccf.kv["public:ccf.gov.members.info"].has(rawMemberId)) {
          return;
        }
        ccf.kv["public:ccf.gov.members.certs"].set(
          rawMemberId,
          ccf.jsonCompatibleToBuf(args.cert),
        );
        if (
          args.encryption_pub_key !== null &&
          args.encryption_pub_key !== undefined
        ) {
          ccf.kv["public:ccf.gov.members.encryption_public_keys"].set(
            rawMemberId,
            ccf.jsonCompatibleToBuf(args.encryption_pub_key),
          );
        }
        const info = { status: "Accepted", member_data: args.member_data };
        if (args.recovery_role !== null && args.recovery_role !== undefined) {
          info.recovery_role = args.recovery_role;
        }
        ccf.kv["public:ccf.gov.members.info"].set(
          rawMemberId,
          ccf.jsonCompatibleToBuf(info),
        );
        // The new member becomes Active by acknowledging this digest (or a
        // fresher one it asks for).
        const rawSignature = ccf.kv["public:ccf.internal.signatures"].get(
          getSingletonKvKey(),
        );
        const ack = {};
        if (rawSignature !== undefined) {
          ack.state_digest = ccf.bufToJsonCompatible(rawSignature).root;
        }
        ccf.kv["public:ccf.gov.members.acks"].set(
          rawMemberId,
          ccf.jsonCompatibleToBuf(ack),
        );
      },
    ),
  ],
  [
    "remove_member",
    new Action(
      function (args) {
        checkEntityId(args.member_id, "member_id");
      },
      function (args) {
        const rawMemberId = ccf.strToBuf(args.member_id);
        const rawInfo = ccf.kv["public:ccf.gov.members.info"].get(rawMemberId);
        if (rawInfo === undefined) {
          return; // idempotent
        }
        const isActive = ccf.bufToJsonCompatible(rawInfo).status === "Active";
        const isRecovery =
          ccf.kv["public:ccf.gov.members.encryption_public_keys"].has(
            rawMemberId,
          );
        if (isActive && countActiveMembers(false) <= 1) {
          throw new Error(
            `Member ${args.member_id} is the last active member and cannot be removed`,
          );
        }
        if (isActive && isRecovery) {
          const rawConfig = ccf.kv["public:ccf.gov.service.config"].get(
            getSingletonKvKey(),
          );
          const threshold =
            rawConfig === undefined
              ? 0
              : ccf.bufToJsonCompatible(rawConfig).recovery_threshold;
          const recoveryMembers = countActiveMembers(true);
          if (recoveryMembers - 1 < threshold) {
            throw new Error(
              `Number of active recovery members (${recoveryMembers - 1}) would be less than recovery threshold (${threshold})`,
            );
          }
        }
        ccf.kv["public:ccf.gov.members.info"].delete(rawMemberId);
        ccf.kv["public:ccf.gov.members.encryption_public_keys"].delete(
          rawMemberId,
        );
        ccf.kv["public:ccf.gov.members.certs"].delete(rawMemberId);
        ccf.kv["public:ccf.gov.members.acks"].delete(rawMemberId);
        if (isActive && isRecovery) {
          // Its recovery share must no longer open the ledger.
          ccf.node.triggerLedgerRekey();
        }
      },
    ),
  ],
  [
    "set_member_data",
    new Action(
      function (args) {
        checkEntityId(args.member_id, "member_id");
        checkType(args.member_data, "object", "member_data");
        checkBankName(args.member_data); // bank_actions.js
      },
      function (args) {
        const rawMemberId = ccf.strToBuf(args.member_id);
        const rawInfo = ccf.kv["public:ccf.gov.members.info"].get(rawMemberId);
        if (rawInfo === undefined) {
          throw new Error(`Member ${args.member_id} does not exist`);
        }
        checkBankNameFree(args.member_id, args.member_data);
        const info = ccf.bufToJsonCompatible(rawInfo);
        info.member_data = args.member_data;
        ccf.kv["public:ccf.gov.members.info"].set(
          rawMemberId,
          ccf.jsonCompatibleToBuf(info),
        );
      },
    ),
  ],
  [
    "transition_service_to_open",
    new Action(
      function (args) {
        checkType(
          args.next_service_identity,
          "string",
          "next service identity (PEM certificate)",
        );
        checkX509CertBundle(args.next_service_identity, "next_service_identity");
        checkType(
          args.previous_service_identity,
          "string?",
          "previous service identity (PEM certificate)",
        );
        if (
          args.previous_service_identity !== null &&
          args.previous_service_identity !== undefined
        ) {
          checkX509CertBundle(
            args.previous_service_identity,
            "previous_service_identity",
          );
        }
      },
      function (args) {
        const rawService = ccf.kv["public:ccf.gov.service.info"].get(
          getSingletonKvKey(),
        );
        if (rawService === undefined) {
          throw new Error("Service information could not be found");
        }
        const service = ccf.bufToJsonCompatible(rawService);
        const hasPrevious =
          args.previous_service_identity !== null &&
          args.previous_service_identity !== undefined;
        if (service.status === "Recovering" && !hasPrevious) {
          throw new Error(
            "Opening a recovering network requires both, the previous and the next service identity",
          );
        }
        ccf.node.transitionServiceToOpen(
          hasPrevious ? ccf.strToBuf(args.previous_service_identity) : undefined,
          ccf.strToBuf(args.next_service_identity),
        );
      },
    ),
  ],
  [
    "transition_node_to_trusted",
    new Action(
      function (args) {
        checkEntityId(args.node_id, "node_id");
        checkType(args.valid_from, "string", "valid_from");
        if (args.validity_period_days !== undefined) {
          checkType(args.validity_period_days, "integer", "validity_period_days");
          if (args.validity_period_days < 1) {
            throw new Error("validity_period_days must be at least 1");
          }
        }
      },
      function (args) {
        const rawNodeId = ccf.strToBuf(args.node_id);
        const rawNode = ccf.kv["public:ccf.gov.nodes.info"].get(rawNodeId);
        if (rawNode === undefined) {
          throw new Error(`No such node: ${args.node_id}`);
        }
        const node = ccf.bufToJsonCompatible(rawNode);
        if (node.status !== "Pending") {
          return;
        }
        const rawConfig = ccf.kv["public:ccf.gov.service.config"].get(
          getSingletonKvKey(),
        );
        const config =
          rawConfig === undefined ? {} : ccf.bufToJsonCompatible(rawConfig);
        node.status =
          config.reconfiguration_type === "TwoTransaction" ? "Learner" : "Trusted";
        node.ledger_secret_seqno = ccf.network.getLatestLedgerSecretSeqno();
        ccf.kv["public:ccf.gov.nodes.info"].set(
          rawNodeId,
          ccf.jsonCompatibleToBuf(node),
        );
        if (node.certificate_signing_request !== undefined) {
          const maxDays = config.maximum_node_certificate_validity_days ?? 365;
          if (
            args.validity_period_days !== undefined &&
            args.validity_period_days > maxDays
          ) {
            throw new Error(
              `Validity period ${args.validity_period_days} is not allowed: max allowed is ${maxDays}`,
            );
          }
          const endorsed = ccf.network.generateEndorsedCertificate(
            node.certificate_signing_request,
            args.valid_from,
            args.validity_period_days ?? maxDays,
          );
          ccf.kv["public:ccf.gov.nodes.endorsed_certificates"].set(
            rawNodeId,
            ccf.strToBuf(endorsed),
          );
        }
      },
    ),
  ],
  [
    "set_constitution",
    new Action(
      function (args) {
        checkType(args.constitution, "string", "constitution");
      },
      function (args, proposalId) {
        ccf.kv["public:ccf.gov.constitution"].set(
          getSingletonKvKey(),
          ccf.jsonCompatibleToBuf(args.constitution),
        );
        invalidateOtherOpenProposals(proposalId);
      },
    ),
  ],
  [
    "set_js_app",
    new Action(
      function (args) {
        const bundle = args.bundle;
        checkType(bundle, "object", "bundle");
        checkType(bundle.modules, "array", "bundle.modules");
        for (const [i, module] of bundle.modules.entries()) {
          checkType(module, "object", `bundle.modules[${i}]`);
          checkType(module.name, "string", `bundle.modules[${i}].name`);
          checkType(module.module, "string", `bundle.modules[${i}].module`);
        }
        checkType(bundle.metadata, "object", "bundle.metadata");
        checkType(bundle.metadata.endpoints, "object", "bundle.metadata.endpoints");
        for (const [url, endpoint] of Object.entries(bundle.metadata.endpoints)) {
          checkType(endpoint, "object", `bundle.metadata.endpoints["${url}"]`);
          for (const [method, info] of Object.entries(endpoint)) {
            const where = `bundle.metadata.endpoints["${url}"]["${method}"]`;
            checkType(info, "object", where);
            checkType(info.js_module, "string", `${where}.js_module`);
            checkType(info.js_function, "string", `${where}.js_function`);
            checkEnum(info.mode, ["readwrite", "readonly", "historical"], `${where}.mode`);
            checkType(info.authn_policies, "array", `${where}.authn_policies`);
          }
        }
        checkType(args.disable_bytecode_cache, "boolean?", "disable_bytecode_cache");
      },
      function (args) {
        ccf.node.setJsApp(args.bundle, args.disable_bytecode_cache ?? false);
      },
    ),
  ],
  [
    "remove_js_app",
    new Action(
      function (args) {},
      function (args) {
        ccf.node.removeJsApp();
      },
    ),
  ],
]);
