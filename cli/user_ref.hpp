// A user as bankctl's commands take it: a 64-hex id, a workspace identity
// name, a certificate file (Context::ResolveId), or a federation name
// "name*bank" looked up in the service's directory (GET
// /app/directory/{name*bank}). Implemented in cli/consortium.cpp.
#pragma once

#include <string>

#include "cli.hpp"

namespace bankctl {

bank::Result<std::string> ResolveUser(Context& ctx, const std::string& text);

}  // namespace bankctl
