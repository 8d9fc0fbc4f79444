// The federation directory: a user is named "name*bank", where bank is a
// member's member_data.name and name one that bank registered for the user
// by governance (set_user_name; governance/bank_actions.hpp).
//
//   GET /app/directory/{name*bank}   users and members
//     200 {"user_id", "bank", "member_id", "name"}
//     400 InvalidResourceName  not "name*bank" with two directory names
//     404 ResourceNotFound     no such bank, or no such name at that bank
#pragma once

#include "http/router.hpp"

namespace bankd::app {

void RegisterDirectoryEndpoints(http::Router& router);

}  // namespace bankd::app
