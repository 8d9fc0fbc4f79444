// The curl command-line tool, run as a person would run it against a CCF
// sandbox: `curl --cacert service_cert.pem --cert user0_cert.pem --key
// user0_privk.pem https://127.0.0.1:PORT/...`. Proves that bankd speaks
// plain HTTPS, not just whatever libbank sends.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace bank::test {

class BankdProcess;

struct CurlResult {
  int exit_code = -1;                          // curl's own (0 when a response arrived)
  long status = 0;                             // HTTP status
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& lowercase_name) const;
};

// Runs `curl -sS <args...>` and captures status, headers and body.
CurlResult RunCurl(const std::vector<std::string>& args);

// `curl --cacert <service cert> [--cert <name>_cert.pem --key <name>_privk.pem]
//  -X METHOD [-H 'Content-Type: application/json' --data-binary BODY] URL`.
// `name` "" sends no client certificate; `extra` are more curl arguments.
CurlResult Curl(const BankdProcess& bankd, const std::string& name, const std::string& method,
                const std::string& path, const std::string& body = "",
                const std::vector<std::string>& extra = {});

}  // namespace bank::test
