// How governance operations say no: the HTTP status, CCF's error code and
// message, turned into CCF's error body by the endpoints.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "http/message.hpp"

namespace bankd::governance {

struct Refusal {
  unsigned status = 400;
  std::string code;
  std::string message;

  http::Response ToResponse() const { return http::Response::Error(status, code, message); }
};

// A value or the refusal that stopped the operation.
template <typename T>
using Outcome = std::variant<T, Refusal>;

template <typename T>
const Refusal* RefusalOf(const Outcome<T>& o) {
  return std::get_if<Refusal>(&o);
}

}  // namespace bankd::governance
