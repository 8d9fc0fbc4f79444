// `bankd --help`: usage and the configuration file reference.
#pragma once

namespace bankd::config {

const char* HelpText();

}  // namespace bankd::config
