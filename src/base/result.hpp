// Errors as values: every expected failure (network, DNS, bad input) is a
// Result carrying an Error with a kind the caller can act on.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace mxtls {

enum class ErrorKind {
  temporary,  // try again later: timeout, SERVFAIL, connection refused
  permanent,  // the peer answered, and the answer is final
  not_found,  // the thing does not exist (NXDOMAIN, no record, HTTP 404)
  invalid,    // the input or the record is malformed
};

const char* to_string(ErrorKind kind);

struct Error {
  ErrorKind kind;
  std::string message;
};

inline Error temporary_error(std::string message) { return {ErrorKind::temporary, std::move(message)}; }
inline Error permanent_error(std::string message) { return {ErrorKind::permanent, std::move(message)}; }
inline Error not_found_error(std::string message) { return {ErrorKind::not_found, std::move(message)}; }
inline Error invalid_error(std::string message) { return {ErrorKind::invalid, std::move(message)}; }

// A minimal std::expected stand-in (C++20 has none).
template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const Error& error() const { return std::get<1>(state_); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> state_;
};

}  // namespace mxtls
