#include "bus/bus.h"

namespace tonari::bus {

void InProcessBus::publish(const Event& e) {
  for (auto& h : handlers_) h(e);
}

void InProcessBus::subscribe(Handler h) { handlers_.push_back(std::move(h)); }

}  // namespace tonari::bus
