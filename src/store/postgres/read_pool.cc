#include "store/postgres/read_pool.h"

#include "log/log.h"
#include "store/postgres/writer.h"

namespace tonari::store::postgres {

ReadPool::ReadPool(ConnectOptions connect, int size)
    : connect_(std::move(connect)), size_(std::max(1, size)) {
  idle_.push_back(PgConn::open(connect_));
  open_ = 1;
}

Result<ReadPool::Lease> ReadPool::acquire() {
  const auto until = std::chrono::steady_clock::now() + kWait;
  std::unique_lock lock(mu_);
  if (!cv_.wait_until(lock, until, [&] { return !idle_.empty() || open_ < size_; })) {
    return Status(Code::unavailable, "the database is busy (no free connection); try again");
  }
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(c), true);
  }
  // While the database is unreachable, reads fail at once rather than each trying to connect.
  if (std::chrono::steady_clock::now() < retry_at_) return database_unavailable();
  ++open_;
  lock.unlock();
  try {
    Lease lease(this, PgConn::open(connect_), false);
    lock.lock();
    if (failing_) log::info("store.pg_connected", {{"for", "reads"}});
    failing_ = false;
    return lease;
  } catch (const PgError& e) {
    lock.lock();
    // Logged once per run of failures: reads keep trying while the database is down.
    if (!failing_) log::warn("store.pg_connect_failed", {{"for", "reads"}, {"error", e.what()}});
    failing_ = true;
    --open_;
    retry_at_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(250);
    cv_.notify_one();
    return database_unavailable();
  }
}

void ReadPool::release(std::unique_ptr<PgConn> c) {
  const bool keep = c->usable() && !c->in_transaction();
  if (!keep) c.reset();  // closed outside the lock
  std::lock_guard lock(mu_);
  if (keep) {
    idle_.push_back(std::move(c));
  } else {
    --open_;
  }
  cv_.notify_one();
}

void ReadPool::clear_idle() {
  std::vector<std::unique_ptr<PgConn>> closing;
  {
    std::lock_guard lock(mu_);
    closing.swap(idle_);
    open_ -= static_cast<int>(closing.size());
  }
  cv_.notify_all();
}

}  // namespace tonari::store::postgres
