#include "services/rate_limiter.h"

namespace tonari::services {

TimeMs RateLimiter::retry_after(const std::string& key, TimeMs now) {
  std::lock_guard lock(mu_);
  auto it = windows_.find(key);
  if (it == windows_.end() || now - it->second.start >= window_) return 0;
  if (it->second.failures < limit_) return 0;
  return it->second.start + window_ - now;
}

TimeMs RateLimiter::acquire(const std::string& key, TimeMs now) {
  std::lock_guard lock(mu_);
  if (windows_.size() > 100000) sweep(now);
  Window& w = windows_[key];
  if (w.failures == 0 || now - w.start >= window_) w = Window{now, 0};
  if (w.failures >= limit_) return w.start + window_ - now;
  ++w.failures;
  return 0;
}

void RateLimiter::record_failure(const std::string& key, TimeMs now) {
  std::lock_guard lock(mu_);
  if (windows_.size() > 100000) sweep(now);
  Window& w = windows_[key];
  if (w.failures == 0 || now - w.start >= window_) w = Window{now, 0};
  ++w.failures;
}

void RateLimiter::release(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = windows_.find(key);
  if (it != windows_.end() && it->second.failures > 0) --it->second.failures;
}

void RateLimiter::reset(const std::string& key) {
  std::lock_guard lock(mu_);
  windows_.erase(key);
}

void RateLimiter::sweep(TimeMs now) {
  std::erase_if(windows_, [&](const auto& kv) { return now - kv.second.start >= window_; });
}

}  // namespace tonari::services
