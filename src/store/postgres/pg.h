// A thin RAII layer over libpq: one connection with its prepared statements (made on first
// use, keyed by the statement's text), typed parameters and column reads, and a pipeline
// that sends many statements in one round trip. Every wait for the server is bounded: a
// reply that does not come in time breaks the connection instead of hanging.
// Errors throw PgError, which never leaves the store module.
// Thread safety: a PgConn is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

struct pg_conn;
struct pg_result;

namespace tonari::store::postgres {

class PgError : public std::runtime_error {
 public:
  PgError(const std::string& what, std::string sqlstate, bool broken)
      : std::runtime_error(what), sqlstate_(std::move(sqlstate)), broken_(broken) {}
  // The five-character SQLSTATE ("23505"), empty when the server sent none.
  const std::string& sqlstate() const { return sqlstate_; }
  // The connection cannot be used any more (lost, timed out, the server shutting down).
  bool broken() const { return broken_; }
  // A unique, foreign-key or check constraint refused the statement.
  bool is_constraint() const { return sqlstate_.starts_with("23"); }
  // A deadlock or serialization failure: the transaction may succeed when run again.
  bool is_retryable() const { return sqlstate_ == "40P01" || sqlstate_ == "40001"; }

 private:
  std::string sqlstate_;
  bool broken_;
};

// The parameters of one statement, $1, $2 ... in the order added. Text goes as text;
// bytes() as binary (bytea), so they need no escaping.
class Params {
 public:
  Params& i64(std::int64_t v);
  Params& boolean(bool v);
  Params& f64(double v);
  Params& text(std::string_view v);
  Params& bytes(std::string_view v);
  Params& null();
  // A bigint[] (for `= ANY($n)`).
  Params& ids(const std::vector<std::int64_t>& v);
  // A text[].
  Params& texts(const std::vector<std::string>& v);

  // The parameters of `o`, after these.
  Params& append(const Params& o);

  int size() const { return static_cast<int>(values_.size()); }

 private:
  friend class PgConn;
  std::vector<std::string> values_;
  std::vector<char> is_null_;
  std::vector<int> binary_;
};

class PgResult;

// One row of a result.
class Row {
 public:
  Row(const PgResult& r, int row) : r_(&r), row_(row) {}
  bool is_null(int col) const;
  std::int64_t i64(int col) const;  // 0 for NULL
  bool boolean(int col) const;      // false for NULL
  double f64(int col) const;        // 0 for NULL
  std::string text(int col) const;  // "" for NULL
  std::string_view view(int col) const;
  // A bytea column's bytes (the text form "\x..." decoded).
  std::string bytes(int col) const;

 private:
  const PgResult* r_;
  int row_;
};

// The rows of a statement (owned; freed with the object).
class PgResult {
 public:
  explicit PgResult(pg_result* r) : r_(r) {}
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PgResult& operator=(PgResult&& o) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult();

  int rows() const;
  Row row(int i) const { return Row(*this, i); }
  bool empty() const { return rows() == 0; }
  // Rows an INSERT, UPDATE or DELETE changed.
  std::int64_t affected() const;

 private:
  friend class Row;
  pg_result* r_;
};

// A statement of a pipeline and what became of it.
struct Piped {
  const char* sql;
  Params params;
  std::optional<PgResult> result;  // filled when it ran
  std::optional<PgError> error;    // filled when it failed or was skipped after a failure
};

struct ConnectOptions {
  std::string conninfo;
  int connect_timeout_s = 5;
  int statement_timeout_ms = 10000;
  // How long a reply may take before the connection is given up (a server that hangs
  // without closing the socket): the statement timeout plus a margin.
  int reply_timeout_ms = 15000;
};

class PgConn {
 public:
  // Connects and sets up the session (synchronous_commit, statement_timeout). Throws PgError
  // (broken) if the server cannot be reached.
  static std::unique_ptr<PgConn> open(const ConnectOptions& options);
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  // Runs one statement through a prepared statement of this connection and returns its
  // rows. Throws PgError.
  PgResult exec(const char* sql, const Params& params = {});
  PgResult exec(const std::string& sql, const Params& params = {}) {
    return exec(sql.c_str(), params);
  }
  // Runs one statement without preparing it (the unnamed statement), planned for these
  // parameter values each time: for a statement whose best plan depends on its values (a
  // search: how frequent its terms are), which a prepared statement's generic plan cannot
  // see, or whose text takes too many shapes to keep each prepared. Throws PgError.
  PgResult exec_planned(const std::string& sql, const Params& params);
  // Runs a script of statements without parameters (the simple query protocol: BEGIN,
  // migrations). Throws PgError.
  void script(const char* sql);

  // Sends every statement of `batch` in one pipeline with one sync point and reads their
  // results into them: one round trip. After a statement fails, the ones after it are
  // skipped (their error says so) and an open transaction is left failed. Throws PgError
  // only when the connection breaks.
  void pipeline(std::vector<Piped>& batch);

  // False once the connection is lost: it must be closed, not reused.
  bool usable() const;
  // The transaction status: true if inside a transaction block (or a failed one).
  bool in_transaction() const;

 private:
  explicit PgConn(pg_conn* c, int reply_timeout_ms);
  using Deadline = std::chrono::steady_clock::time_point;
  Deadline deadline() const;
  // Sends what libpq has buffered; waits (boundedly) while the socket is full.
  void flush(Deadline until);
  // The next result (nullptr between statements), waiting boundedly for it.
  pg_result* next(Deadline until);
  // Reads a statement's results up to the nullptr that ends them: the last one.
  PgResult finish_statement(Deadline until);
  // The name of `sql`'s prepared statement; `fresh` is set when it must be prepared first.
  const std::string& statement_name(const std::string& sql, bool& fresh);
  [[noreturn]] void fail_broken(const std::string& what);
  PgError error_of(pg_result* r) const;

  pg_conn* c_;
  const int reply_timeout_ms_;
  bool broken_ = false;
  std::unordered_map<std::string, std::string> prepared_;
  std::int64_t names_ = 0;  // prepared statements named so far (t1, t2 ...)
};

}  // namespace tonari::store::postgres
