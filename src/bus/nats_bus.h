// NatsBus: the bus of a cluster, over NATS (the C client, libnats). Each municipality has
// one subject, <prefix>.t.<tenant id>; a node subscribes to it only while it has at least
// one connection of that municipality (the hub reports them: Bus::tenant_followed), so 700
// municipalities cost a node at most 700 subscriptions, whatever its connection count, and
// a node receives only what its clients may need. Cluster notices (Bus::publish_notice)
// go to <prefix>.n.<topic>, which every node subscribes to. A node's own events are delivered here
// at once, without the round trip (the connection is NoEcho: the server does not send
// them back). Each message is one event (event_codec.h).
//
// The events of one room reach a node from several nodes, in any order, and any of them
// may be lost while a connection is down: every event delivered here goes through a
// Sequencer, which restores the room's order and fills gaps from the store. After a
// reconnect, after a NATS slow-consumer error and every check_interval_ms (longer when a
// check takes long: a check costs at most about a tenth of the delivery thread), the
// sequencer compares the store's heads of the followed rooms with what it delivered.
//
// Threads: one delivery thread (sequencer, store reads for fills, the subscribers'
// handlers), one publishing thread (NATS calls never run on the caller's thread, so that a
// server that stalls cannot stall an I/O thread), and the NATS library's own. The server
// may be unreachable at start-up and at any time later: the client reconnects forever,
// publishes go into its reconnect buffer meanwhile (beyond it they are dropped, and the
// other nodes fill them from the store), and `bus.disconnected` / `bus.reconnected` are
// logged.
// Thread safety: every method may be called from any thread; subscribe() before events
// flow.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bus/bus.h"
#include "bus/sequencer.h"
#include "core/status.h"
#include "store/store.h"

namespace tonari::bus {

struct NatsOptions {
  std::string url;              // nats://host:port, or several separated by commas
  std::int64_t node_id = 0;     // Store::claim_node_id: names this node in logs and messages
  std::string prefix = "tonari";  // subjects: <prefix>.t.<tenant>
  TimeMs check_interval_ms = 2000;
  TimeMs reconnect_wait_ms = 500;
  int reconnect_buffer_bytes = 8 << 20;
  // Events waiting for the delivery thread, and encoded events waiting to be published:
  // beyond these, room events are dropped (the sequencer fills them from the store).
  std::size_t max_queue_bytes = 64 << 20;
  std::size_t max_publish_queue_bytes = 64 << 20;
  // TLS (with tls:// URLs, or whenever tls_ca is set): the CA that signed the servers'
  // certificates, and this node's own certificate and key when the servers verify clients.
  std::string tls_ca = {};
  std::string tls_cert = {};
  std::string tls_key = {};
};

// `url` with any user:password@ left out, for logs.
std::string redacted_url(std::string_view url);

class NatsBus final : public Bus {
 public:
  // Connects to options.url, or begins trying to in the background if no server answers
  // now (a node may start before NATS does; it keeps trying forever, and delivers its own
  // events meanwhile). invalid_argument for a URL the client refuses; unavailable if the
  // client cannot be set up. `store` outlives the bus.
  static Result<std::unique_ptr<NatsBus>> open(store::Store& store, NatsOptions options);
  ~NatsBus() override;
  NatsBus(const NatsBus&) = delete;
  NatsBus& operator=(const NatsBus&) = delete;

  void publish(const Event& e) override;
  void subscribe(Handler h) override;
  void tenant_followed(TenantId tenant) override;
  void tenant_unfollowed(TenantId tenant) override;
  void room_followed(RoomId room, EventNo known) override;
  void room_unfollowed(RoomId room) override;
  void publish_notice(const std::string& topic, std::string bytes) override;
  void on_notice(const std::string& topic, NoticeHandler handler) override;
  Stats stats() const override;
  void shutdown() override;
  void on_lost(std::function<void()> handler) override { lost_ = std::move(handler); }

  // The subject of a municipality's events.
  std::string subject(TenantId tenant) const;
  // Whether the delivery thread has nothing queued and no check pending (for tests).
  bool idle();

 private:
  NatsBus(store::Store& store, NatsOptions options);
  Status connect();

  struct Item {
    enum class Kind : std::uint8_t { event, tenant_on, tenant_off, room_on, room_off };
    Kind kind = Kind::event;
    std::int64_t id = 0;  // the tenant or the room
    EventNo known = 0;    // room_on
    Event event;          // event
  };
  // Queues `item` for the delivery thread; a room event is dropped (and a check asked
  // for) when the queue is over its bound.
  void enqueue(Item item);
  void request_check();
  void run_delivery();
  void run_publishing();
  void deliver(const Event& e);
  void follow_tenant(TenantId tenant);    // delivery thread
  void unfollow_tenant(TenantId tenant);  // delivery thread
  // Waits (briefly) until the server has seen what was sent: subscriptions included.
  void flush();
  // Queues `bytes` for the publishing thread; false if its queue is full.
  bool queue_publish(std::string subject, std::string bytes);
  // Subscribes to `subject` with `closure` handed to `handler`; null if it failed (logged).
  natsSubscription* subscribe_to(const std::string& subject, natsMsgHandler handler,
                                 void* closure);

  // Callbacks of the NATS library, on its threads; `closure` is the bus.
  static void on_message(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* closure);
  static void on_notice_message(natsConnection* nc, natsSubscription* sub, natsMsg* msg,
                                void* closure);
  static void on_subscription_closed(void* closure);
  static void on_connected(natsConnection* nc, void* closure);
  static void on_disconnected(natsConnection* nc, void* closure);
  static void on_reconnected(natsConnection* nc, void* closure);
  static void on_closed(natsConnection* nc, void* closure);
  static void on_error(natsConnection* nc, natsSubscription* sub, natsStatus err, void* closure);

  // Constant after construction.
  store::Store& store_;
  const NatsOptions options_;
  const std::string log_url_;  // options_.url without credentials
  natsOptions* nats_options_ = nullptr;
  natsConnection* conn_ = nullptr;
  std::vector<Handler> handlers_;  // fixed before events flow
  std::function<void()> lost_;     // fixed before events flow

  // The delivery thread's queue. mu_ is a leaf: nothing else is locked under it.
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Item> queue_;           // guarded by mu_
  std::size_t queue_bytes_ = 0;      // guarded by mu_
  bool check_requested_ = false;     // guarded by mu_
  bool flush_before_check_ = false;  // guarded by mu_
  bool busy_ = false;                // the delivery thread works on a batch; guarded by mu_
  bool stopping_ = false;            // guarded by mu_

  // The publishing thread's queue: (subject, bytes).
  std::mutex publish_mu_;
  std::condition_variable publish_wake_;
  std::deque<std::pair<std::string, std::string>> publish_queue_;  // guarded by publish_mu_
  std::size_t publish_bytes_ = 0;                                // guarded by publish_mu_
  bool publish_stopping_ = false;                                // guarded by publish_mu_

  // The delivery thread's alone.
  Sequencer sequencer_;
  std::unordered_map<TenantId, natsSubscription*> subscriptions_;

  // Notice subscriptions, made at start-up (on_notice) and kept to the end.
  struct NoticeSubscription {
    NatsBus* bus;
    NoticeHandler handler;
    natsSubscription* sub = nullptr;
  };
  std::mutex notices_mu_;
  std::deque<NoticeSubscription> notices_;  // guarded by notices_mu_; stable addresses

  // Subscriptions not yet closed, and whether the connection is closed: shutdown() waits for
  // both, so that no library callback runs on a destroyed bus.
  std::mutex closing_mu_;
  std::condition_variable closing_wake_;
  int open_subscriptions_ = 0;  // guarded by closing_mu_
  bool closed_ = false;         // guarded by closing_mu_

  std::atomic<bool> shut_down_{false};
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> published_{0}, publish_failures_{0}, received_{0}, reconnects_{0},
      overflow_drops_{0}, undecodable_{0};

  std::thread delivery_thread_;
  std::thread publishing_thread_;
};

}  // namespace tonari::bus
