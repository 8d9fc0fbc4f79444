// CCF's governance table names, shared by auth, the node and governance.
#pragma once

#include <string_view>

namespace bankd::tables {

inline constexpr const char* kMemberCerts = "public:ccf.gov.members.certs";
inline constexpr const char* kMemberInfo = "public:ccf.gov.members.info";
inline constexpr const char* kMemberEncryptionKeys = "public:ccf.gov.members.encryption_public_keys";
inline constexpr const char* kUserCerts = "public:ccf.gov.users.certs";
inline constexpr const char* kUserInfo = "public:ccf.gov.users.info";
inline constexpr const char* kServiceInfo = "public:ccf.gov.service.info";
inline constexpr const char* kNodesInfo = "public:ccf.gov.nodes.info";
// CCF's key for the one row of a single-value table: a u64 0.
inline constexpr std::string_view kSingletonKey{"\0\0\0\0\0\0\0\0", 8};

}  // namespace bankd::tables
