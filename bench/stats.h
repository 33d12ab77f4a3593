// Latency samples and percentiles for the load generator.
#pragma once

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

// Microseconds since the load generator started (fits a client_id and a JSON number).
inline std::int64_t now_us() {
  static const auto start = Clock::now();
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
}

class Samples {
 public:
  void add(std::int64_t us) { v_.push_back(us); }
  std::size_t count() const { return v_.size(); }
  // The p-th percentile in milliseconds (0 if empty).
  double pct_ms(double p) {
    if (v_.empty()) return 0;
    if (!sorted_) {
      std::sort(v_.begin(), v_.end());
      sorted_ = true;
    }
    std::size_t i = static_cast<std::size_t>(p / 100.0 * (v_.size() - 1) + 0.5);
    return v_[std::min(i, v_.size() - 1)] / 1000.0;
  }
  void merge(const Samples& o) {
    v_.insert(v_.end(), o.v_.begin(), o.v_.end());
    sorted_ = false;
  }

 private:
  std::vector<std::int64_t> v_;
  bool sorted_ = false;
};

// How late a thread that sleeps 1 ms at a time wakes up, on a given core: the machine's own
// scheduling noise (other threads on the core, the hypervisor), as a reference for the
// tails the workloads measure. Runs from construction until stop().
class WakeupProbe {
 public:
  explicit WakeupProbe(int cpu) : thread_([this, cpu] { run(cpu); }) {}
  ~WakeupProbe() { stop(); }
  WakeupProbe(const WakeupProbe&) = delete;
  WakeupProbe& operator=(const WakeupProbe&) = delete;

  // Stops the probe; the samples are complete afterwards.
  Samples& stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    return late_;
  }

 private:
  void run(int cpu) {
    if (cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      sched_setaffinity(0, sizeof set, &set);
    }
    while (!stop_.load(std::memory_order_relaxed)) {
      const auto due = Clock::now() + std::chrono::milliseconds(1);
      std::this_thread::sleep_until(due);
      late_.add(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - due).count());
    }
  }

  std::atomic<bool> stop_{false};
  Samples late_;  // written by the probe thread until stop()
  std::thread thread_;
};

}  // namespace bench
