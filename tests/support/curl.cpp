#include "support/curl.hpp"

#include <sys/wait.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support/bankd_process.hpp"
#include "support/temp_dir.hpp"

namespace bank::test {
namespace {

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string CurlResult::header(const std::string& lowercase_name) const {
  auto it = headers.find(lowercase_name);
  return it == headers.end() ? "" : it->second;
}

CurlResult RunCurl(const std::vector<std::string>& args) {
  TempDir tmp;
  const std::string body_file = tmp / "body", header_file = tmp / "headers";
  std::string cmd = "curl -sS --max-time 60 -o " + ShellQuote(body_file) + " -D " + ShellQuote(header_file) +
                    " -w '%{http_code}'";
  for (const auto& a : args) cmd += " " + ShellQuote(a);
  cmd += " 2>" + ShellQuote(tmp / "stderr");

  CurlResult result;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return result;
  std::string out;
  char buf[256];
  while (size_t n = std::fread(buf, 1, sizeof(buf), pipe)) out.append(buf, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.status = std::strtol(out.c_str(), nullptr, 10);
  result.body = ReadAll(body_file);

  std::istringstream lines(ReadAll(header_file));
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("HTTP/", 0) == 0) {
      result.headers.clear();  // a new response (after 100 Continue)
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    result.headers[name] = value;
  }
  return result;
}

CurlResult Curl(const BankdProcess& bankd, const std::string& name, const std::string& method,
                const std::string& path, const std::string& body, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--cacert", bankd.service_cert()};
  if (!name.empty()) {
    args.insert(args.end(), {"--cert", bankd.cert(name), "--key", bankd.key(name)});
  }
  args.insert(args.end(), {"-X", method});
  if (!body.empty()) args.insert(args.end(), {"-H", "Content-Type: application/json", "--data-binary", body});
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(bankd.url() + path);
  return RunCurl(args);
}

}  // namespace bank::test
