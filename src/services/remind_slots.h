// Reminders limited to one per key (a question, a message and department, a safety
// confirmation and department) per period, in memory: per node, forgotten on restart.
//
// The slot is taken when the reminder is asked for, before any store work, so two reminders
// at the same moment make one; a reminder that then fails gives its slot back.
// Thread safety: all methods may be called from any thread.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "core/status.h"
#include "core/types.h"

namespace tonari::services {

template <class Key>
class RemindSlots {
 public:
  // `what` names the thing reminded in the refusal ("a message").
  RemindSlots(TimeMs period_ms, std::string what) : period_ms_(period_ms), what_(std::move(what)) {}

  // Takes the slot of `key` at `now`: ok, or rate_limited with the wait (retry_after_ms).
  Status take(const Key& key, TimeMs now) {
    std::lock_guard lock(mu_);
    auto it = taken_.find(key);
    if (it != taken_.end() && now >= it->second && now - it->second < period_ms_) {
      const TimeMs wait = it->second + period_ms_ - now;
      return rate_limited(what_ + " may be reminded once every " + std::to_string(period_ms_ / 60000) +
                              " minutes; try again in " + std::to_string((wait + 59999) / 60000) + " min",
                          wait);
    }
    // Bounded: the expired ones go once there are many.
    if (taken_.size() >= kSweepAt) {
      std::erase_if(taken_, [&](const auto& kv) { return now - kv.second >= period_ms_; });
    }
    taken_[key] = now;
    return Status::ok();
  }

  // Gives back the slot `take(key, now)` took (if no later take replaced it).
  void give_back(const Key& key, TimeMs now) {
    std::lock_guard lock(mu_);
    if (auto it = taken_.find(key); it != taken_.end() && it->second == now) taken_.erase(it);
  }

 private:
  static constexpr std::size_t kSweepAt = 4096;
  const TimeMs period_ms_;
  const std::string what_;
  std::mutex mu_;
  std::map<Key, TimeMs> taken_;  // guarded by mu_
};

}  // namespace tonari::services
