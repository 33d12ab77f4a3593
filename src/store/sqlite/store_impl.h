// Internal to the SQLite store: the reader lease and the read/write wrappers shared by
// sqlite_store*.cc.
#pragma once

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

template <class T, class Fn>
Result<T> SqliteStore::read(Fn fn) {
  try {
    auto lease = reader();
    return fn(*lease);
  } catch (const DbError& e) {
    return Status(Code::internal, std::string("storage read failed: ") + e.what());
  }
}

template <class T, class Fn>
void SqliteStore::write(Fn fn, Callback<T> done) {
  submit(std::make_unique<FnJob<T, Fn>>(std::move(fn), std::move(done)));
}

template <class T, class Fn>
void SqliteStore::write_one_statement(Fn fn, Callback<T> done) {
  submit(std::make_unique<FnJob<T, Fn>>(std::move(fn), std::move(done), Undo::statement));
}

template <class T, class Fn>
void SqliteStore::write_checks_first(Fn fn, Callback<T> done) {
  submit(std::make_unique<FnJob<T, Fn>>(std::move(fn), std::move(done), Undo::whole_batch));
}

}  // namespace tonari::store::sqlite
