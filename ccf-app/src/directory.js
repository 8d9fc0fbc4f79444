// GET /directory/{name*bank}: the federation name a bank registered for a
// user by governance (set_user_name), as bankd's node/app/directory.hpp.
import * as http from "./http.js";
import * as t from "./tables.js";

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

// The member whose member_data.name is `bank`, or undefined.
function bankMember(bank) {
  let found;
  ccf.kv[t.MEMBER_INFO].forEach((value, key) => {
    const data = ccf.bufToJsonCompatible(value).member_data;
    if (found === undefined && data && data.name === bank) found = ccf.bufToStr(key);
  });
  return found;
}

export function lookup(request) {
  const text = request.params.name;
  const star = text.indexOf("*");
  const name = star < 0 ? text : text.slice(0, star);
  const bank = star < 0 ? "" : text.slice(star + 1);
  if (!NAME.test(name) || !NAME.test(bank)) {
    return http.error(400, "InvalidResourceName", `'${text}' is not a directory name (expected name*bank).`);
  }
  const member = bankMember(bank);
  if (member === undefined) return http.error(404, "ResourceNotFound", `No bank is named '${bank}'.`);
  const entry = t.get(t.USER_NAMES, `${member}/${name}`);
  if (entry === undefined || typeof entry.user_id !== "string") {
    return http.error(404, "ResourceNotFound", `Bank '${bank}' has no user named '${name}'.`);
  }
  return http.json({ user_id: entry.user_id, bank, member_id: member, name });
}
