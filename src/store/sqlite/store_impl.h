// Internal to the SQLite store: the reader lease and the read/write wrappers shared by
// sqlite_store*.cc.
#pragma once

#include <future>

#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"

namespace tonari::store::sqlite {

class SqliteStore::ReaderLease {
 public:
  ReaderLease(SqliteStore* store, std::unique_ptr<Connection> c) : store_(store), c_(std::move(c)) {}
  ReaderLease(ReaderLease&&) = default;
  ~ReaderLease() {
    if (c_) store_->release(std::move(c_));
  }
  Connection& operator*() { return *c_; }

 private:
  SqliteStore* store_;
  std::unique_ptr<Connection> c_;
};

// One read transaction per call: the statements of `fn` see one snapshot, and the
// connection takes the WAL's shared-memory read lock once (a file lock, i.e. system calls)
// instead of once per statement.
template <class T, class Fn>
Result<T> SqliteStore::read(Fn fn) {
  try {
    auto lease = reader();
    Connection& db = *lease;
    db.q("BEGIN").run();
    Result<T> out = fn(db);
    db.q("COMMIT").run();
    return out;
  } catch (const DbError& e) {
    // A connection left inside its transaction is not pooled again (release()).
    return Status(Code::internal, std::string("storage read failed: ") + e.what());
  }
}

template <class T, class Fn>
void SqliteStore::write(Fn fn, Callback<T> done) {
  submit(std::make_unique<FnJob<T, Fn>>(std::move(fn), std::move(done)));
}

template <class T, class Fn>
Result<T> SqliteStore::write_and_wait(Fn fn) {
  std::promise<Result<T>> p;
  auto f = p.get_future();
  write<T>(std::move(fn), [&p](Result<T> r) { p.set_value(std::move(r)); });
  return f.get();
}

template <class T, class Fn>
void SqliteStore::write_one_statement(Fn fn, Callback<T> done) {
  submit(std::make_unique<FnJob<T, Fn>>(std::move(fn), std::move(done), Undo::statement));
}

template <class T, class Fn>
void SqliteStore::write_checks_first(Fn fn, Callback<T> done, bool keeps_writer_cache) {
  submit(std::make_unique<FnJob<T, Fn>>(std::move(fn), std::move(done), Undo::whole_batch,
                                        keeps_writer_cache));
}

}  // namespace tonari::store::sqlite
