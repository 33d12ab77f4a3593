// A fixed-window failure counter per key (login id, client address): after `limit` failures
// within `window`, further attempts are refused until the window ends.
// Thread safety: all methods are thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "core/types.h"

namespace tonari::services {

class RateLimiter {
 public:
  RateLimiter(int limit, TimeMs window) : limit_(limit), window_(window) {}

  // Milliseconds until `key` may try again; 0 if it may now.
  TimeMs retry_after(const std::string& key, TimeMs now);
  // Admits an attempt: 0 and the attempt counted as a failure until reset() says it
  // succeeded, or the milliseconds to wait (nothing counted). Counting at admission means
  // parallel attempts cannot slip past the limit while earlier ones are still checked.
  TimeMs acquire(const std::string& key, TimeMs now);
  void record_failure(const std::string& key, TimeMs now);
  void reset(const std::string& key);
  // Takes back one attempt admitted by acquire() that turned out not to be a failure.
  void release(const std::string& key);

 private:
  struct Window {
    TimeMs start = 0;
    int failures = 0;
  };
  void sweep(TimeMs now);  // requires mu_

  const int limit_;
  const TimeMs window_;
  std::mutex mu_;
  std::unordered_map<std::string, Window> windows_;  // guarded by mu_
};

}  // namespace tonari::services
