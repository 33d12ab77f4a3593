#include "services/read_receipts.h"

#include <algorithm>
#include <vector>

namespace tonari::services {

void ReadReceipts::note(RoomId room, TenantId tenant, Seq old_seq, Seq new_seq) {
  if (new_seq <= old_seq) return;
  const TimeMs now = ctx_.clock.now_ms();
  std::lock_guard lock(mu_);
  last_noted_ = now;
  auto [it, inserted] = pending_.try_emplace(room, Pending{old_seq, new_seq, tenant});
  if (!inserted) {
    it->second.lo = std::min(it->second.lo, old_seq);
    it->second.hi = std::max(it->second.hi, new_seq);
  }
}

bool ReadReceipts::active() {
  const TimeMs now = ctx_.clock.now_ms();
  std::lock_guard lock(mu_);
  const TimeMs since = now - last_noted_;  // negative after the clock was set back
  return !pending_.empty() || (since >= 0 && since < ctx_.limits.read_flush_period_ms);
}

std::size_t ReadReceipts::flush_due() {
  const TimeMs now = ctx_.clock.now_ms();
  const TimeMs period = ctx_.limits.read_flush_period_ms;
  std::vector<std::pair<RoomId, Pending>> due;
  {
    std::lock_guard lock(mu_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      auto lf = last_flush_.find(it->first);
      if (lf == last_flush_.end() || now - lf->second >= period) {
        due.emplace_back(*it);
        last_flush_[it->first] = now;
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    if (last_flush_.size() > 4 * (pending_.size() + 1024)) {
      std::erase_if(last_flush_, [&](const auto& kv) { return now - kv.second >= period; });
    }
  }
  for (const auto& [room, p] : due) {
    const Seq lo = std::max(p.lo, p.hi - kMaxCountsPerEvent);
    auto counts = ctx_.store.read_counts(room, lo, p.hi);
    if (!counts.ok()) continue;
    // One frame per sender (still in the room), with their messages' counts in seq order.
    std::vector<std::pair<UserId, std::string>> frames;  // few senders: a linear search
    for (const store::ReadCount& c : *counts) {
      if (!c.sender_is_member) continue;
      auto it = std::find_if(frames.begin(), frames.end(), [&](const auto& f) { return f.first == c.sender; });
      if (it == frames.end()) {
        it = frames.emplace(frames.end(), c.sender,
                            R"({"type":"reads","room":)" + std::to_string(room) + R"(,"counts":[)");
      } else {
        it->second += ',';
      }
      it->second += '[' + std::to_string(c.seq) + ',' + std::to_string(c.count) + ']';
    }
    for (auto& [sender, frame] : frames) {
      frame += "]}";
      ctx_.bus.publish(bus::Event{room, 0, p.tenant,
                                  std::make_shared<const std::string>(std::move(frame)), {}, {},
                                  {sender}});
    }
  }
  return due.size();
}

}  // namespace tonari::services
