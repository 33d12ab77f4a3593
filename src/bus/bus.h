// Bus: how committed room events and ephemeral notifications travel from the services that
// produce them to the realtime hubs that deliver them (one hub per node). In one process
// the bus is a direct call (InProcessBus); in a cluster it is NATS (nats_bus.h), with the
// per-room order restored on the receiving node (sequencer.h).
// Thread safety: publish() and the interest reports may be called from any thread;
// subscribe() before publishing.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace tonari::bus {

struct Event {
  RoomId room = 0;
  EventNo ev = 0;  // 0: ephemeral (not in the room's event log)
  // The municipality the event belongs to (its room's, or the addressed users'): in a
  // cluster, only the nodes with connections of that municipality receive it.
  TenantId tenant = 0;
  std::shared_ptr<const std::string> frame;  // the JSON text sent to clients
  std::vector<UserId> joined;    // users who became members with this event
  std::vector<UserId> left;      // users who stopped being members with this event
  std::vector<UserId> to_users;  // non-empty: only these users' connections get it
  // Non-zero: the connection whose own action this reports (a `read` frame), which knows
  // it already and does not get it back (WsClient's tag: node id << 40 | a counter, unique
  // across the cluster).
  std::uint64_t origin = 0;
};

// What a bus has done since it started (/metrics).
struct Stats {
  std::uint64_t published = 0;          // events published by this node
  std::uint64_t publish_failures = 0;   // not handed to the cluster (the others fill them)
  std::uint64_t received = 0;           // events received from other nodes
  std::uint64_t dropped_duplicates = 0; // room events already delivered
  std::uint64_t gap_fills = 0;          // gaps (and lost tails) filled from the store
  std::uint64_t events_filled = 0;      // events read from the store and delivered
  std::uint64_t fill_failures = 0;      // store reads that failed (retried by the next check)
  std::uint64_t reconnects = 0;         // connections to the cluster restored
  std::uint64_t overflow_drops = 0;     // received events dropped on a full queue (filled later)
  bool connected = true;                // to the cluster (always, in one process)
};

class Bus {
 public:
  using Handler = std::function<void(const Event&)>;
  virtual ~Bus() = default;
  // Hands `e` to every subscriber (on this node, and on the others that follow e.tenant).
  // Events published from one thread arrive in order. Never blocks for long.
  virtual void publish(const Event& e) = 0;
  virtual void subscribe(Handler h) = 0;

  // What this node's connections follow, as the hub reports it, with the hub's lock held:
  // these must be quick and must not call the hub. In a cluster, a node receives a
  // municipality's events only while it has a connection of that municipality, and keeps
  // a room's order (the last event delivered) only while the room has followers here.
  // room_followed: the room got its first follower on this node; `known` is an event
  // number that every follower it has now already has, or read from the store before it
  // followed: the room's events after `known` are delivered from then on.
  virtual void tenant_followed(TenantId tenant) {}
  virtual void tenant_unfollowed(TenantId tenant) {}
  virtual void room_followed(RoomId room, EventNo known) {}
  virtual void room_unfollowed(RoomId room) {}

  // Cluster notices: small messages that every *other* node gets, apart from room events
  // (the login throttle's failures, so that an attacker spreading guesses over the nodes
  // gets no more of them). `topic` is a short word. Handlers run on a bus thread and must
  // be quick; register them before events flow. Once on_notice returns, notices sent by
  // other nodes reach the handler (while the bus is connected). In one process there are
  // no other nodes: both do nothing.
  using NoticeHandler = std::function<void(std::string_view bytes)>;
  virtual void publish_notice(const std::string& topic, std::string bytes) {}
  virtual void on_notice(const std::string& topic, NoticeHandler handler) {}

  virtual Stats stats() const { return {}; }
  // `handler` runs (on a thread of the bus) when events may have been lost that the store
  // does not give back to a sequencer: after a reconnect or a slow-consumer error, the
  // membership changes of rooms this node did not follow, the logouts and other ephemeral
  // events. In-process nothing is lost. Set before events flow.
  virtual void on_lost(std::function<void()> handler) {}
  // Stops delivering: no handler runs once it returns, and later publishes go nowhere.
  // Call before the subscribers go away. Idempotent.
  virtual void shutdown() {}
};

// Delivers synchronously on the publishing thread.
class InProcessBus final : public Bus {
 public:
  void publish(const Event& e) override;
  void subscribe(Handler h) override;
  Stats stats() const override;

 private:
  std::vector<Handler> handlers_;  // fixed before the first publish
  std::atomic<std::uint64_t> published_{0};
};

}  // namespace tonari::bus
