#include "http/ws_keepalive.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <vector>

namespace tonari::http {

// The timer runs on a strand of its own, so that stop()'s cancel never races with arm()
// when several threads run the io_context.
Keepalive::Keepalive(boost::asio::io_context& ioc, std::chrono::milliseconds idle_timeout)
    : timer_(boost::asio::make_strand(ioc)), period_(std::max(idle_timeout / 2, std::chrono::milliseconds(1))) {}

void Keepalive::start() { arm(); }

void Keepalive::stop() {
  stopped_ = true;
  boost::asio::post(timer_.get_executor(), [self = shared_from_this()] { self->timer_.cancel(); });
}

void Keepalive::arm() {
  if (stopped_) return;
  timer_.expires_after(period_);
  timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (!self || ec || self->stopped_) return;
    self->sweep();
    self->arm();
  });
}

void Keepalive::add(Member* m) {
  std::lock_guard lock(mu_);
  if (m->listed_) return;
  m->listed_ = true;
  // Joining counts as activity: the first sweep after it does not find the connection quiet.
  m->seen_ = m->activity_.load(std::memory_order_relaxed) - 1;
  m->quiet_sweeps_ = 0;
  m->prev_ = nullptr;
  m->next_ = head_;
  if (head_) head_->prev_ = m;
  head_ = m;
  ++size_;
}

void Keepalive::remove(Member* m) {
  std::lock_guard lock(mu_);
  if (!m->listed_) return;
  m->listed_ = false;
  if (m->prev_) m->prev_->next_ = m->next_;
  else head_ = m->next_;
  if (m->next_) m->next_->prev_ = m->prev_;
  m->prev_ = m->next_ = nullptr;
  --size_;
}

std::size_t Keepalive::size() const {
  std::lock_guard lock(mu_);
  return size_;
}

Keepalive::SweepCounts Keepalive::sweep() {
  // Decide under the lock; act after it (ping/drop post work, and the last reference to a
  // connection may be dropped here, whose destructor takes the lock to leave the list).
  std::vector<std::shared_ptr<Member>> to_ping, to_drop;
  {
    std::lock_guard lock(mu_);
    // Reserved first: a push_back that threw would release `alive` under the lock.
    to_ping.reserve(size_);
    to_drop.reserve(size_);
    for (Member* m = head_; m; m = m->next_) {
      const std::uint32_t now = m->activity_.load(std::memory_order_relaxed);
      if (now != m->seen_) {
        m->seen_ = now;
        m->quiet_sweeps_ = 0;
        continue;
      }
      if (m->quiet_sweeps_ < 2) ++m->quiet_sweeps_;
      auto alive = m->lock_member();
      if (!alive) continue;
      (m->quiet_sweeps_ == 1 ? to_ping : to_drop).push_back(std::move(alive));
    }
  }
  for (auto& m : to_ping) m->ping();
  for (auto& m : to_drop) m->drop();
  return {to_ping.size(), to_drop.size()};
}

}  // namespace tonari::http
