// Status and Result<T>: explicit errors instead of exceptions across libbank.
//
// Every failure carries a Code that maps one-to-one onto a bankctl exit code
// (see README "Exit codes"), and a single-line message meant for a person.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace bank {

// Stable: scripts branch on these via bankctl's exit code. Never renumber.
enum class Code : int {
  kOk = 0,
  kInternal = 1,      // a bug or an unexpected condition
  kUsage = 2,         // bad command line / bad argument value
  kInputFile = 3,     // a file is missing, unreadable or malformed
  kAuth = 4,          // 401/403 from the service, or unusable credentials
  kNotFound = 5,      // 404 from the service
  kRejected = 6,      // the service refused the request (400, 409, ...)
  kVerifyFailed = 7,  // a receipt, signature or ledger does not verify
  kNetwork = 8,       // cannot connect, TLS failure, timeout, 5xx
  kExists = 9,        // refused to overwrite / already running
};

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return {}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
  static Status Usage(std::string m) { return {Code::kUsage, std::move(m)}; }
  static Status InputFile(std::string m) { return {Code::kInputFile, std::move(m)}; }
  static Status Auth(std::string m) { return {Code::kAuth, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status Rejected(std::string m) { return {Code::kRejected, std::move(m)}; }
  static Status VerifyFailed(std::string m) { return {Code::kVerifyFailed, std::move(m)}; }
  static Status Network(std::string m) { return {Code::kNetwork, std::move(m)}; }
  static Status Exists(std::string m) { return {Code::kExists, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  int exit_code() const { return static_cast<int>(code_); }

  // Returns a copy whose message is "<context>: <message>".
  Status WithContext(const std::string& context) const {
    return ok() ? *this : Status(code_, context + ": " + message_);
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Name of a code for JSON output ("input_file", "not_found", ...).
const char* CodeName(Code code);

// Either a value or a non-OK Status.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace bank

namespace bank {
inline const Status& ToStatus(const Status& s) { return s; }
template <typename T>
const Status& ToStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace bank

// Returns early from the enclosing function when `expr` (a Status or a
// Result) is not OK.
#define BANK_RETURN_IF_ERROR(expr)                              \
  do {                                                          \
    auto&& _bank_v = (expr);                                    \
    const ::bank::Status& _bank_st = ::bank::ToStatus(_bank_v); \
    if (!_bank_st.ok()) return _bank_st;                        \
  } while (0)

#define BANK_CONCAT_INNER(a, b) a##b
#define BANK_CONCAT(a, b) BANK_CONCAT_INNER(a, b)
// `BANK_ASSIGN_OR_RETURN(auto x, ComputeResult());`
#define BANK_ASSIGN_OR_RETURN(lhs, expr)                                                      \
  auto BANK_CONCAT(_bank_r_, __LINE__) = (expr);                                              \
  if (!BANK_CONCAT(_bank_r_, __LINE__).ok()) return BANK_CONCAT(_bank_r_, __LINE__).status(); \
  lhs = std::move(BANK_CONCAT(_bank_r_, __LINE__)).value()
