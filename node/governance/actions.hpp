// bankd's constitution actions, with CCF's names, arguments and validation
// messages (samples/constitutions/default/actions.js):
//
//   set_user {cert, user_data?}            remove_user {user_id}
//   set_user_data {user_id, user_data?}    set_member {cert,
//   encryption_pub_key?, member_data?, recovery_role?}
//   remove_member {member_id}              set_member_data {member_id,
//   member_data}                           transition_service_to_open
//   {next_service_identity, previous_service_identity?}
//   transition_node_to_trusted {node_id, valid_from, validity_period_days?}
//   set_constitution {constitution}
//
// governance-scripts/constitution/actions.js carries the same actions for a
// real CCF service.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bank/hash.hpp"
#include "bank/txid.hpp"
#include "kv/tx.hpp"

namespace bankd::governance {

struct ApplyContext {
  kv::Tx& tx;
  const std::string& proposal_id;
  // Root of the latest signature transaction (seeds new members' ACK record).
  std::optional<bank::Digest> last_signed_root;
  // The transaction applying the proposal: recorded by the banking rules
  // as the one that set them (GET /app/policy shows it).
  bank::TxId txid;
};

struct ActionDefinition {
  const char* name;
  // The reason the arguments are invalid ("cert must be ..."), or nullopt.
  // `args` is null when the action has none.
  std::optional<std::string> (*validate)(const nlohmann::json& args);
  // Applies validated arguments; the reason it cannot, or nullopt.
  std::optional<std::string> (*apply)(const nlohmann::json& args, ApplyContext& ctx);
  // set_constitution: other Open proposals become Dropped once applied.
  bool drops_other_open_proposals = false;
};

const ActionDefinition* FindAction(std::string_view name);
const std::vector<ActionDefinition>& AllActions();

}  // namespace bankd::governance
