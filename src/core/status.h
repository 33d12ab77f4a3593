// Status and Result<T>: how every fallible call in tonari reports failure.
// A Status is a code plus a human-readable message; Result<T> holds either a value or a
// non-ok Status. No exceptions cross module boundaries on the data path.
// Thread safety: plain values; safe to copy between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace tonari {

enum class Code {
  ok,
  invalid_json,
  invalid_argument,
  unauthenticated,
  csrf_failed,
  permission_denied,
  not_found,
  method_not_allowed,
  conflict,
  payload_too_large,
  rate_limited,
  too_many_connections,
  room_full,
  // Files (docs/api.md).
  quota_exceeded,        // the municipality's file quota
  zone_forbidden,        // not from this zone (Internet use not allowed, view-only download)
  file_not_ready,        // still being sanitized
  file_withheld,         // not delivered to this zone (withheld or blocked), with the reason
  offset_mismatch,       // an upload chunk not at the upload's current offset
  range_not_satisfiable, // a Range outside the file
  unavailable,
  internal,
};

// The wire name of a code ("not_found", ...), as used in JSON errors.
const char* code_name(Code code);

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  // A refusal that may succeed later: `retry_after_ms` (> 0) says when (rate_limited).
  Status(Code code, std::string message, std::int64_t retry_after_ms)
      : code_(code), message_(std::move(message)), retry_after_ms_(retry_after_ms) {}

  static Status ok() { return Status(); }

  bool is_ok() const { return code_ == Code::ok; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // Milliseconds after which the same request may succeed; 0: no hint.
  std::int64_t retry_after_ms() const { return retry_after_ms_; }

 private:
  Code code_ = Code::ok;
  std::string message_;
  std::int64_t retry_after_ms_ = 0;
};

inline Status invalid_argument(std::string m) { return {Code::invalid_argument, std::move(m)}; }
inline Status not_found(std::string m) { return {Code::not_found, std::move(m)}; }
inline Status permission_denied(std::string m) { return {Code::permission_denied, std::move(m)}; }
inline Status conflict(std::string m) { return {Code::conflict, std::move(m)}; }
inline Status internal_error(std::string m) { return {Code::internal, std::move(m)}; }
inline Status unauthenticated(std::string m) { return {Code::unauthenticated, std::move(m)}; }
inline Status rate_limited(std::string m, std::int64_t retry_after_ms) {
  return {Code::rate_limited, std::move(m), retry_after_ms};
}

// Either a T or a non-ok Status. Construct from a T for success, from a Status for failure.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace tonari

// Returns the status of `expr` from the enclosing function if it is not ok.
#define TONARI_RETURN_IF_ERROR(expr)              \
  do {                                            \
    ::tonari::Status _st = (expr);                \
    if (!_st.is_ok()) return _st;                 \
  } while (0)
