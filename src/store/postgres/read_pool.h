// A bounded pool of connections for reads. A read waits a short while for a free
// connection (kWait), then fails with unavailable; connections are opened on demand, up to
// the pool's size, and one found broken is closed and replaced.
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "core/status.h"
#include "store/postgres/pg.h"

namespace tonari::store::postgres {

class ReadPool {
 public:
  static constexpr std::chrono::milliseconds kWait{2000};

  // Opens one connection now, so that an unreachable database is noticed at start-up
  // (throws PgError).
  ReadPool(ConnectOptions connect, int size);

  // A connection lent until the lease goes; one left broken or inside a transaction is
  // closed instead of pooled.
  class Lease {
   public:
    Lease(ReadPool* pool, std::unique_ptr<PgConn> c, bool reused)
        : pool_(pool), c_(std::move(c)), reused_(reused) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (c_) pool_->release(std::move(c_));
    }
    PgConn& operator*() { return *c_; }
    // The connection had served before (it may have died while idle).
    bool reused() const { return reused_; }

   private:
    ReadPool* pool_;
    std::unique_ptr<PgConn> c_;
    bool reused_;
  };

  // A connection: an idle one, or a new one if fewer than `size` are open. unavailable if
  // none is free within kWait, or the database cannot be reached.
  Result<Lease> acquire();
  // Closes every idle connection (after one was found broken: the others likely are too).
  void clear_idle();

 private:
  void release(std::unique_ptr<PgConn> c);

  const ConnectOptions connect_;
  const int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConn>> idle_;  // guarded by mu_
  int open_ = 0;                               // guarded by mu_: idle and lent
  // guarded by mu_: no connection is tried before then (the last attempt failed)
  std::chrono::steady_clock::time_point retry_at_{};
  bool failing_ = false;  // guarded by mu_: the last attempt to connect failed
};

}  // namespace tonari::store::postgres
