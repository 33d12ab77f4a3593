// Latency samples and percentiles for the load generator.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
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

}  // namespace bench
