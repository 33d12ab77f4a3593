#include "bus/bus.h"

namespace tonari::bus {

void InProcessBus::publish(const Event& e) {
  published_.fetch_add(1, std::memory_order_relaxed);
  for (auto& h : handlers_) h(e);
}

void InProcessBus::subscribe(Handler h) { handlers_.push_back(std::move(h)); }

Stats InProcessBus::stats() const {
  Stats s;
  s.published = published_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace tonari::bus
