// The constitution text a new bankd service starts with: the files of
// governance-scripts/constitution/ (actions.js, bank_actions.js,
// validate.js, resolve.js, apply.js) concatenated at build time, as cchost concatenates its
// constitution_files. bankd serves this text and evaluates the same rules
// natively (governance/proposals.hpp, governance/actions.hpp); it runs no
// JavaScript, so set_constitution changes the text served, not the rules.
#pragma once

#include <string>

namespace bankd::governance {

const std::string& DefaultConstitution();

}  // namespace bankd::governance
