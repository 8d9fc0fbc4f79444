// COSE_Sign1 (RFC 9052) for CCF governance: building envelopes exactly as
// CCF's ccf_cose_sign1 does, the two-step external signing of
// ccf_cose_sign1_prepare / ccf_cose_sign1_finish, and parsing and
// verification (bankd authenticates governance requests with the same code).
//
// A governance envelope is tag 18 over
//   [ bstr(protected), {}, bstr(payload), bstr(r || s) ]
// whose protected header is a deterministic CBOR map:
//   1: alg (ES256 -7 / ES384 -35 / ES512 -36, from the signer key's curve)
//   4: kid, a byte string holding the lowercase hex SHA-256 of the signer's
//      DER certificate (the member id, 64 ASCII bytes)
//   "ccf.gov.msg.type": "proposal" | "ballot" | "withdrawal" | "ack" | ...
//   "ccf.gov.msg.proposal_id": for ballots and withdrawals
//   "ccf.gov.msg.created_at": integer seconds since the epoch
// The signature is ECDSA with the alg's hash over the Sig_structure
// ["Signature1", protected, h'', payload], encoded as raw r || s.
#pragma once

#include <cstdint>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "bank/cbor.hpp"
#include "bank/certificate.hpp"
#include "bank/identity.hpp"
#include "bank/key.hpp"
#include "bank/status.hpp"

namespace bank::cose {

inline constexpr uint64_t kSign1Tag = 18;
inline constexpr int64_t kHeaderAlg = 1;
inline constexpr int64_t kHeaderKid = 4;
inline constexpr const char* kHeaderMsgType = "ccf.gov.msg.type";
inline constexpr const char* kHeaderProposalId = "ccf.gov.msg.proposal_id";
inline constexpr const char* kHeaderCreatedAt = "ccf.gov.msg.created_at";

// CCF's governance message types.
inline constexpr const char* kProposal = "proposal";
inline constexpr const char* kBallot = "ballot";
inline constexpr const char* kWithdrawal = "withdrawal";
inline constexpr const char* kAck = "ack";
inline constexpr const char* kStateDigest = "state_digest";
inline constexpr const char* kRecoveryShare = "recovery_share";
inline constexpr const char* kEncryptedRecoveryShare = "encrypted_recovery_share";

// True for the seven types above.
bool IsGovMessageType(std::string_view type);
// Ballots and withdrawals name the proposal they are about.
bool NeedsProposalId(std::string_view type);

// What a governance envelope says besides alg and kid.
struct GovHeaders {
  std::string msg_type;
  std::optional<std::string> proposal_id;
  int64_t created_at = 0;  // seconds since the epoch
};

// Checks the combination (known type; proposal id present exactly when the
// type needs one; created_at not negative). Code::kUsage.
Status CheckGovHeaders(const GovHeaders& headers);

// ES256/ES384/ES512 for the certificate's EC key; other keys are refused.
Result<int> AlgorithmFor(const Certificate& cert);
// SHA bits for an ECDSA COSE algorithm (256/384/512); 0 for any other.
int HashBitsFor(int64_t alg);

// The deterministic protected header for `signer_cert`.
Result<Bytes> EncodeGovProtectedHeader(const Certificate& signer_cert, const GovHeaders& headers);
// CBOR of ["Signature1", protected, h'', payload]: what is signed.
Bytes SigStructure(std::span<const uint8_t> protected_header, std::span<const uint8_t> payload);
// Tag 18 over [protected, {}, payload, signature].
Bytes AssembleSign1(std::span<const uint8_t> protected_header, std::span<const uint8_t> payload,
                    std::span<const uint8_t> raw_signature);

// Builds and signs a governance envelope (ccf_cose_sign1).
Result<Bytes> SignGov(const Identity& signer, const GovHeaders& headers, std::span<const uint8_t> payload);

// External signing, step one (ccf_cose_sign1_prepare): the digest to sign
// elsewhere (an HSM, a key vault) with ECDSA as a pre-hashed digest.
struct Prepared {
  int alg = 0;
  Bytes digest;
  // {"alg": <int>, "value": "<base64 digest>"}, as ccf_cose_sign1_prepare prints.
  nlohmann::json ToJson() const;
};
Result<Prepared> PrepareGov(const Certificate& signer_cert, const GovHeaders& headers,
                            std::span<const uint8_t> payload);
// Step two (ccf_cose_sign1_finish): the envelope around a raw r || s
// signature of the prepared digest. The signature is checked against the
// certificate's key first, so a wrong or mangled signature fails here
// (Code::kVerifyFailed) rather than at the service.
Result<Bytes> FinishGov(const Certificate& signer_cert, const GovHeaders& headers,
                        std::span<const uint8_t> payload, std::span<const uint8_t> raw_signature);
// Reads the signature file ccf_cose_sign1_finish takes: JSON {"value": "<sig>"}
// with the raw r || s in base64url or base64 (a DER signature, as some key
// vaults return, is converted for `signer_cert`'s curve).
Result<Bytes> ParseSignatureJson(std::string_view json_text, const Certificate& signer_cert);

// A parsed COSE_Sign1.
struct Sign1 {
  Bytes protected_bytes;         // the protected header as signed
  cbor::Value protected_header;  // ... decoded (a map)
  cbor::Value unprotected;       // a map
  std::optional<Bytes> payload;  // nullopt: detached (nil)
  Bytes signature;
};

// Structure only: tag 18 (required, as CCF), a four-element array, a byte
// string holding a map, a map, a byte string or nil, a byte string. Errors
// are Code::kRejected and say which part is wrong.
Result<Sign1> ParseSign1(std::span<const uint8_t> envelope, const cbor::DecodeLimits& limits = {});

// The governance view of a protected header, with CCF's type rules: alg an
// integer, kid a byte string, created_at a non-negative integer (all three
// required), msg.type and proposal_id text when present.
struct GovProtectedHeader {
  int64_t alg = 0;
  std::string kid;
  std::optional<std::string> msg_type;
  std::optional<std::string> proposal_id;
  int64_t created_at = 0;
};
Result<GovProtectedHeader> ParseGovProtectedHeader(const cbor::Value& protected_header);

// Verifies the signature of `sign1` with `key` under algorithm `alg`, which
// must be an ECDSA algorithm matching the key's curve. `detached_payload`
// is used when the envelope's payload is nil. Code::kVerifyFailed.
Status VerifySign1(const Sign1& sign1, int64_t alg, const PublicKey& key,
                   std::optional<std::span<const uint8_t>> detached_payload = std::nullopt);

// Parses the times CCF's tools accept for --created-at: ISO 8601
// ("2024-05-01T12:00:00Z", "+02:00" offsets, fractions ignored, no zone
// meaning UTC, a bare date meaning midnight UTC) or plain epoch seconds.
Result<int64_t> ParseCreatedAt(std::string_view text);

}  // namespace bank::cose
