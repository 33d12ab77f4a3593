// One authenticated WebSocket client speaking the protocol of docs/api.md: hello/welcome
// with resume from per-room cursors, send (acked after commit), read, ping. It follows its
// rooms through the hub and forwards each room event at most once and in ev order.
//
// Resume without gaps or duplicates: the client is attached to the hub *before* the store
// is read, and live events that arrive during the replay are held back, then forwarded
// only if their ev is past what the replay sent.
// Thread safety: on_text() runs on the connection's executor (its strand, or the io_context
// itself when one thread runs it: one handler at a time either way); deliver() on any thread.
#pragma once

#include <atomic>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "api/api.h"
#include "http/ws_session.h"
#include "realtime/hub.h"

namespace tonari::api {

class WsClient final : public http::WsHandler,
                       public realtime::Subscriber,
                       public std::enable_shared_from_this<WsClient> {
 public:
  static constexpr int kMaxReplayPerRoom = 500;
  static constexpr int kMaxReplayTotal = 2000;
  // The replay reads at most this many events at a time, and the next page only once the
  // send queue has room: memory is the queue's bound plus one page.
  static constexpr int kReplayPage = 32;
  // Live events held back during a replay: at most this many, and at most the send queue's
  // bound in bytes (WsConnection::max_queue_bytes); beyond either, 4008 slow_consumer.
  static constexpr std::size_t kMaxHeld = 20000;
  // Rooms whose `read` waits behind the one in flight (coalesced per room): beyond, a read
  // for yet another room is refused with rate_limited.
  static constexpr std::size_t kMaxPendingReads = 4096;

  // `actor` was authenticated just now (at the upgrade). `holds_slot`: a slot of
  // deps.user_limits->ws_slots() was taken for this connection; it is given back when the
  // client is destroyed. `internet`: it came through an Internet-zone listener (it ends
  // when its user may no longer use that zone).
  WsClient(Deps& deps, services::Actor actor, bool holds_slot = false, bool internet = false)
      : d_(deps), actor_(std::move(actor)), holds_slot_(holds_slot), internet_(internet),
        validated_at_(deps.clock.now_ms()) {}
  ~WsClient() override;

  void on_open(std::shared_ptr<http::WsConnection> conn) override;
  std::optional<boost::asio::awaitable<void>> on_text(std::string_view frame) override;
  void on_close() override;

  UserId user() const override { return actor_.user.id; }
  TenantId tenant() const override { return actor_.user.tenant; }
  void deliver(const bus::Event& e) override;
  // Any thread: closes with 4001 if the session has ended (logged out, account disabled;
  // or, from the Internet zone, the user's Internet use restricted).
  void recheck_session() override;
  void recheck_rooms() override;

  // A tag no other connection of the cluster has: `node_id` (unique: Store::claim_node_id)
  // in the high 24 bits, a count of this process's connections in the low 40. Never 0.
  static std::uint64_t next_origin(std::int64_t node_id);

 private:
  // The rest of a hello runs as a coroutine (it waits for the replay); it owns `msg`.
  boost::asio::awaitable<void> hello(boost::json::object msg);
  // Sends the events of `wanted` (room, cursor, up to ev) in pages; records in `sent` the
  // last ev sent per room. False if the connection ended meanwhile.
  struct Replay {
    RoomId room;
    EventNo cursor;  // last ev sent
    EventNo target;  // the room's ev when the replay began
  };
  boost::asio::awaitable<bool> replay(std::vector<Replay> wanted,
                                      std::unordered_map<RoomId, EventNo>& sent);
  // A hello that did not finish (the session ended, a read failed, the connection went, an
  // exception): stop following, and let go of what was held for it.
  void abandon_hello();
  void send_message(const boost::json::object& msg);
  void read(const boost::json::object& msg);
  // Sends one mark_read; when it completes, the next pending one (reads are coalesced per
  // room while one is in flight, so a flood of read frames costs one write at a time).
  void submit_read(RoomId room, Seq seq);
  void read_done();
  // Closes with 4001 if the session has ended; checked at hello and at most once a minute
  // on sends and reads.
  bool session_ok(bool force);
  void send_error(const Status& st, const std::string& client_id = {});
  void send_text(std::string text);
  // Closes the connection (if it is still there) with `code` and `reason`.
  void close(int code, const char* reason);
  // Forwards a live event if it is the next one for its room. Requires mu_.
  void forward_locked(const bus::Event& e);

  Deps& d_;
  const services::Actor actor_;
  const bool holds_slot_;
  const bool internet_;
  // Weak: the connection owns this handler until it ends, and must not be kept alive by
  // it (at shutdown the pair would keep each other alive).
  std::weak_ptr<http::WsConnection> conn_;
  bool said_hello_ = false;                 // executor only
  std::atomic<std::size_t> inflight_{0};    // sends waiting for their commit

  std::mutex mu_;
  bool replaying_ = false;                        // guarded by mu_
  bool hello_done_ = false;                       // guarded by mu_
  std::vector<bus::Event> held_;                  // guarded by mu_
  std::size_t held_bytes_ = 0;                    // guarded by mu_
  // Last ev sent per room, sorted by room: a flat vector costs a fraction of a hash map for
  // the ~20 rooms of a typical connection (memory per idle connection matters at 100k).
  std::vector<std::pair<RoomId, EventNo>> delivered_;  // guarded by mu_
  EventNo* find_delivered(RoomId room);                  // requires mu_
  void set_delivered(RoomId room, EventNo ev);           // requires mu_
  void forget_delivered(RoomId room);                    // requires mu_
  bool read_inflight_ = false;                    // guarded by mu_
  std::unordered_map<RoomId, Seq> pending_reads_; // guarded by mu_
  TimeMs validated_at_;                           // executor only
  // This connection's tag as the origin of its reads (bus::Event::origin).
  const std::uint64_t origin_ = next_origin(d_.node_id);
};

}  // namespace tonari::api
