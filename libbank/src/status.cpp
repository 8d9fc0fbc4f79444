#include "bank/status.hpp"

namespace bank {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInternal:
      return "internal";
    case Code::kUsage:
      return "usage";
    case Code::kInputFile:
      return "input_file";
    case Code::kAuth:
      return "auth";
    case Code::kNotFound:
      return "not_found";
    case Code::kRejected:
      return "rejected";
    case Code::kVerifyFailed:
      return "verification_failed";
    case Code::kNetwork:
      return "network";
    case Code::kExists:
      return "exists";
  }
  return "unknown";
}

}  // namespace bank
