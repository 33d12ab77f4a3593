// Keepalive for every WebSocket connection of a server, with one timer for all of them.
//
// Beast's own idle timeout re-arms a timer on every frame read: a cancelled wait whose
// handler still runs, and a new wait in the timer heap (about 1,200 instructions per
// message received, by callgrind), and each idle connection holds that pending wait.
// Instead, each connection counts the frames it receives (`Keepalive::Member::activity`, a
// plain store on its own executor) and a sweep, every half of the idle timeout, looks at the
// counts: a connection that received nothing since the last sweep is pinged; one that still
// received nothing (not even the pong) by the next sweep is asked to drop, and again at
// every sweep while it stays quiet — the connection decides (WsSession::drop: a peer whose
// ping is still on its way and whose TCP acknowledged at least a KiB more since the last
// look is reading slowly; one whose TCP took the ping has an idle timeout to answer). A
// silent peer that stops reading is thus dropped between one and two idle timeouts after
// its last frame, one that reads but never answers within about three; a peer that
// answers pings stays open however long it is silent.
//
// Thread safety: add/remove/sweep may be called from any thread.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

namespace tonari::http {

class Keepalive : public std::enable_shared_from_this<Keepalive> {
 public:
  // What a connection gives the sweep. ping() and drop() are called without the sweep's
  // lock held, on the sweep's thread: they post to the connection's own executor.
  class Member {
   public:
    // Bumped by the connection, on its executor, for every frame it receives.
    void touch() { activity_.store(activity_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }

   protected:
    ~Member() = default;
    virtual std::shared_ptr<Member> lock_member() = 0;  // null once the connection is ending
    virtual void ping() = 0;
    virtual void drop() = 0;

   private:
    friend class Keepalive;
    std::atomic<std::uint32_t> activity_{0};
    // Guarded by the Keepalive's lock: its list, and what the last sweep saw.
    Member* prev_ = nullptr;
    Member* next_ = nullptr;
    std::uint32_t seen_ = 0;
    std::uint8_t quiet_sweeps_ = 0;
    bool listed_ = false;
  };

  struct SweepCounts {
    std::size_t pinged = 0;
    std::size_t dropped = 0;
  };

  Keepalive(boost::asio::io_context& ioc, std::chrono::milliseconds idle_timeout);

  // Sweeps every idle_timeout / 2 from now on, until stop().
  void start();
  void stop();

  void add(Member* m);
  void remove(Member* m);  // idempotent; the destructor of a member must call it
  // One pass (the timer calls it; tests call it directly).
  SweepCounts sweep();
  std::size_t size() const;

 private:
  void arm();

  boost::asio::steady_timer timer_;
  const std::chrono::milliseconds period_;
  mutable std::mutex mu_;
  Member* head_ = nullptr;  // guarded by mu_
  std::size_t size_ = 0;    // guarded by mu_
  std::atomic<bool> stopped_{false};
};

}  // namespace tonari::http
