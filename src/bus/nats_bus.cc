#include "bus/nats_bus.h"

#include <algorithm>
#include <chrono>

#include "bus/event_codec.h"
#include "core/thread_name.h"
#include "log/log.h"

namespace tonari::bus {
namespace {

using Clock = std::chrono::steady_clock;

// What a queued item costs beyond its frame (the Event and the deque's slot, roughly).
constexpr std::size_t kItemOverhead = 160;

std::size_t item_bytes(const Event& e) {
  return kItemOverhead + (e.frame ? e.frame->size() : 0) +
         sizeof(UserId) * (e.joined.size() + e.left.size() + e.to_users.size());
}

Status nats_error(const char* what, natsStatus s) {
  return Status(s == NATS_INVALID_ARG || s == NATS_ILLEGAL_STATE ? Code::invalid_argument
                                                                 : Code::unavailable,
                std::string(what) + ": " + natsStatus_GetText(s));
}

}  // namespace

std::string redacted_url(std::string_view urls) {
  std::string out;
  while (true) {
    const std::string_view one = urls.substr(0, urls.find(','));
    const auto scheme = one.find("://");
    const auto at = one.rfind('@');
    if (scheme != std::string_view::npos && at != std::string_view::npos && at > scheme) {
      out.append(one.substr(0, scheme + 3)).append("***@").append(one.substr(at + 1));
    } else {
      out.append(one);
    }
    if (one.size() == urls.size()) break;
    urls.remove_prefix(one.size() + 1);
    out += ',';
  }
  return out;
}

NatsBus::NatsBus(store::Store& store, NatsOptions options)
    : store_(store),
      options_(std::move(options)),
      log_url_(redacted_url(options_.url)),
      sequencer_(store, [this](const Event& e) { deliver(e); }) {}

Result<std::unique_ptr<NatsBus>> NatsBus::open(store::Store& store, NatsOptions options) {
  // nats://host:port or tls://host:port, one or several separated by commas.
  std::string_view urls = options.url;
  do {
    const std::string_view one = urls.substr(0, urls.find(','));
    urls.remove_prefix(std::min(urls.size(), one.size() + 1));
    const std::string_view trimmed = one.substr(std::min(one.size(), one.find_first_not_of(' ')));
    if (!trimmed.starts_with("nats://") && !trimmed.starts_with("tls://")) {
      return invalid_argument("bus " + redacted_url(options.url) +
                              ": expected nats://host:port (or tls://), several separated by commas");
    }
  } while (!urls.empty());
  std::unique_ptr<NatsBus> bus(new NatsBus(store, std::move(options)));
  if (Status st = bus->connect(); !st.is_ok()) return st;
  bus->delivery_thread_ = std::thread([b = bus.get()] { b->run_delivery(); });
  bus->publishing_thread_ = std::thread([b = bus.get()] { b->run_publishing(); });
  return bus;
}

Status NatsBus::connect() {
  natsStatus s = natsOptions_Create(&nats_options_);
  if (s != NATS_OK) return nats_error("bus: options", s);
  const std::string name = "tonari-node-" + std::to_string(options_.node_id);
  natsOptions* o = nats_options_;
  // Every call below only records a setting; the URL is checked here (a malformed one is
  // refused at start-up rather than retried forever).
  if ((s = natsOptions_SetURL(o, options_.url.c_str())) != NATS_OK) {
    return nats_error(("bus " + log_url_).c_str(), s);
  }
  natsOptions_SetName(o, name.c_str());
  if (!options_.tls_ca.empty() || options_.url.find("tls://") != std::string::npos) {
    if ((s = natsOptions_SetSecure(o, true)) != NATS_OK) return nats_error("bus: TLS", s);
    if (!options_.tls_ca.empty() &&
        (s = natsOptions_LoadCATrustedCertificates(o, options_.tls_ca.c_str())) != NATS_OK) {
      return nats_error(("bus: the CA file " + options_.tls_ca).c_str(), s);
    }
    if (!options_.tls_cert.empty() &&
        (s = natsOptions_LoadCertificatesChain(o, options_.tls_cert.c_str(),
                                               options_.tls_key.c_str())) != NATS_OK) {
      return nats_error(("bus: the certificate " + options_.tls_cert).c_str(), s);
    }
  }
  // This node delivers its own events itself, at once.
  natsOptions_SetNoEcho(o, true);
  // One library thread delivers the messages of every subscription (not one per
  // municipality); on_message only decodes and queues.
  natsOptions_UseGlobalMessageDelivery(o, true);
  natsOptions_SetTimeout(o, 2000);
  natsOptions_SetAllowReconnect(o, true);
  natsOptions_SetMaxReconnect(o, -1);
  natsOptions_SetReconnectWait(o, options_.reconnect_wait_ms);
  natsOptions_SetReconnectJitter(o, 100, 1000);
  natsOptions_SetReconnectBufSize(o, options_.reconnect_buffer_bytes);
  // A server that stops reading must not hold the publishing thread (or the library's
  // flusher) forever: the write fails, and the connection is remade.
  natsOptions_SetWriteDeadline(o, 5000);
  // A server gone without a word (a cable, not a crash) is noticed in about 15 s, not 4 min.
  natsOptions_SetPingInterval(o, 5000);
  natsOptions_SetMaxPingsOut(o, 2);
  natsOptions_SetDisconnectedCB(o, &NatsBus::on_disconnected, this);
  natsOptions_SetReconnectedCB(o, &NatsBus::on_reconnected, this);
  natsOptions_SetClosedCB(o, &NatsBus::on_closed, this);
  natsOptions_SetErrorHandler(o, &NatsBus::on_error, this);
  natsOptions_SetRetryOnFailedConnect(o, true, &NatsBus::on_connected, this);

  s = natsConnection_Connect(&conn_, o);
  if (s == NATS_OK) {
    connected_ = true;
    log::info("bus.connected", {{"node", options_.node_id}, {"url", log_url_}});
  } else if (s == NATS_NOT_YET_CONNECTED) {
    log::warn("bus.connecting", {{"node", options_.node_id}, {"url", log_url_},
                                 {"error", "no NATS server answers yet; retrying in the background"}});
  } else {
    conn_ = nullptr;
    return nats_error(("bus " + log_url_).c_str(), s);
  }
  return Status::ok();
}

NatsBus::~NatsBus() {
  shutdown();
  if (nats_options_) natsOptions_Destroy(nats_options_);
}

void NatsBus::shutdown() {
  if (shut_down_.exchange(true)) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  {
    std::lock_guard lock(publish_mu_);
    publish_stopping_ = true;
  }
  publish_wake_.notify_all();
  if (delivery_thread_.joinable()) delivery_thread_.join();
  if (publishing_thread_.joinable()) publishing_thread_.join();
  if (!conn_) return;
  // What was published last (an admin command's events) reaches the server first.
  flush();
  // Closing the connection closes its subscriptions; the library then calls back once per
  // subscription (after its last message) and once for the connection. Waiting for those
  // makes sure none of its threads calls into this bus after it is gone.
  natsConnection_Close(conn_);
  {
    std::unique_lock lock(closing_mu_);
    const bool done = closing_wake_.wait_for(lock, std::chrono::seconds(5), [&] {
      return closed_ && open_subscriptions_ == 0;
    });
    if (!done) {
      log::error("bus.close_timeout", {{"node", options_.node_id},
                                       {"open_subscriptions", open_subscriptions_}});
    }
  }
  for (auto& [tenant, sub] : subscriptions_) natsSubscription_Destroy(sub);
  subscriptions_.clear();
  {
    std::lock_guard lock(notices_mu_);
    for (auto& n : notices_) {
      if (n.sub) natsSubscription_Destroy(n.sub);
    }
  }
  natsConnection_Destroy(conn_);
  conn_ = nullptr;
}

std::string NatsBus::subject(TenantId tenant) const {
  return options_.prefix + ".t." + std::to_string(tenant);
}

// ---- Publishing ----------------------------------------------------------------------------

void NatsBus::publish(const Event& e) {
  if (shut_down_.load(std::memory_order_relaxed)) return;
  published_.fetch_add(1, std::memory_order_relaxed);
  enqueue(Item{Item::Kind::event, 0, 0, e});
  if (!queue_publish(subject(e.tenant), encode_event(e, options_.node_id))) {
    publish_failures_.fetch_add(1, std::memory_order_relaxed);
  }
}

bool NatsBus::queue_publish(std::string subject, std::string bytes) {
  {
    std::lock_guard lock(publish_mu_);
    if (publish_stopping_ ||
        publish_bytes_ + bytes.size() > options_.max_publish_queue_bytes) {
      return false;
    }
    publish_bytes_ += bytes.size();
    publish_queue_.emplace_back(std::move(subject), std::move(bytes));
  }
  publish_wake_.notify_one();
  return true;
}

void NatsBus::publish_notice(const std::string& topic, std::string bytes) {
  if (shut_down_.load(std::memory_order_relaxed)) return;
  if (!queue_publish(options_.prefix + ".n." + topic, std::move(bytes))) {
    publish_failures_.fetch_add(1, std::memory_order_relaxed);
  }
}

void NatsBus::on_notice(const std::string& topic, NoticeHandler handler) {
  {
    std::lock_guard lock(notices_mu_);
    NoticeSubscription& n = notices_.emplace_back(NoticeSubscription{this, std::move(handler)});
    n.sub = subscribe_to(options_.prefix + ".n." + topic, &NatsBus::on_notice_message, &n);
  }
  // In place at the server when this returns (at start-up): another node's notice sent
  // from then on reaches this one.
  flush();
}

void NatsBus::on_notice_message(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto* n = static_cast<NoticeSubscription*>(closure);
  try {
    n->handler(std::string_view(natsMsg_GetData(msg),
                                static_cast<std::size_t>(natsMsg_GetDataLength(msg))));
  } catch (const std::exception& ex) {
    log::error("bus.handler_failed", {{"node", n->bus->options_.node_id}, {"error", ex.what()}});
  }
  natsMsg_Destroy(msg);
}

void NatsBus::run_publishing() {
  name_this_thread("tonari-bus-pub");
  std::deque<std::pair<std::string, std::string>> batch;
  std::uint64_t failures_logged = 0;
  for (;;) {
    {
      std::unique_lock lock(publish_mu_);
      publish_wake_.wait(lock, [&] { return publish_stopping_ || !publish_queue_.empty(); });
      if (publish_queue_.empty()) return;  // stopping, with everything handed over
      batch.swap(publish_queue_);
      publish_bytes_ = 0;
    }
    for (auto& [subj, bytes] : batch) {
      // Never blocks for long: while the connection is down the library buffers (up to
      // reconnect_buffer_bytes, then refuses), and a stalled server meets the write deadline.
      const natsStatus s = natsConnection_Publish(conn_, subj.c_str(), bytes.data(),
                                                  static_cast<int>(bytes.size()));
      if (s != NATS_OK) {
        const auto failures = publish_failures_.fetch_add(1, std::memory_order_relaxed) + 1;
        // One line per outage and then one per thousand, not one per event.
        if (failures_logged == 0 || failures - failures_logged >= 1000) {
          failures_logged = failures;
          log::warn("bus.publish_failed", {{"node", options_.node_id},
                                           {"error", natsStatus_GetText(s)},
                                           {"failures", failures}});
        }
      } else {
        failures_logged = 0;
      }
    }
    batch.clear();
  }
}

// ---- Receiving -----------------------------------------------------------------------------

void NatsBus::subscribe(Handler h) { handlers_.push_back(std::move(h)); }

void NatsBus::tenant_followed(TenantId tenant) {
  enqueue(Item{Item::Kind::tenant_on, tenant, 0, {}});
}

void NatsBus::tenant_unfollowed(TenantId tenant) {
  enqueue(Item{Item::Kind::tenant_off, tenant, 0, {}});
}

void NatsBus::room_followed(RoomId room, EventNo known) {
  enqueue(Item{Item::Kind::room_on, room, known, {}});
}

void NatsBus::room_unfollowed(RoomId room) { enqueue(Item{Item::Kind::room_off, room, 0, {}}); }

void NatsBus::enqueue(Item item) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    if (item.kind == Item::Kind::event) {
      const std::size_t bytes = item_bytes(item.event);
      // Only room events may be dropped: the store has them, and the check fills them in.
      // Ephemeral ones (a logout's session.ended among them) are few and small, and so are
      // membership changes, which subscribe and unsubscribe connections: never dropped.
      if (item.event.ev > 0 && item.event.joined.empty() && item.event.left.empty() &&
          queue_bytes_ + bytes > options_.max_queue_bytes) {
        overflow_drops_.fetch_add(1, std::memory_order_relaxed);
        check_requested_ = true;
        return;
      }
      queue_bytes_ += bytes;
    }
    queue_.push_back(std::move(item));
  }
  wake_.notify_one();
}

void NatsBus::on_message(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto* self = static_cast<NatsBus*>(closure);
  auto decoded = decode_event(std::string_view(natsMsg_GetData(msg),
                                               static_cast<std::size_t>(natsMsg_GetDataLength(msg))));
  natsMsg_Destroy(msg);
  if (!decoded) {
    if (self->undecodable_.fetch_add(1, std::memory_order_relaxed) % 1000 == 0) {
      log::warn("bus.bad_message", {{"node", self->options_.node_id},
                                    {"count", self->undecodable_.load()}});
    }
    return;
  }
  if (decoded->node == self->options_.node_id) return;  // NoEcho makes this rare
  self->received_.fetch_add(1, std::memory_order_relaxed);
  self->enqueue(Item{Item::Kind::event, 0, 0, std::move(decoded->event)});
}

void NatsBus::request_check() {
  {
    std::lock_guard lock(mu_);
    check_requested_ = true;
    flush_before_check_ = true;
  }
  wake_.notify_one();
}

bool NatsBus::idle() {
  std::lock_guard lock(mu_);
  return queue_.empty() && !check_requested_ && !busy_;
}

// ---- The delivery thread -------------------------------------------------------------------

void NatsBus::deliver(const Event& e) {
  for (auto& h : handlers_) {
    try {
      h(e);
    } catch (const std::exception& ex) {
      log::error("bus.handler_failed", {{"room", e.room}, {"ev", e.ev}, {"error", ex.what()}});
    }
  }
}

natsSubscription* NatsBus::subscribe_to(const std::string& subject, natsMsgHandler handler,
                                        void* closure) {
  natsSubscription* sub = nullptr;
  const natsStatus s = natsConnection_Subscribe(&sub, conn_, subject.c_str(), handler, closure);
  if (s != NATS_OK) {
    log::error("bus.subscribe_failed", {{"node", options_.node_id}, {"subject", subject},
                                        {"error", natsStatus_GetText(s)}});
    return nullptr;
  }
  {
    std::lock_guard lock(closing_mu_);
    ++open_subscriptions_;
  }
  if (natsSubscription_SetOnCompleteCB(sub, &NatsBus::on_subscription_closed, this) != NATS_OK) {
    // Closed already (the connection is closing): no callback will come for it.
    std::lock_guard lock(closing_mu_);
    --open_subscriptions_;
  }
  // Handlers keep up with what they are handed; a burst is held here rather than refused
  // by the library (the delivery queue it feeds has its own bound in bytes).
  natsSubscription_SetPendingLimits(sub, 1 << 20, 256 << 20);
  return sub;
}

void NatsBus::follow_tenant(TenantId tenant) {
  if (subscriptions_.count(tenant)) return;
  if (natsSubscription* sub = subscribe_to(subject(tenant), &NatsBus::on_message, this)) {
    subscriptions_.emplace(tenant, sub);
  }
}

void NatsBus::unfollow_tenant(TenantId tenant) {
  auto it = subscriptions_.find(tenant);
  if (it == subscriptions_.end()) return;
  natsSubscription_Unsubscribe(it->second);
  natsSubscription_Destroy(it->second);
  subscriptions_.erase(it);
}

void NatsBus::flush() {
  if (!connected_.load()) return;  // a reconnect sends the subscriptions, then checks
  const natsStatus s = natsConnection_FlushTimeout(conn_, 1000);
  if (s != NATS_OK) {
    log::warn("bus.flush_failed", {{"node", options_.node_id}, {"error", natsStatus_GetText(s)}});
  }
}

void NatsBus::run_delivery() {
  name_this_thread("tonari-bus");
  const auto interval = std::chrono::milliseconds(std::max<TimeMs>(options_.check_interval_ms, 10));
  auto next_check = Clock::now() + interval;
  // A check of every followed room runs in chunks between batches of events, so that live
  // events wait for at most one chunk's reads.
  std::vector<RoomId> sweep;
  std::size_t sweep_at = 0;
  Clock::duration sweep_cost{};
  std::deque<Item> batch;
  for (;;) {
    bool start_sweep = false, flush_first = false;
    {
      std::unique_lock lock(mu_);
      busy_ = false;
      // While a sweep is in progress, what is queued is taken without waiting.
      if (sweep_at == sweep.size()) {
        wake_.wait_until(lock, next_check,
                         [&] { return stopping_ || !queue_.empty() || check_requested_; });
      }
      if (stopping_) return;
      busy_ = true;
      batch.swap(queue_);
      queue_bytes_ = 0;
      if (check_requested_ || Clock::now() >= next_check) {
        start_sweep = true;
        flush_first = flush_before_check_;
        check_requested_ = flush_before_check_ = false;
      }
    }
    bool new_tenants = false;
    for (Item& item : batch) {
      switch (item.kind) {
        case Item::Kind::event:
          sequencer_.on_event(item.event);
          break;
        case Item::Kind::tenant_on:
          new_tenants |= !subscriptions_.count(item.id);
          follow_tenant(item.id);
          break;
        case Item::Kind::tenant_off:
          unfollow_tenant(item.id);
          break;
        case Item::Kind::room_on:
          sequencer_.room_followed(item.id, item.known);
          break;
        case Item::Kind::room_off:
          sequencer_.room_unfollowed(item.id);
          break;
      }
    }
    batch.clear();
    // A room's head is read only once the server has its municipality's subscription: any
    // event committed after the read then reaches this node.
    if (new_tenants || flush_first) flush();
    sequencer_.check_new();
    if (start_sweep) {
      sweep = sequencer_.followed();
      sweep_at = 0;
      sweep_cost = {};
      next_check = Clock::time_point::max();  // set again when this sweep ends
    }
    if (sweep_at < sweep.size()) {
      const auto begin = Clock::now();
      const std::size_t end = std::min(sweep.size(), sweep_at + Sequencer::kCheckChunk);
      sequencer_.check(std::vector<RoomId>(sweep.begin() + sweep_at, sweep.begin() + end));
      sweep_at = end;
      sweep_cost += Clock::now() - begin;
    }
    if (sweep_at == sweep.size() && next_check == Clock::time_point::max()) {
      // The next sweep after `interval`, or after ten times what this one cost.
      next_check = Clock::now() + std::max<Clock::duration>(interval, 10 * sweep_cost);
      sweep.clear();
      sweep_at = 0;
    }
  }
}

// ---- Library callbacks ---------------------------------------------------------------------

void NatsBus::on_subscription_closed(void* closure) {
  auto* self = static_cast<NatsBus*>(closure);
  std::lock_guard lock(self->closing_mu_);
  --self->open_subscriptions_;
  self->closing_wake_.notify_all();  // under the lock: the bus may be destroyed right after
}

void NatsBus::on_connected(natsConnection*, void* closure) {
  auto* self = static_cast<NatsBus*>(closure);
  self->connected_ = true;
  log::info("bus.connected", {{"node", self->options_.node_id}, {"url", self->log_url_}});
  self->request_check();
  if (self->lost_) self->lost_();  // what other nodes said before this one was connected
}

void NatsBus::on_disconnected(natsConnection*, void* closure) {
  auto* self = static_cast<NatsBus*>(closure);
  self->connected_ = false;
  if (self->shut_down_.load()) return;
  log::warn("bus.disconnected", {{"node", self->options_.node_id}, {"url", self->log_url_}});
}

void NatsBus::on_reconnected(natsConnection*, void* closure) {
  auto* self = static_cast<NatsBus*>(closure);
  self->connected_ = true;
  self->reconnects_.fetch_add(1, std::memory_order_relaxed);
  log::info("bus.reconnected", {{"node", self->options_.node_id}, {"url", self->log_url_}});
  // Whatever was published while this node was away is in the store; what is not (a
  // membership change of a room not followed here, a logout) the connections check.
  self->request_check();
  if (self->lost_) self->lost_();
}

void NatsBus::on_closed(natsConnection*, void* closure) {
  auto* self = static_cast<NatsBus*>(closure);
  std::lock_guard lock(self->closing_mu_);
  self->closed_ = true;
  self->closing_wake_.notify_all();
}

void NatsBus::on_error(natsConnection*, natsSubscription*, natsStatus err, void* closure) {
  auto* self = static_cast<NatsBus*>(closure);
  log::warn("bus.error", {{"node", self->options_.node_id}, {"error", natsStatus_GetText(err)}});
  // A slow consumer lost messages: the store has them.
  if (err == NATS_SLOW_CONSUMER) {
    self->request_check();
    if (self->lost_) self->lost_();
  }
}

Stats NatsBus::stats() const {
  Stats s;
  s.published = published_.load(std::memory_order_relaxed);
  s.publish_failures = publish_failures_.load(std::memory_order_relaxed);
  s.received = received_.load(std::memory_order_relaxed);
  s.reconnects = reconnects_.load(std::memory_order_relaxed);
  s.overflow_drops = overflow_drops_.load(std::memory_order_relaxed);
  s.connected = connected_.load(std::memory_order_relaxed);
  sequencer_.add_stats(s);
  return s;
}

}  // namespace tonari::bus
