// Bus: how committed room events and ephemeral notifications travel from the services that
// produce them to the realtime hubs that deliver them (one hub per node). In one process
// the bus is a direct call; in a cluster it is NATS. The bus never reorders the events of
// one room.
// Thread safety: publish() may be called from any thread; subscribe() before publishing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/types.h"

namespace tonari::bus {

struct Event {
  RoomId room = 0;
  EventNo ev = 0;  // 0: ephemeral (not in the room's event log)
  std::shared_ptr<const std::string> frame;  // the JSON text sent to clients
  std::vector<UserId> joined;    // users who became members with this event
  std::vector<UserId> left;      // users who stopped being members with this event
  std::vector<UserId> to_users;  // non-empty: only these users' connections get it
  // Non-zero: the connection whose own action this reports (a `read` frame), which knows
  // it already and does not get it back (WsClient's tag: random high half per process).
  std::uint64_t origin = 0;
};

class Bus {
 public:
  using Handler = std::function<void(const Event&)>;
  virtual ~Bus() = default;
  // Hands `e` to every subscriber. Events published from one thread arrive in order.
  virtual void publish(const Event& e) = 0;
  virtual void subscribe(Handler h) = 0;
};

// Delivers synchronously on the publishing thread.
class InProcessBus final : public Bus {
 public:
  void publish(const Event& e) override;
  void subscribe(Handler h) override;

 private:
  std::vector<Handler> handlers_;  // fixed before the first publish
};

}  // namespace tonari::bus
