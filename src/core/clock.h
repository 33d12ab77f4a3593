// Time source, injected so that tests can control time.
// Thread safety: implementations must be safe to call from any thread.
#pragma once

#include <chrono>

#include "core/types.h"

namespace tonari {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in milliseconds since the Unix epoch.
  virtual TimeMs now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

}  // namespace tonari
