// CCF's built-in tables as a ledger records them, and the checks on their
// values (shared by `ledger audit`, `ledger read` and bankd's writer).
//
// Single-value tables hold their value at key kSingletonKey (u64 0).
//  - public:ccf.internal.signatures: JSON PrimarySignature
//      {"cert", "commit_seqno", "commit_view", "hashed_nonce", "node",
//       "root", "seqno", "sig", "view"}: "sig" is base64 DER ECDSA by the
//       node key over the 32-byte root used as a prehashed SHA-256 digest;
//  - public:ccf.internal.cose_signatures: a JSON string, the base64 of a
//    COSE_Sign1 by the service key over the detached root, protected
//    header {1: alg, 4: kid (hex SHA-256 of the service key's DER SPKI),
//    395: 2 (vds), 15: CWT claims, "ccf.v1": {"txid": "V.S"}};
//  - public:ccf.internal.tree: the Merkle tree as merklecpp serialises it:
//      u64 BE leaf count n, u64 BE flushed count f, n leaf hashes (leaves
//      f..f+n-1), then hashes of the flushed subtrees;
//  - public:ccf.gov.service.info: JSON {"cert": PEM, "status", ...};
//  - public:ccf.gov.cose_history: per member id, a JSON string, the base64
//    of the member's last governance COSE_Sign1;
//  - public:ccf.gov.members.acks: per member id, JSON {"state_digest",
//    "cose_sign1_req"?: base64 COSE_Sign1}.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bank/certificate.hpp"
#include "bank/hash.hpp"
#include "bank/ledger_entry.hpp"
#include "bank/status.hpp"
#include "bank/txid.hpp"

namespace bank::ledger {

inline constexpr std::string_view kSignatures = "public:ccf.internal.signatures";
inline constexpr std::string_view kCoseSignatures = "public:ccf.internal.cose_signatures";
inline constexpr std::string_view kTree = "public:ccf.internal.tree";
inline constexpr std::string_view kServiceInfo = "public:ccf.gov.service.info";
inline constexpr std::string_view kMembersCerts = "public:ccf.gov.members.certs";
inline constexpr std::string_view kMembersAcks = "public:ccf.gov.members.acks";
inline constexpr std::string_view kNodesInfo = "public:ccf.gov.nodes.info";
inline constexpr std::string_view kEndorsedNodeCerts = "public:ccf.gov.nodes.endorsed_certificates";
inline constexpr std::string_view kCoseHistory = "public:ccf.gov.cose_history";

// The text of a JSON string value; nullopt when it is not one.
std::optional<std::string> JsonString(std::string_view json_value);

struct PrimarySignature {
  TxId txid;
  TxId commit;
  std::string node_id;
  Digest root{};
  Digest hashed_nonce{};
  Bytes signature;             // DER
  std::string cert_pem;        // "" when absent (older CCF)
  std::string ToJson() const;  // CCF's field order
};
Result<PrimarySignature> ParsePrimarySignature(std::string_view json_value);
// The signature over its root by the node key of `recorded_cert_pem` (the
// certificate the ledger records for that node), whose key must be the one
// of the embedded certificate and hash to the node id. kVerifyFailed.
Status VerifyPrimarySignature(const PrimarySignature& sig, const std::string& recorded_cert_pem);

// The COSE root signature `b64` (from the table) over `root` by `service`,
// with the kid of its key and `txid` in "ccf.v1". kVerifyFailed/kInputFile.
Status VerifyCoseRootSignature(std::string_view b64, const Certificate& service, const Digest& root,
                               const TxId& txid);
// A governance envelope by `member_id` (kid), verified with its certificate.
Status VerifyGovernanceEnvelope(std::string_view b64, const std::string& member_cert_pem,
                                const std::string& member_id);

// The "cert" of a service.info value.
Result<Certificate> ServiceCertificateOf(std::string_view json_value);

struct SerialisedTree {
  uint64_t first_leaf = 0;  // f: leaves before it are flushed
  std::vector<Digest> leaves;
  std::vector<Digest> flushed;  // the extra hashes, as stored
};
Result<SerialisedTree> ParseSerialisedTree(std::string_view bytes);
std::string SerialiseTree(const SerialisedTree& tree);

}  // namespace bank::ledger
