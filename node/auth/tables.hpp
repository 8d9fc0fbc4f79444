// CCF's governance table names, shared by auth, the node and governance.
#pragma once

namespace bankd::tables {

inline constexpr const char* kMemberCerts = "public:ccf.gov.members.certs";
inline constexpr const char* kMemberInfo = "public:ccf.gov.members.info";
inline constexpr const char* kMemberEncryptionKeys = "public:ccf.gov.members.encryption_public_keys";
inline constexpr const char* kUserCerts = "public:ccf.gov.users.certs";
inline constexpr const char* kUserInfo = "public:ccf.gov.users.info";
inline constexpr const char* kServiceInfo = "public:ccf.gov.service.info";
inline constexpr const char* kNodesInfo = "public:ccf.gov.nodes.info";
// Single-entry tables (service info) use this key.
inline constexpr const char* kSingletonKey = "0";

}  // namespace bankd::tables
