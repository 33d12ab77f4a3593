// Latency samples and percentiles for the load generator.
#pragma once

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

// The cores `cpu` stands for: that one, or (cpu < 0) every core.
inline cpu_set_t cpus(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (cpu >= 0) {
    CPU_SET(cpu, &set);
  } else {
    for (int c = 0; c < CPU_SETSIZE; ++c) CPU_SET(c, &set);  // the kernel keeps the ones that exist
  }
  return set;
}

// Pins the calling thread (and what it forks) to `cpu`; cpu < 0 lets it run on every core,
// whatever it inherited (the generator pins itself before it forks the server).
inline void pin_to(int cpu) {
  const cpu_set_t set = cpus(cpu);
  sched_setaffinity(0, sizeof set, &set);
}

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

// The share of CPU time the hypervisor gave to other guests ("steal" in /proc/stat) since
// construction: of core `cpu`, or of the whole machine for cpu < 0. -1 where unknown.
class StealMeter {
 public:
  explicit StealMeter(int cpu = -1) : cpu_(cpu), stolen0_(stolen_seconds()), wall0_(Clock::now()) {}

  double fraction() const {
    const double stolen = stolen_seconds();
    const double wall = std::chrono::duration<double>(Clock::now() - wall0_).count();
    if (stolen < 0 || stolen0_ < 0 || wall <= 0) return -1;
    const double cores = cpu_ < 0 ? std::thread::hardware_concurrency() : 1;
    return (stolen - stolen0_) / (wall * cores);
  }

 private:
  // Steal since boot in seconds, from the "cpu" (all) or "cpuN" line; -1 if unknown.
  double stolen_seconds() const {
    std::ifstream f("/proc/stat");
    const std::string want = cpu_ < 0 ? "cpu " : "cpu" + std::to_string(cpu_) + " ";
    for (std::string line; std::getline(f, line);) {
      if (line.rfind(want, 0) != 0) continue;
      std::istringstream in(line.substr(want.size()));
      long long v[8] = {};
      for (auto& x : v) in >> x;
      return static_cast<double>(v[7]) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
    return -1;
  }

  int cpu_;
  double stolen0_;
  Clock::time_point wall0_;
};

// How fast this machine's CPU is right now: the least of three timings, in ms, of a fixed
// piece of work (dependent loads from a 4 MiB table and multiplies, like a server's mix of
// cache misses and arithmetic). On this VM the same binary's CPU time per message varies
// by half between runs without any steal (another guest on the same physical core's other
// hyperthread, or sharing its caches, slows this one down): a run's figures are comparable
// with another's only at a similar probe. About 0.1 s.
inline double machine_probe_ms() {
  static const std::vector<std::uint32_t> table = [] {
    std::vector<std::uint32_t> t(1u << 20);
    std::uint32_t x = 2463534242u;
    for (auto& v : t) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      v = x;
    }
    return t;
  }();
  double best = 1e9;
  for (int round = 0; round < 3; ++round) {
    const auto t0 = Clock::now();
    std::uint32_t x = 1;
    for (std::uint32_t i = 0; i < 2'000'000; ++i) x = table[(x ^ i) & ((1u << 20) - 1)] * 2654435761u + i;
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    asm volatile("" : : "r"(x));  // the result is used: the loop is not optimised away
    best = std::min(best, ms);
  }
  return best;
}

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
    pin_to(cpu);  // with cpu < 0, the cores the server may use: all of them
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
