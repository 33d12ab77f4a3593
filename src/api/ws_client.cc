#include "api/ws_client.h"

#include <algorithm>
#include <boost/json.hpp>

#include "api/fields.h"
#include "api/messages_json.h"
#include "core/wire.h"

namespace tonari::api {

namespace json = boost::json;

WsClient::~WsClient() {
  if (holds_slot_ && d_.user_limits) d_.user_limits->ws_slots().release(actor_.user.id);
}

void WsClient::on_open(std::shared_ptr<http::WsConnection> conn) { conn_ = std::move(conn); }

void WsClient::on_close() {
  if (said_hello_) d_.hub.detach(this);
}

void WsClient::close(int code, const char* reason) {
  if (auto conn = conn_.lock()) conn->close(code, reason);
}

void WsClient::send_text(std::string text) {
  if (auto conn = conn_.lock()) conn->send(std::make_shared<const std::string>(std::move(text)));
}

void WsClient::send_error(const Status& st, const std::string& client_id) {
  json::object o{{"type", "error"},
                 {"error", json::object{{"code", code_name(st.code())},
                                        {"message", st.code() == Code::internal ? "internal error"
                                                                                 : st.message()}}}};
  if (st.retry_after_ms() > 0) o["error"].as_object()["retry_after_ms"] = st.retry_after_ms();
  if (!client_id.empty()) o["client_id"] = client_id;
  send_text(json::serialize(o));
}

std::optional<boost::asio::awaitable<void>> WsClient::on_text(std::string_view frame) {
  d_.metrics.ws_frames_in.fetch_add(1, std::memory_order_relaxed);
  // The parsed frame lives for this call only: its memory comes from the stack (and from
  // the heap only past 4 KiB).
  unsigned char scratch[4096];
  boost::json::monotonic_resource memory(scratch, sizeof scratch);
  auto msg = parse_object(frame, &memory);
  if (!msg.ok()) {
    send_error(msg.status());
    return std::nullopt;
  }
  auto type_it = msg->find("type");
  if (type_it == msg->end() || !type_it->value().is_string()) {
    send_error(invalid_argument("type: is required"));
    return std::nullopt;
  }
  std::string_view type = type_it->value().as_string();
  if (type == "hello") {
    return hello(json::object(*msg, json::storage_ptr()));  // outlives this call: to the heap
  } else if (!said_hello_) {
    send_error(invalid_argument("the first frame must be hello"));
  } else if (type == "send") {
    send_message(*msg);
  } else if (type == "read") {
    read(*msg);
  } else if (type == "ping") {
    send_text(R"({"type":"pong"})");
  } else {
    send_error(invalid_argument("unknown frame type: " + std::string(type)));
  }
  return std::nullopt;
}

boost::asio::awaitable<void> WsClient::hello(json::object msg) {
  if (said_hello_) {
    send_error(invalid_argument("hello was already sent"));
    co_return;
  }
  std::unordered_map<RoomId, EventNo> cursors;
  if (auto it = msg.find("cursors"); it != msg.end() && !it->value().is_null()) {
    if (!it->value().is_object()) {
      send_error(invalid_argument("cursors: must be an object"));
      co_return;
    }
    for (const auto& kv : it->value().as_object()) {
      RoomId room = parse_id(kv.key());
      if (!room || !kv.value().is_int64() || kv.value().as_int64() < 0) {
        send_error(invalid_argument("cursors: {\"<room id>\": <ev>, ...}"));
        co_return;
      }
      cursors[room] = kv.value().as_int64();
    }
  }
  if (auto it = msg.find("batch"); it != msg.end() && it->value().is_bool() && it->value().as_bool()) {
    if (auto conn = conn_.lock()) conn->enable_batching();
  }
  said_hello_ = true;
  {
    std::lock_guard lock(mu_);
    replaying_ = true;
  }
  // Every way out before the end (a co_return below, an exception, the coroutine destroyed
  // unfinished) abandons the hello: held events would otherwise wait for a replay that
  // never ends.
  // (It keeps the client alive: the frame may be destroyed unfinished at shutdown.)
  struct Abandon {
    std::shared_ptr<WsClient> self;
    ~Abandon() {
      if (self) self->abandon_hello();
    }
  } abandon{shared_from_this()};
  // Attach first (membership changes reach us from now on), then read the rooms, follow
  // them, and read again: every event is either in what we read or arrives live after.
  d_.hub.attach(shared_from_this(), {});
  // The session is checked after attaching: an account disabled before this read is seen
  // here, one disabled after it by the revocation that rechecks the attached connections
  // of its user (serve.cc). Checked before, a disabling in between went unseen.
  if (!session_ok(true)) co_return;
  // Each room comes with its event number as read before following it: in a cluster, a
  // room new to this node has its events after that one delivered (Bus::room_followed).
  auto first = d_.rooms.cursors(actor_);
  if (first.ok()) d_.hub.follow(this, *first);
  auto now = d_.rooms.cursors(actor_);
  if (!first.ok() || !now.ok()) {
    send_error(internal_error("could not load rooms"));
    close(1011, "internal error");
    co_return;
  }
  {
    // Rooms joined between the two reads: their member.joined may not have reached this
    // node's hub in time to subscribe us (in a cluster, the municipality's subscription
    // may be new), so follow them here, from the event read.
    std::vector<std::pair<RoomId, EventNo>> added;
    for (const auto& [room, ev] : *now) {
      bool before = false;
      for (const auto& [r1, ev1] : *first) before |= r1 == room;
      if (!before) added.emplace_back(room, ev);
    }
    if (!added.empty()) d_.hub.follow(this, added);
  }
  {
    // Rooms left between the two reads: their member.left may have passed the hub before
    // we followed them, so stop following them here.
    std::vector<RoomId> gone;
    for (const auto& [room, ev] : *first) {
      bool still = false;
      for (const auto& [r2, ev2] : *now) still |= r2 == room;
      if (!still) gone.push_back(room);
    }
    if (!gone.empty()) d_.hub.unfollow(this, gone);
  }

  json::array rooms;
  for (const auto& [room, ev] : *now) rooms.push_back(json::object{{"id", room}, {"ev", ev}});
  json::object welcome{{"type", "welcome"},
                       {"user", wire::user(actor_.user)},
                       {"rooms", std::move(rooms)},
                       {"server_time", d_.clock.now_ms()}};
  if (d_.safety) {
    // The open 安否確認 I am a target of, as state (read after attaching: a check started
    // since then comes as well as a safety.started, which the client merges by id).
    json::array safety;
    if (auto open = d_.safety->open_for(actor_.user); open.ok()) {
      for (const auto& [check, target] : *open) safety.push_back(services::safety_mine_json(check, target));
    }
    welcome["safety"] = std::move(safety);
  }
  send_text(json::serialize(welcome));

  // Which rooms to replay: those behind, while the total stays within the budget; the
  // others (too far behind) get a resync.
  std::unordered_map<RoomId, EventNo> sent;
  std::vector<Replay> wanted;
  int budget = kMaxReplayTotal;
  for (const auto& [room, ev] : *now) {
    sent[room] = ev;
    auto c = cursors.find(room);
    if (c == cursors.end() || c->second >= ev) continue;
    if (ev - c->second <= std::min(kMaxReplayPerRoom, budget)) {
      wanted.push_back(Replay{room, c->second, ev});
      budget -= static_cast<int>(ev - c->second);
    } else {
      send_text(R"({"type":"resync","room":)" + std::to_string(room) + R"(,"ev":)" +
                std::to_string(ev) + "}");
    }
  }
  if (!co_await replay(std::move(wanted), sent)) co_return;  // the connection is gone
  for (const auto& [room, ev] : cursors) {
    if (!sent.count(room)) send_text(R"({"type":"room.removed","room":)" + std::to_string(room) + "}");
  }

  abandon.self = nullptr;
  std::lock_guard lock(mu_);
  hello_done_ = true;
  delivered_.reserve(delivered_.size() + sent.size());
  for (const auto& [room, ev] : sent) set_delivered(room, ev);
  for (const bus::Event& e : held_) forward_locked(e);
  held_.clear();
  held_.shrink_to_fit();
  held_bytes_ = 0;
  replaying_ = false;
  send_text(R"({"type":"synced"})");
}

boost::asio::awaitable<bool> WsClient::replay(std::vector<Replay> wanted,
                                              std::unordered_map<RoomId, EventNo>& sent) {
  const auto resync = [&](const Replay& r) {
    send_text(R"({"type":"resync","room":)" + std::to_string(r.room) + R"(,"ev":)" +
              std::to_string(r.target) + "}");
  };
  while (!wanted.empty()) {  // the rooms still behind, in order
    auto conn = conn_.lock();
    if (!conn || !co_await conn->wait_for_room()) co_return false;
    // One page: the first rooms while each may get as many events as the neediest of them
    // needs, and all of them together at most kReplayPage (a reconnect that missed a few
    // events in each of its rooms reads them all at once, in one snapshot).
    const auto needs = [](const Replay& r) {
      return static_cast<int>(std::min<EventNo>(r.target - r.cursor, kReplayPage));
    };
    int limit = needs(wanted[0]);
    std::size_t end = 1;
    while (end < wanted.size() &&
           static_cast<int>(end + 1) * std::max(limit, needs(wanted[end])) <= kReplayPage) {
      limit = std::max(limit, needs(wanted[end]));
      ++end;
    }
    std::vector<std::pair<RoomId, EventNo>> page;
    for (std::size_t i = 0; i < end; ++i) page.emplace_back(wanted[i].room, wanted[i].cursor);
    auto missed = d_.rooms.missed_events(actor_, page, limit);
    for (std::size_t i = 0; i < end; ++i) {
      Replay& r = wanted[i];
      const std::vector<RoomEvent>* events = nullptr;
      if (missed.ok()) {
        for (const auto& [room, evs] : *missed) {
          if (room == r.room) events = &evs;
        }
      }
      // Each page must continue the room's events without a gap, or it is a resync.
      if (!events || events->empty() || events->front().ev != r.cursor + 1) {
        resync(r);
        r.cursor = r.target;
        continue;
      }
      for (const RoomEvent& e : *events) {
        if (!co_await conn->wait_for_room()) co_return false;
        conn->send(e.frame);
        r.cursor = e.ev;
      }
      sent[r.room] = std::max(sent[r.room], r.cursor);
    }
    std::erase_if(wanted, [](const Replay& r) { return r.cursor >= r.target; });
  }
  co_return true;
}

void WsClient::abandon_hello() {
  d_.hub.detach(this);
  std::lock_guard lock(mu_);
  replaying_ = false;
  held_.clear();
  held_.shrink_to_fit();
  held_bytes_ = 0;
}

std::uint64_t WsClient::next_origin(std::int64_t node_id) {
  // 2^40 connections (a million a second for twelve days) before the count would reach
  // the node's bits; a node id needs more than 24 bits only after 16 million starts.
  constexpr std::uint64_t kCountMask = (std::uint64_t{1} << 40) - 1;
  static std::atomic<std::uint64_t> count{0};
  const std::uint64_t n = (count.fetch_add(1, std::memory_order_relaxed) + 1) & kCountMask;
  return (static_cast<std::uint64_t>(node_id) << 40) | (n == 0 ? 1 : n);
}

void WsClient::deliver(const bus::Event& e) {
  // The read.self of this connection's own `read`: its client knows (all-staff: one frame
  // fewer per member and message).
  if (e.origin != 0 && e.origin == origin_) return;
  if (e.room == 0 && e.frame->starts_with(R"({"type":"session.ended")")) {
    // Internal notices: {"type":"session.ended","session":"<hash>"} ends this session's sockets.
    if (e.frame->find(actor_.token_hash) == std::string::npos) return;
    close(4001, "session_ended");
    return;
  }
  // Other events of no room are addressed to users (安否確認's safety.* frames): they go
  // out as they are, in the order of the rooms' events around them.
  std::lock_guard lock(mu_);
  if (replaying_) {
    // Held for the replay's end, against the same bound as the send queue: a client that
    // stops reading its replay does not make the events of its rooms pile up here.
    auto conn = conn_.lock();
    if (!conn) return;
    if (held_.size() >= kMaxHeld || held_bytes_ + e.frame->size() > conn->max_queue_bytes()) {
      held_.clear();
      held_.shrink_to_fit();
      held_bytes_ = 0;
      conn->close(4008, "slow_consumer");
      return;
    }
    held_bytes_ += e.frame->size();
    held_.push_back(e);
    return;
  }
  forward_locked(e);
}

void WsClient::forward_locked(const bus::Event& e) {
  if (e.ev > 0) {
    EventNo* last = find_delivered(e.room);
    if (!last) {
      if (std::find(e.joined.begin(), e.joined.end(), actor_.user.id) == e.joined.end()) {
        return;  // a room this client does not (or no longer) follow
      }
      set_delivered(e.room, e.ev);
    } else {
      if (e.ev <= *last) return;  // already replayed
      if (e.ev != *last + 1) {
        // A hole (possible only across nodes): the client reloads the room instead.
        *last = e.ev;
        send_text(R"({"type":"resync","room":)" + std::to_string(e.room) + R"(,"ev":)" +
                  std::to_string(e.ev) + "}");
        return;
      }
      *last = e.ev;
    }
  }
  if (auto conn = conn_.lock()) conn->send(e.frame);
  // This user left the room: forget it, so that a later re-join starts afresh.
  if (e.ev == 0 && e.frame->rfind(R"({"type":"room.removed")", 0) == 0) forget_delivered(e.room);
}

EventNo* WsClient::find_delivered(RoomId room) {
  auto it = std::lower_bound(delivered_.begin(), delivered_.end(), room,
                             [](const auto& p, RoomId r) { return p.first < r; });
  return it != delivered_.end() && it->first == room ? &it->second : nullptr;
}

void WsClient::set_delivered(RoomId room, EventNo ev) {
  auto it = std::lower_bound(delivered_.begin(), delivered_.end(), room,
                             [](const auto& p, RoomId r) { return p.first < r; });
  if (it != delivered_.end() && it->first == room) {
    it->second = ev;
  } else {
    delivered_.insert(it, {room, ev});
  }
}

void WsClient::forget_delivered(RoomId room) {
  std::erase_if(delivered_, [room](const auto& p) { return p.first == room; });
}

void WsClient::send_message(const json::object& msg) {
  Fields f(msg);
  RoomId room = f.int64("room");
  std::string client_id = f.str("client_id", false);
  if (!f.status().is_ok()) return send_error(f.status(), client_id);
  auto req = post_request(msg, room);
  if (!req.ok()) return send_error(req.status(), client_id);
  if (!session_ok(false)) return;
  if (inflight_.load() >= d_.config.max_inflight_sends) {
    return send_error(Status(Code::rate_limited, "too many unacknowledged sends"), client_id);
  }
  inflight_.fetch_add(1);
  auto self = shared_from_this();
  d_.messages.post(actor_, std::move(*req),
                   [self, client_id, room](Result<store::RoomChange> r) {
    self->inflight_.fetch_sub(1);
    if (!r.ok()) return self->send_error(r.status(), client_id);
    if (r->created) self->d_.metrics.messages_posted.fetch_add(1, std::memory_order_relaxed);
    std::string ack = R"({"type":"ack","client_id":)";
    wire::append_json_string(ack, client_id);
    ack += R"(,"room":)" + std::to_string(room) + R"(,"seq":)" +
           std::to_string(r->message->seq) + R"(,"id":)" + std::to_string(r->message->id) + "}";
    self->send_text(std::move(ack));
  });
}

void WsClient::read(const json::object& msg) {
  Fields f(msg);
  RoomId room = f.int64("room");
  Seq seq = f.int64("seq");
  if (!f.status().is_ok()) return send_error(f.status());
  if (!session_ok(false)) return;
  bool refused = false;
  {
    std::lock_guard lock(mu_);
    if (read_inflight_) {
      // Coalesced per room; a client naming more rooms meanwhile than anyone is in (rooms it
      // is not in, say) is refused rather than held.
      if (pending_reads_.size() < kMaxPendingReads || pending_reads_.count(room)) {
        Seq& pending = pending_reads_[room];
        pending = std::max(pending, seq);
        return;
      }
      refused = true;
    } else {
      read_inflight_ = true;
    }
  }
  if (refused) return send_error(Status(Code::rate_limited, "too many rooms with reads waiting"));
  submit_read(room, seq);
}

void WsClient::submit_read(RoomId room, Seq seq) {
  auto self = shared_from_this();
  d_.messages.mark_read(actor_, room, seq, [self](Result<store::ReadChange> r) {
    if (!r.ok()) self->send_error(r.status());
    self->read_done();
  }, origin_);
}

void WsClient::read_done() {
  RoomId room;
  Seq seq;
  {
    std::lock_guard lock(mu_);
    if (pending_reads_.empty()) {
      read_inflight_ = false;
      return;
    }
    auto it = pending_reads_.begin();
    room = it->first;
    seq = it->second;
    pending_reads_.erase(it);
  }
  submit_read(room, seq);
}

void WsClient::recheck_session() {
  const Code code = d_.accounts.still_valid(actor_, internet_).code();
  if (code == Code::unauthenticated) close(4001, "session_ended");
  if (code == Code::zone_forbidden) close(4001, "zone_forbidden");
}

void WsClient::recheck_rooms() {
  {
    std::lock_guard lock(mu_);
    if (!hello_done_) return;  // a hello under way reads the rooms itself
  }
  auto now = d_.rooms.cursors(actor_);
  if (!now.ok()) return;  // checked again at the next loss
  bool same = true;
  {
    std::lock_guard lock(mu_);
    same = now->size() == delivered_.size();
    for (const auto& [room, ev] : *now) {
      if (!same) break;
      same = std::any_of(delivered_.begin(), delivered_.end(),
                         [&](const auto& d) { return d.first == room; });
    }
  }
  // A room joined or left without this connection hearing of it: the client starts over
  // from its cursors (a resume), which gets the rooms right.
  if (!same) close(4009, "resync");
}

bool WsClient::session_ok(bool force) {
  const TimeMs now = d_.clock.now_ms();
  if (!force && now - validated_at_ < 60000) return true;
  // A store that cannot tell (an error other than unauthenticated) ends nothing: checked
  // again on the next frame.
  if (const Status st = d_.accounts.still_valid(actor_, internet_); !st.is_ok()) {
    if (st.code() == Code::zone_forbidden) {
      close(4001, "zone_forbidden");
      return false;
    }
    if (st.code() != Code::unauthenticated) return true;
    close(4001, "session_ended");
    return false;
  }
  validated_at_ = now;
  return true;
}

}  // namespace tonari::api
