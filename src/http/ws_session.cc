#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <mutex>
#include <optional>
#include <unistd.h>
#include <vector>

#include "http/tcp_stats.h"
#include "http/ws_run.h"
#include "log/log.h"

namespace tonari::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// A FIFO of frames that costs nothing while empty (std::deque allocates a 512-byte block
// up front, and an idle connection's queue is empty almost always).
class FrameQueue {
 public:
  using Frame = std::shared_ptr<const std::string>;
  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  Frame& front() { return items_[head_]; }
  void push_back(Frame f) { items_.push_back(std::move(f)); }
  void pop_front() {
    items_[head_++].reset();
    if (head_ == items_.size()) clear();
  }
  void clear() {
    items_.clear();
    head_ = 0;
    if (items_.capacity() > 64) items_.shrink_to_fit();  // after a burst, give it back
  }

 private:
  std::vector<Frame> items_;
  std::size_t head_ = 0;
};

// `Executor`: the connection's own, by its type (the io_context's, or a strand of it): an
// asio::any_io_executor, the socket's default, costs a type-erased copy and call in each of
// the connection's operations (2,700 instructions per message received, by callgrind).
template <class Executor>
class WsSession final : public WsConnection,
                        public Keepalive::Member,
                        public std::enable_shared_from_this<WsSession<Executor>> {
 public:
  using Socket = asio::basic_stream_socket<asio::ip::tcp, Executor>;

  WsSession(Socket&& socket, WsLimits limits, std::shared_ptr<ServerStats> stats,
            std::shared_ptr<Keepalive> keepalive, WsOrigin origin,
            std::shared_ptr<const void> lease)
      : ws_(std::move(socket)), limits_(limits), stats_(std::move(stats)),
        keepalive_(std::move(keepalive)), lease_(std::move(lease)), origin_(std::move(origin)) {}
  ~WsSession() { keepalive_->remove(this); }

  // Accepts the upgrade, then reads frames one at a time. Like the write side, the read
  // side is a chain of completion handlers: an idle connection holds its pending read and
  // nothing else (no coroutine frames, no read buffer). `early`: bytes the client sent
  // after the upgrade request without waiting for the answer (see start_websocket()).
  void start(std::unique_ptr<beast::http::request<beast::http::string_body>> req,
             const std::string& early, std::shared_ptr<WsHandler> handler) {
    // Beast times the handshake and the closing handshake; idleness is the Keepalive's
    // (ws_keepalive.h: Beast's idle timer costs a timer operation on every frame read).
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      touch();
      if (kind == websocket::frame_type::pong) {
        ping_end_.reset();
        ping_taken_looks_ = 0;
      }
    });
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "tonari"); }));
    ws_.read_message_max(limits_.max_frame_bytes);
    handler_ = std::move(handler);
    auto& upgrade = *req;
    auto accepted = [self = this->shared_from_this(), req = std::move(req)](beast::error_code ec) mutable {
      req.reset();  // the upgrade request is not needed for the connection's lifetime
      if (ec) {
        log::info("ws.handshake_failed", {{"request_id", self->origin_.request_id},
                                          {"client", self->origin_.client},
                                          {"error", ec.message()}});
        self->handler_.reset();
        return;
      }
      self->opened_ = std::chrono::steady_clock::now();
      self->stats_->open_ws.fetch_add(1);
      self->keepalive_->add(self.get());
      log::debug("ws.opened", {{"request_id", self->origin_.request_id},
                               {"user", self->origin_.user_id},
                               {"client", self->origin_.client},
                               {"zone", zone_name(self->origin_.zone)}});
      self->handler_->on_open(self);
      self->read_next();
    };
    if (early.empty()) {
      ws_.async_accept(upgrade, std::move(accepted));
      return;
    }
    // Beast takes already-read bytes only with a request still to parse: a handshake
    // request (the one checked by the server, reduced to what Beast reads) goes before
    // them, and what follows it stays in the stream's read buffer as the first frames.
    std::string replay = "GET / HTTP/1.1\r\nHost: tonari\r\nConnection: Upgrade\r\n"
                         "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ";
    replay += upgrade[beast::http::field::sec_websocket_key];
    replay += "\r\n\r\n";
    replay += early;
    ws_.async_accept(asio::buffer(replay), std::move(accepted));  // copies the bytes
  }

  void send(std::shared_ptr<const std::string> frame) override {
    {
      std::lock_guard lock(mu_);
      if (stopped_ || close_code_) return;
      // An empty queue always takes the frame, however large: the limits bound a backlog,
      // and a single big event must not cut off every member of its room.
      if (!queue_.empty() && (queue_.size() + 1 > limits_.max_queue_frames ||
                              queued_bytes_ + frame->size() > limits_.max_queue_bytes)) {
        // A slow consumer: drop what is queued (it will resume from its cursors) and close.
        queue_.clear();
        queued_bytes_ = 0;
        close_code_ = 4008;
        close_reason_ = "slow_consumer";
        slow_consumer();
      } else {
        queued_bytes_ += frame->size();
        queue_.push_back(std::move(frame));
      }
    }
    wake();
  }

  asio::awaitable<bool> wait_for_room() override {
    asio::steady_timer t(ws_.get_executor());
    // Looks again after 2 ms, then less and less often (up to every 64 ms, far less than it
    // takes a reader to drain half the queue): a client that has stopped reading costs a
    // few wake-ups a second until it is dropped, not 500.
    auto pause = std::chrono::milliseconds(2);
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (stopped_ || close_code_) co_return false;
        if (queue_.size() <= limits_.max_queue_frames / 2 &&
            queued_bytes_ <= limits_.max_queue_bytes / 2) {
          co_return true;
        }
      }
      t.expires_after(pause);
      co_await t.async_wait(use_tuple);
      pause = std::min(pause * 2, std::chrono::milliseconds(64));
    }
  }

  void close(int code, std::string reason) override {
    {
      std::lock_guard lock(mu_);
      if (stopped_ || close_code_) return;
      close_code_ = code;
      close_reason_ = std::move(reason);
    }
    // The handler's own bound (events held during a replay) is a slow consumer too.
    if (code == 4008) slow_consumer();
    wake();
  }

  std::size_t max_queue_bytes() const override { return limits_.max_queue_bytes; }

  void enable_batching() override { batching_.store(true); }

 private:
  // Reads the next frame in pieces of at most kReadChunk bytes: a read prepares its buffer
  // before any data arrives, so this is what an idle connection's pending read holds
  // (a whole-message read would hold 1.5 KiB). Most frames fit in one piece.
  static constexpr std::size_t kReadChunk = 256;

  void read_next() {
    ws_.async_read_some(buf_, kReadChunk, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      finish(ec);
      return;
    }
    touch();
    if (!ws_.is_message_done()) {  // read_message_max bounds the whole message
      read_next();
      return;
    }
    ++frames_in_;
    if (replaying_) {
      // hello's replay is still running: this frame waits in the buffer, unread beyond it,
      // and is handled when the replay ends (frames are handled in order).
      frame_held_ = true;
      return;
    }
    handle_frame();
  }

  // Handles the whole frame in buf_, then reads on.
  void handle_frame() {
    bool closing;
    {
      std::lock_guard lock(mu_);
      closing = stopped_ || close_code_;
    }
    if (closing) {
      // Closing (4001, 4008, 1011...): what the client sent since is not acted on (a
      // disabled account's last `send` is not posted), but reading goes on, for the
      // client's answer to the close.
      frame_done();
      return;
    }
    if (!ws_.got_text()) {
      send(std::make_shared<const std::string>(
          R"({"type":"error","error":{"code":"invalid_argument","message":"binary frames are not supported"}})"));
      frame_done();
      return;
    }
    std::string_view text(static_cast<const char*>(buf_.data().data()), buf_.size());
    std::optional<asio::awaitable<void>> more;
    try {
      more = handler_->on_text(text);
    } catch (...) {
      log_exception("frame", std::current_exception());
      send_internal_error();
    }
    if (!more) {
      frame_done();
      return;
    }
    // The handler has more to do before the next frame (hello's replay): run it. It keeps
    // what it needs of the frame, so reading goes on meanwhile: a client that reads a long
    // replay and sends nothing still has its pongs seen by the Keepalive (with no read
    // pending they went unread, and the Keepalive dropped it). If the replay failed midway
    // the connection's state is unknown: the client is told and the connection closed
    // (1011), and it will resume on a new one. The coroutine runs at once up to its first
    // wait (hello attaches to the hub before any read can complete); the handler is kept
    // alive until it ends, since the connection may now end (finish()) while it waits.
    replaying_ = true;
    asio::co_spawn(ws_.get_executor(), std::move(*more),
                   [self = this->shared_from_this(), keep = handler_](std::exception_ptr e) {
                     if (e) {
                       self->log_exception("replay", e);
                       self->send_internal_error();
                       self->close(1011, "internal error");
                     }
                     self->replaying_ = false;
                     if (self->frame_held_) {
                       self->frame_held_ = false;
                       self->handle_frame();
                     }
                   });
    frame_done();
  }

  // The frame has been handled: free the buffer (an idle connection keeps none) and read on.
  void frame_done() {
    buf_.consume(buf_.size());
    buf_.shrink_to_fit();
    read_next();
  }

  void send_internal_error() {
    send(std::make_shared<const std::string>(
        R"({"type":"error","error":{"code":"internal","message":"internal error"}})"));
  }

  void log_exception(const char* where, std::exception_ptr e) {
    log::error("ws.exception", {{"request_id", origin_.request_id}, {"user", origin_.user_id},
                                {"where", where}, {"error", log::describe(e)}});
  }

  // The read side has ended (`ec`): the connection is over.
  void finish(beast::error_code ec) {
    keepalive_->remove(this);
    handler_->on_close();
    handler_.reset();
    int code = 0;
    std::string reason;
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
      queue_.clear();
      code = close_code_;
      reason = close_reason_;
    }
    wake();
    stats_->open_ws.fetch_sub(1);
    // Who ended it: this side (a close code of ours, or an idle peer cut off), the client
    // (its close frame), or the network (no close frame: 1006, as RFC 6455 calls it).
    const char* by = "server";
    if (code == 0 && ec == websocket::error::closed) {
      code = ws_.reason().code;
      reason = std::string(ws_.reason().reason.data(), ws_.reason().reason.size());
      by = "client";
    } else if (code == 0) {
      code = 1006;
      reason = dropped_idle_ ? "idle" : ec.message();
      by = dropped_idle_ ? "server" : "network";
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - opened_).count();
    log::info("ws.closed", {{"request_id", origin_.request_id}, {"user", origin_.user_id},
                            {"client", origin_.client}, {"zone", zone_name(origin_.zone)},
                            {"code", code}, {"reason", reason}, {"by", by},
                            {"seconds", seconds}, {"frames_in", frames_in_},
                            {"frames_out", frames_out_}});
  }

  // Takes what to write next under the lock: one frame, or with batching every queued frame
  // that fits kMaxBatchBytes joined into one JSON array.
  std::shared_ptr<const std::string> take_locked() {
    auto first = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= first->size();
    if (queue_.empty() || !batching_.load(std::memory_order_relaxed)) return first;
    auto batch = std::make_shared<std::string>();
    batch->reserve(std::min(kMaxBatchBytes, first->size() + queued_bytes_) + 64);
    *batch += '[';
    *batch += *first;
    while (!queue_.empty() && batch->size() + queue_.front()->size() < kMaxBatchBytes) {
      *batch += ',';
      *batch += *queue_.front();
      queued_bytes_ -= queue_.front()->size();
      queue_.pop_front();
    }
    *batch += ']';
    return batch;
  }

  // The write side is a chain of completion handlers on the connection's executor (its
  // strand, or the io_context itself when one thread runs it), not a coroutine: an
  // idle connection then holds no frame, no timer and no pending operation for writing.
  // Runs on the executor; `writing_` says whether a write (or the close) is under way.
  void write_next() {
    std::shared_ptr<const std::string> frame;
    int close_code = 0;
    std::string close_reason;
    {
      std::lock_guard lock(mu_);
      if (stopped_) {
        writing_ = false;
        return;
      }
      if (!queue_.empty()) {
        frame = take_locked();
      } else if (close_code_ && !close_sent_) {
        close_sent_ = true;
        close_code = close_code_;
        close_reason = close_reason_;
      } else {
        writing_ = false;
        return;
      }
    }
    auto self = this->shared_from_this();
    if (frame) {
      ws_.text(true);
      ws_.async_write(asio::buffer(*frame),
                      [self, frame](beast::error_code ec, std::size_t) {
                        if (ec) {
                          std::lock_guard lock(self->mu_);
                          self->stopped_ = true;
                          self->queue_.clear();
                          self->writing_ = false;
                          return;
                        }
                        ++self->frames_out_;
                        self->write_next();
                      });
      return;
    }
    websocket::close_reason cr(static_cast<std::uint16_t>(close_code));
    cr.reason = close_reason;
    ws_.async_close(cr, [self](beast::error_code) {
      std::lock_guard lock(self->mu_);
      self->writing_ = false;
    });
  }

  static constexpr std::size_t kMaxBatchBytes = 64 * 1024;

  // Keepalive::Member: called on the sweep's thread; the work runs on the executor.
  std::shared_ptr<Keepalive::Member> lock_member() override { return this->weak_from_this().lock(); }

  void ping() override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
      self->note_acked();  // the baseline of the next drop(), even if no ping goes out now
      if (self->ping_pending_) return;  // Beast allows one ping at a time
      {
        std::lock_guard lock(self->mu_);
        if (self->stopped_ || self->close_code_) return;
      }
      self->ping_pending_ = true;
      self->ws_.async_ping({}, [self](beast::error_code ec) {
        self->ping_pending_ = false;
        // Where the earliest unanswered ping ends in what we wrote: once the peer's TCP has
        // acknowledged that much, the ping is in its hands.
        if (!ec && !self->ping_end_) {
          self->ping_end_ = tcp_bytes_written(beast::get_lowest_layer(self->ws_).native_handle());
        }
      });
    });
  }

  // The peer stopped answering: cut the connection (the pending read then fails, and
  // finish() runs), as Beast's own idle timeout does. Called at every sweep while the
  // connection stays quiet after its ping (a "look"). It is kept, with no close under way:
  // - while the ping is still on its way (behind what we queued before it, in our socket
  //   and in the peer's receive buffer) and the peer's TCP acknowledged at least
  //   kMinProgressBytes more since the last look: it is reading, slowly (a long replay at a
  //   phone's pace);
  // - once its TCP has acknowledged the ping, for kAnswerLooks more looks (one idle
  //   timeout): time for its application to read up to the ping and answer.
  // So a peer that is gone, or has stopped reading (its window closed: nothing more is
  // acknowledged), is dropped at the first look; one whose TCP takes everything while its
  // application never answers (never reads a frame) is dropped an idle timeout after its
  // TCP took the ping, however much it acknowledges.
  void drop() override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
      bool closing;
      {
        // A closing handshake under way (4008 and the like) keeps its code: Beast's
        // handshake timeout bounds it.
        std::lock_guard lock(self->mu_);
        if (self->close_sent_) return;
        closing = self->close_code_ != 0;
      }
      const auto before = self->acked_seen_;
      self->note_acked();
      const auto& now = self->acked_seen_;
      const bool ping_taken = self->ping_end_ && *self->ping_end_ && now && *now >= **self->ping_end_;
      if (!closing) {
        if (!ping_taken && before && now && *now >= *before + kMinProgressBytes) return;
        if (ping_taken && ++self->ping_taken_looks_ <= kAnswerLooks) return;
      }
      self->dropped_idle_ = true;
      log::info("ws.stalled", {{"request_id", self->origin_.request_id},
                               {"user", self->origin_.user_id},
                               {"client", self->origin_.client},
                               {"ping_taken", ping_taken},
                               {"acked_bytes", static_cast<std::int64_t>(now ? *now : 0)}});
      beast::error_code ec;
      beast::get_lowest_layer(self->ws_).close(ec);
    });
  }

  // A ping without payload is 2 bytes: progress must be more than the ping's, and enough
  // that a peer trickling a few bytes cannot hold a connection open.
  static constexpr std::uint64_t kMinProgressBytes = 1024;
  // Looks (sweeps, half an idle timeout apart) that a peer whose TCP has taken the ping
  // gets to answer it.
  static constexpr int kAnswerLooks = 2;
  void note_acked() {  // executor only
    acked_seen_ = tcp_bytes_acked(beast::get_lowest_layer(ws_).native_handle());
  }

  // Counts and logs a 4008 slow_consumer close, once per connection (its callers set
  // close_code_ first). Any thread: logged on the executor, since the caller may hold locks
  // of its own (the hub's, the handler's).
  void slow_consumer() {
    stats_->slow_consumer_closes.fetch_add(1);
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
      log::warn("ws.slow_consumer",
                {{"request_id", self->origin_.request_id}, {"user", self->origin_.user_id},
                 {"client", self->origin_.client},
                 {"max_queue_frames", self->limits_.max_queue_frames},
                 {"max_queue_bytes", self->limits_.max_queue_bytes}});
    });
  }

  // Starts the write chain if it is not running. Any thread; posts at most one wake-up at
  // a time to the executor.
  void wake() {
    if (wake_pending_.exchange(true)) return;
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
      self->wake_pending_ = false;
      {
        std::lock_guard lock(self->mu_);
        if (self->writing_) return;
        self->writing_ = true;
      }
      self->write_next();
    });
  }

  // On the socket itself: the WebSocket layer times the handshakes and the Keepalive the
  // idleness, so beast::tcp_stream's timeouts would only add a layer to every read and write.
  websocket::stream<Socket, false> ws_;             // no permessage-deflate state
  beast::flat_buffer buf_;                          // the frame being read (executor only)
  std::shared_ptr<WsHandler> handler_;              // until the connection ends (executor only)
  const WsLimits limits_;
  std::shared_ptr<ServerStats> stats_;
  std::shared_ptr<Keepalive> keepalive_;
  std::shared_ptr<const void> lease_;  // the connection's place under the server's caps
  bool ping_pending_ = false;                       // executor only
  // Executor only: tcp_bytes_acked at the last ping or drop() (what drop() compares with).
  std::optional<std::uint64_t> acked_seen_;
  // Executor only: where the earliest unanswered ping ends in the bytes written to the
  // socket (its inner value empty if the kernel cannot tell), and how many looks have found
  // it acknowledged by the peer's TCP. Reset by a pong.
  std::optional<std::optional<std::uint64_t>> ping_end_;
  int ping_taken_looks_ = 0;
  bool replaying_ = false;   // executor only: a handler's coroutine (hello's replay) runs
  bool frame_held_ = false;  // executor only: a whole frame in buf_ waits for it to end
  bool dropped_idle_ = false;  // executor only: drop() cut the connection
  // For the log lines (ws.closed); executor only, but origin_, constant after construction.
  const WsOrigin origin_;
  std::chrono::steady_clock::time_point opened_;
  std::uint64_t frames_in_ = 0;   // whole frames read
  std::uint64_t frames_out_ = 0;  // frames written (a batch is one)
  std::atomic<bool> wake_pending_{false};
  std::atomic<bool> batching_{false};

  std::mutex mu_;
  FrameQueue queue_;                                      // guarded by mu_
  std::size_t queued_bytes_ = 0;                          // guarded by mu_
  int close_code_ = 0;                                    // guarded by mu_
  std::string close_reason_;                              // guarded by mu_
  bool stopped_ = false;                                  // guarded by mu_
  bool writing_ = false;                                  // guarded by mu_
  bool close_sent_ = false;                               // guarded by mu_
};

}  // namespace

void start_websocket(beast::tcp_stream stream,
                     std::unique_ptr<beast::http::request<beast::http::string_body>> req,
                     std::string early, std::shared_ptr<WsHandler> handler, WsLimits limits,
                     std::shared_ptr<ServerStats> stats, std::shared_ptr<Keepalive> keepalive,
                     WsOrigin origin, std::shared_ptr<const void> lease) {
  auto socket = stream.release_socket();
  beast::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) return;
  // The same connection on a socket that knows its executor's type.
  auto start = [&](auto executor) {
    using Session = WsSession<decltype(executor)>;
    typename Session::Socket typed(executor);
    const auto fd = socket.release(ec);
    if (ec) return;
    typed.assign(protocol, fd, ec);
    if (ec) {
      ::close(fd);
      return;
    }
    auto session = std::make_shared<Session>(std::move(typed), limits, std::move(stats),
                                             std::move(keepalive), std::move(origin),
                                             std::move(lease));
    session->start(std::move(req), early, std::move(handler));
  };
  const auto executor = socket.get_executor();
  if (auto* io = executor.target<asio::io_context::executor_type>()) {
    start(*io);  // one I/O thread (Server::Impl::accept_loop)
  } else if (auto* strand = executor.target<asio::strand<asio::io_context::executor_type>>()) {
    start(*strand);
  }  // no other executor is used: the connection is closed
}

}  // namespace tonari::http
