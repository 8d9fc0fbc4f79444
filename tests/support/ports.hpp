// Loopback ports for tests, always from the kernel, never guessed: a port
// found free and then closed can be taken by anyone (another test, another
// program's outgoing connection) before it is used.
#pragma once

#include <string>

namespace bank::test {

// A loopback port bound but not listening, held for the object's lifetime:
// connecting to it is refused, and nothing else can bind it meanwhile.
class RefusingPort {
 public:
  RefusingPort();  // throws std::runtime_error
  ~RefusingPort();
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
};

}  // namespace bank::test
