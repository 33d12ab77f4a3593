#include "log/log.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <memory>
#include <mutex>
#include <vector>

namespace tonari::log {
namespace {

struct State {
  std::mutex mu;
  std::shared_ptr<spdlog::logger> logger;  // guarded by mu (the pointer; the logger is thread-safe)
  std::atomic<bool> json{true};
  std::atomic<int> level{static_cast<int>(Level::info)};
};

State& state() {
  static State* s = [] {
    auto* st = new State;  // never destroyed: threads may log during static destruction
    st->logger = std::make_shared<spdlog::logger>(
        "tonari", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    st->logger->set_pattern("%v");
    st->logger->set_level(spdlog::level::trace);
    st->logger->flush_on(spdlog::level::trace);
    return st;
  }();
  return *s;
}

const char* level_name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

// Length of the well-formed UTF-8 sequence at `p` (at most `n` bytes), 0 if there is none.
std::size_t utf8_len(const unsigned char* p, std::size_t n) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  std::size_t len;
  std::uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
  else return 0;
  if (n < len) return 0;
  for (std::size_t i = 1; i < len; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return len;
}

// Appends `s` escaped: for JSON inside quotes; for logfmt the same escapes (a quoted value).
void append_escaped(std::string& out, std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size();
  for (std::size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7F) {
      static const char* hex = "0123456789abcdef";
      out += "\\u00";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
      ++i;
      continue;
    }
    std::size_t len = utf8_len(p + i, n - i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
      ++i;
    } else {
      out.append(s.data() + i, len);
      i += len;
    }
  }
}

bool logfmt_needs_quotes(std::string_view s) {
  if (s.empty()) return true;
  for (unsigned char c : s)
    if (c <= 0x20 || c == '=' || c == '"' || c == '\\' || c >= 0x7F) return true;
  return false;
}

void append_time(std::string& out, std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  out += buf;
}

}  // namespace

struct Writer {
  static void value(std::string& out, const Field& f, bool json) {
    char buf[64];
    switch (f.kind_) {
      case Field::kString:
        if (json || logfmt_needs_quotes(f.s_)) {
          out.push_back('"');
          append_escaped(out, f.s_);
          out.push_back('"');
        } else {
          out.append(f.s_);
        }
        return;
      case Field::kInt:
        out += std::to_string(f.i_);
        return;
      case Field::kBool:
        out += f.i_ ? "true" : "false";
        return;
      case Field::kDouble:
        if (!std::isfinite(f.d_)) {
          out += json ? "null" : "NaN";
          return;
        }
        std::snprintf(buf, sizeof buf, "%.6g", f.d_);
        out += buf;
        return;
    }
  }
  static void key(std::string& out, std::string_view k, bool json) {
    if (json) {
      out.push_back('"');
      append_escaped(out, k);
      out += "\":";
    } else {
      // Keys are ours (identifiers); anything else is replaced rather than escaped.
      for (char c : k) out.push_back((c > 0x20 && c < 0x7F && c != '=' && c != '"') ? c : '_');
      out.push_back('=');
    }
  }
};

std::string format_line(Level level, std::string_view event, std::initializer_list<Field> fields,
                        std::int64_t time_ms, bool json) {
  std::string out;
  out.reserve(128);
  if (json) {
    out += "{\"ts\":\"";
    append_time(out, time_ms);
    out += "\",\"level\":\"";
    out += level_name(level);
    out += "\",\"event\":\"";
    append_escaped(out, event);
    out.push_back('"');
    for (const auto& f : fields) {
      out.push_back(',');
      Writer::key(out, f.key(), true);
      Writer::value(out, f, true);
    }
    out.push_back('}');
  } else {
    out += "ts=";
    append_time(out, time_ms);
    out += " level=";
    out += level_name(level);
    out += " event=";
    Writer::value(out, Field("event", event), false);
    for (const auto& f : fields) {
      out.push_back(' ');
      Writer::key(out, f.key(), false);
      Writer::value(out, f, false);
    }
  }
  return out;
}

bool enabled(Level level) {
  return static_cast<int>(level) >= state().level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  State& st = state();
  std::string line = format_line(level, event, fields, now, st.json.load(std::memory_order_relaxed));
  std::shared_ptr<spdlog::logger> logger;
  {
    std::lock_guard lock(st.mu);
    logger = st.logger;
  }
  try {
    logger->log(spdlog::level::info, line);
  } catch (...) {
    // Nowhere left to report a failure to write a log line (e.g. a full disk).
  }
}

std::string describe(std::exception_ptr e) {
  try {
    if (e) std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
  }
  return "unknown exception";
}

bool parse_level(std::string_view name, Level& out) {
  if (name == "debug") out = Level::debug;
  else if (name == "info") out = Level::info;
  else if (name == "warn") out = Level::warn;
  else if (name == "error") out = Level::error;
  else return false;
  return true;
}

std::string configure(const Options& opts) {
  if (opts.format != "json" && opts.format != "logfmt")
    return "log format must be json or logfmt, not " + opts.format;
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_sink_mt>()};
  if (!opts.file.empty()) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(opts.file));
    } catch (const std::exception& e) {
      return "cannot open log file " + opts.file + ": " + e.what();
    }
  }
  auto logger = std::make_shared<spdlog::logger>("tonari", sinks.begin(), sinks.end());
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::trace);
  State& st = state();
  st.json.store(opts.format == "json");
  st.level.store(static_cast<int>(opts.level));
  std::lock_guard lock(st.mu);
  st.logger = std::move(logger);
  return {};
}

}  // namespace tonari::log
