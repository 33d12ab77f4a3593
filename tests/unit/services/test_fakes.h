// Fakes for the services' tests: a clock the test sets, and a bus that records what is
// published (with the fake time of each).
#pragma once

#include <atomic>
#include <mutex>
#include <vector>

#include "bus/bus.h"
#include "core/clock.h"

namespace tonari::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimeMs start) : now_(start) {}
  TimeMs now_ms() const override { return now_.load(); }
  void set(TimeMs t) { now_.store(t); }
  void advance(TimeMs d) { now_.fetch_add(d); }

 private:
  std::atomic<TimeMs> now_;
};

class CapturingBus final : public bus::Bus {
 public:
  explicit CapturingBus(const Clock& clock) : clock_(clock) {}
  void publish(const bus::Event& e) override {
    std::lock_guard lock(mu_);
    events_.push_back(e);
    times_.push_back(clock_.now_ms());
  }
  void subscribe(Handler) override {}

  std::vector<bus::Event> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::vector<TimeMs> times() {
    std::lock_guard lock(mu_);
    return times_;
  }

 private:
  const Clock& clock_;
  std::mutex mu_;
  std::vector<bus::Event> events_;
  std::vector<TimeMs> times_;
};

}  // namespace tonari::testing
