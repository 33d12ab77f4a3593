// One WebSocket connection: a read loop handing text frames to a WsHandler, and a write
// loop draining a bounded send queue. A peer that cannot keep up (queue over its frame or
// byte limit) is closed with 4008 "slow_consumer" instead of growing memory; an idle peer
// is pinged and dropped if it stops answering.
// Thread safety: WsConnection::send() and close() may be called from any thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/types.h"

namespace tonari::http {

struct WsLimits {
  std::size_t max_queue_frames = 4096;
  std::size_t max_queue_bytes = 1 << 20;
  std::size_t max_frame_bytes = 64 * 1024;  // incoming
  int idle_timeout_seconds = 60;            // ws_keepalive.h: pinged, then dropped
};

// What the protocol layer may do with a connection.
class WsConnection {
 public:
  virtual ~WsConnection() = default;
  // Queues a text frame. Never blocks; over the limits it closes with 4008 slow_consumer.
  virtual void send(std::shared_ptr<const std::string> frame) = 0;
  // Resumes once the send queue is at most half full (by frames and bytes): true; or once
  // the connection is closing or has ended: false. A long replay goes out at the pace the
  // peer reads it instead of tripping the slow-consumer limit. Call only from the
  // connection's handler (its strand).
  virtual boost::asio::awaitable<bool> wait_for_room() = 0;
  // The send queue's bound in bytes (WsLimits::max_queue_bytes): what the handler may hold
  // for this connection besides it (events held back during a replay) is bounded by it too.
  virtual std::size_t max_queue_bytes() const = 0;
  // From now on, frames queued together may go out as one frame holding a JSON array of
  // them (in order): one write instead of many when a client falls behind or events burst.
  // Every queued frame must then be one JSON value.
  virtual void enable_batching() = 0;
  // Sends the queued frames, then closes with `code` and `reason`.
  virtual void close(int code, std::string reason) = 0;
};

// The protocol layer's side of a connection (implemented in api/).
class WsHandler {
 public:
  virtual ~WsHandler() = default;
  virtual void on_open(std::shared_ptr<WsConnection> conn) = 0;
  // Called for each text frame, one at a time, in order (`frame` is valid during the call
  // only). Most frames are handled within the call; one that needs to wait (a replay)
  // returns the rest of its work, and the next frame is read after that has run.
  virtual std::optional<boost::asio::awaitable<void>> on_text(std::string_view frame) = 0;
  // Called once when the connection has ended; no more calls follow.
  virtual void on_close() = 0;
};

}  // namespace tonari::http
