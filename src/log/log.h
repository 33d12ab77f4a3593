// Structured logs: one line per event, JSON (default) or logfmt, to standard error (where
// systemd's journal keeps them) and, when configured, to a file. Every line has the time,
// the level and the event's name (`login.failed`, `http.5xx`, …: docs/operations.md lists
// them), then the event's fields. Values are escaped, and bytes that are not UTF-8 are
// replaced, so a hostile string can neither break a line nor forge one. Never log a
// password, a session token or a message body.
// Thread safety: every function may be called from any thread; configure() once at
// start-up, before other threads log (until then lines go to standard error as JSON).
#pragma once

#include <cstdint>
#include <exception>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

namespace tonari::log {

enum class Level { debug, info, warn, error };

struct Options {
  std::string format = "json";  // "json" or "logfmt"
  Level level = Level::info;
  std::string file;  // also append to this file when not empty
};

// Applies `opts`. Returns an error message, or empty on success (e.g. the file cannot be
// opened: then nothing changed).
std::string configure(const Options& opts);
// "debug", "info", "warn" or "error"; false if `name` is none of them.
bool parse_level(std::string_view name, Level& out);

// One field of a line: a key and a string, integer, floating-point or boolean value.
class Field {
 public:
  Field(std::string_view key, std::string_view v) : key_(key), kind_(kString), s_(v) {}
  Field(std::string_view key, const char* v) : Field(key, std::string_view(v ? v : "")) {}
  Field(std::string_view key, const std::string& v) : Field(key, std::string_view(v)) {}
  Field(std::string_view key, bool v) : key_(key), kind_(kBool), i_(v) {}
  Field(std::string_view key, double v) : key_(key), kind_(kDouble), d_(v) {}
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  Field(std::string_view key, I v) : key_(key), kind_(kInt), i_(static_cast<std::int64_t>(v)) {}

  std::string_view key() const { return key_; }

 private:
  friend struct Writer;
  enum Kind { kString, kInt, kDouble, kBool };
  std::string_view key_;
  Kind kind_;
  std::string_view s_;
  std::int64_t i_ = 0;
  double d_ = 0;
};

bool enabled(Level level);
void write(Level level, std::string_view event, std::initializer_list<Field> fields);

inline void debug(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::debug)) write(Level::debug, event, fields);
}
inline void info(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::info)) write(Level::info, event, fields);
}
inline void warn(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::warn)) write(Level::warn, event, fields);
}
inline void error(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::error, event, fields);
}

// What `e` says (its what()), for a line about an exception caught with catch (...).
std::string describe(std::exception_ptr e);

// Renders one line (without the time stamp's variability when `time_ms` is given): for
// tests and for write().
std::string format_line(Level level, std::string_view event, std::initializer_list<Field> fields,
                        std::int64_t time_ms, bool json);

}  // namespace tonari::log
