// What every service is built from: the store, the bus, the clock, a place to run blocking
// CPU work (password hashing) and the limits from configuration.
#pragma once

#include <functional>

#include "bus/bus.h"
#include "core/clock.h"
#include "store/store.h"

namespace tonari::services {

struct Limits {
  std::size_t max_message_chars = 10000;
  std::size_t max_name_chars = 100;
  std::size_t max_status_chars = 100;
  TimeMs session_ttl_ms = 30LL * 24 * 3600 * 1000;
  int login_failures_per_window = 10;
  TimeMs login_window_ms = 5 * 60 * 1000;
  TimeMs read_flush_period_ms = 1000;
  unsigned long long pwhash_opslimit = 2;          // argon2id t
  std::size_t pwhash_memlimit = 19 * 1024 * 1024;  // argon2id m (OWASP minimum: 19 MiB)
};

struct Context {
  store::Store& store;
  bus::Bus& bus;
  const Clock& clock;
  // Runs `work` off the I/O threads (e.g. on a thread pool).
  std::function<void(std::function<void()>)> run_blocking;
  Limits limits;
};

// The authenticated caller of a request.
struct Actor {
  User user;
  Tenant tenant;
  std::string token_hash;
  std::string csrf;
};

}  // namespace tonari::services
