#include "store/postgres/pg.h"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>

namespace tonari::store::postgres {

// ---- Params ---------------------------------------------------------------------------

Params& Params::i64(std::int64_t v) { return text(std::to_string(v)); }

Params& Params::boolean(bool v) { return text(v ? "t" : "f"); }

Params& Params::f64(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // the shortest exact form
  return text(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

Params& Params::text(std::string_view v) {
  values_.emplace_back(v);
  is_null_.push_back(0);
  binary_.push_back(0);
  return *this;
}

Params& Params::bytes(std::string_view v) {
  text(v);
  binary_.back() = 1;
  return *this;
}

Params& Params::null() {
  text("");
  is_null_.back() = 1;
  return *this;
}

Params& Params::ids(const std::vector<std::int64_t>& v) {
  std::string s = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(v[i]);
  }
  s += '}';
  return text(s);
}

Params& Params::texts(const std::vector<std::string>& v) {
  std::string s = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += '"';
    for (char c : v[i]) {
      if (c == '"' || c == '\\') s += '\\';
      s += c;
    }
    s += '"';
  }
  s += '}';
  return text(s);
}

Params& Params::append(const Params& o) {
  values_.insert(values_.end(), o.values_.begin(), o.values_.end());
  is_null_.insert(is_null_.end(), o.is_null_.begin(), o.is_null_.end());
  binary_.insert(binary_.end(), o.binary_.begin(), o.binary_.end());
  return *this;
}

// ---- Results --------------------------------------------------------------------------

PgResult& PgResult::operator=(PgResult&& o) noexcept {
  if (this != &o) {
    if (r_) PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}

PgResult::~PgResult() {
  if (r_) PQclear(r_);
}

int PgResult::rows() const { return r_ ? PQntuples(r_) : 0; }

std::int64_t PgResult::affected() const {
  const char* n = r_ ? PQcmdTuples(r_) : "";
  std::int64_t v = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), v);
  return v;
}

bool Row::is_null(int col) const { return PQgetisnull(r_->r_, row_, col) != 0; }

std::string_view Row::view(int col) const {
  return std::string_view(PQgetvalue(r_->r_, row_, col),
                          static_cast<std::size_t>(PQgetlength(r_->r_, row_, col)));
}

std::int64_t Row::i64(int col) const {
  const std::string_view v = view(col);
  std::int64_t out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

double Row::f64(int col) const {
  const std::string_view v = view(col);
  double out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

bool Row::boolean(int col) const {
  const std::string_view v = view(col);
  return !v.empty() && v[0] == 't';
}

std::string Row::text(int col) const { return std::string(view(col)); }

std::string Row::bytes(int col) const {
  // bytea's text output: "\x" then two hex digits per byte.
  const std::string_view v = view(col);
  if (v.size() < 2 || v[0] != '\\' || v[1] != 'x') return std::string(v);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 0;
  };
  std::string out;
  out.reserve((v.size() - 2) / 2);
  for (std::size_t i = 2; i + 1 < v.size(); i += 2) {
    out += static_cast<char>(nibble(v[i]) << 4 | nibble(v[i + 1]));
  }
  return out;
}

// ---- Connection -----------------------------------------------------------------------

std::unique_ptr<PgConn> PgConn::open(const ConnectOptions& o) {
  // Defaults first, then the operator's URI: what the URI says wins (libpq keeps the last
  // value of a keyword), except the client encoding, which tonari's text needs. Keepalives and tcp_user_timeout notice a peer that went away
  // without closing the connection.
  const std::string connect_timeout = std::to_string(o.connect_timeout_s);
  const std::string user_timeout = std::to_string(o.reply_timeout_ms);
  const char* keys[] = {"connect_timeout", "keepalives",       "keepalives_idle",
                        "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                        "application_name", "dbname", "client_encoding", nullptr};
  const char* values[] = {connect_timeout.c_str(), "1", "5", "2", "3", user_timeout.c_str(),
                          "tonari", o.conninfo.c_str(), "UTF8", nullptr};
  PGconn* c = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (c == nullptr || PQstatus(c) != CONNECTION_OK) {
    std::string what = c ? PQerrorMessage(c) : "out of memory";
    while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
    if (c) PQfinish(c);
    throw PgError("cannot connect to the database: " + what, "", true);
  }
  PQsetnonblocking(c, 1);
  // Notices ("relation ... already exists, skipping") are not errors: not printed.
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  std::unique_ptr<PgConn> conn(new PgConn(c, o.reply_timeout_ms));
  // An acknowledgement means committed (whatever the server's default), and no statement
  // runs (or waits for a lock) for ever. tonari.words: this tonari writes the words of the
  // search documents itself (schema version 9: search_docs_words_by_others).
  conn->script(("SET synchronous_commit=on; SET tonari.words=on; SET statement_timeout=" +
                std::to_string(o.statement_timeout_ms))
                   .c_str());
  return conn;
}

PgConn::PgConn(pg_conn* c, int reply_timeout_ms) : c_(c), reply_timeout_ms_(reply_timeout_ms) {}

PgConn::~PgConn() { PQfinish(c_); }

bool PgConn::usable() const { return !broken_ && PQstatus(c_) == CONNECTION_OK; }

bool PgConn::in_transaction() const {
  const auto s = PQtransactionStatus(c_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

PgConn::Deadline PgConn::deadline() const {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(reply_timeout_ms_);
}

void PgConn::fail_broken(const std::string& what) {
  broken_ = true;
  std::string w = what;
  while (!w.empty() && (w.back() == '\n' || w.back() == ' ')) w.pop_back();
  throw PgError(w.empty() ? "the connection to the database was lost" : w, "", true);
}

namespace {

// Waits until the socket is ready for `events` or `until` passes: false then.
bool wait_socket(int fd, short events, std::chrono::steady_clock::time_point until,
                 short* revents) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          until - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (n > 0) {
      *revents = p.revents;
      return true;
    }
    if (n < 0 && errno != EINTR) return true;  // let libpq find out what is wrong
  }
}

}  // namespace

void PgConn::flush(Deadline until) {
  for (;;) {
    const int rc = PQflush(c_);
    if (rc == 0) return;
    if (rc < 0) fail_broken(PQerrorMessage(c_));
    short revents = 0;
    if (!wait_socket(PQsocket(c_), POLLIN | POLLOUT, until, &revents)) {
      fail_broken("the database did not take the request in time");
    }
    // The server may be blocked writing to us: read what it sent, or both sides wait.
    if ((revents & POLLIN) && !PQconsumeInput(c_)) fail_broken(PQerrorMessage(c_));
  }
}

pg_result* PgConn::next(Deadline until) {
  while (PQisBusy(c_)) {
    short revents = 0;
    if (!wait_socket(PQsocket(c_), POLLIN, until, &revents)) {
      fail_broken("the database did not answer within " + std::to_string(reply_timeout_ms_) +
                  " ms");
    }
    if (!PQconsumeInput(c_)) fail_broken(PQerrorMessage(c_));
  }
  return PQgetResult(c_);
}

PgError PgConn::error_of(pg_result* r) const {
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  std::string sqlstate = state ? state : "";
  std::string what = PQresultErrorMessage(r);
  while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
  // Class 08: connection exceptions; 57P01-57P03: the server is shutting down or starting.
  const bool broken = PQstatus(c_) != CONNECTION_OK || sqlstate.starts_with("08") ||
                      sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
  return PgError(what.empty() ? "the connection to the database was lost" : what, sqlstate,
                 broken);
}

PgResult PgConn::finish_statement(Deadline until) {
  PGresult* last = nullptr;
  std::optional<PgError> error;
  while (PGresult* r = next(until)) {
    const auto status = PQresultStatus(r);
    if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE ||
        status == PGRES_NONFATAL_ERROR) {
      if (!error) error = error_of(r);
      PQclear(r);
      continue;
    }
    if (last) PQclear(last);
    last = r;
  }
  if (error) {
    if (last) PQclear(last);
    if (error->broken()) broken_ = true;
    throw *error;
  }
  return PgResult(last);
}

const std::string& PgConn::statement_name(const std::string& sql, bool& fresh) {
  auto [it, inserted] = prepared_.try_emplace(sql);
  fresh = inserted;
  if (inserted) it->second = "t" + std::to_string(++names_);
  return it->second;
}

namespace {

struct ParamArrays {
  std::vector<const char*> values;
  std::vector<int> lengths;
  explicit ParamArrays(const std::vector<std::string>& v, const std::vector<char>& is_null) {
    values.reserve(v.size());
    lengths.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      values.push_back(is_null[i] ? nullptr : v[i].c_str());
      lengths.push_back(static_cast<int>(v[i].size()));
    }
  }
};

}  // namespace

PgResult PgConn::exec(const char* sql, const Params& p) {
  if (broken_) fail_broken("");
  const Deadline until = deadline();
  bool fresh = false;
  const std::string key(sql);
  const std::string name = statement_name(key, fresh);
  if (fresh) {
    try {
      if (!PQsendPrepare(c_, name.c_str(), sql, p.size(), nullptr)) fail_broken(PQerrorMessage(c_));
      flush(until);
      finish_statement(until);
    } catch (...) {
      prepared_.erase(key);
      throw;
    }
  }
  ParamArrays a(p.values_, p.is_null_);
  if (!PQsendQueryPrepared(c_, name.c_str(), p.size(), a.values.data(), a.lengths.data(),
                           p.binary_.data(), 0)) {
    fail_broken(PQerrorMessage(c_));
  }
  flush(until);
  return finish_statement(until);
}

PgResult PgConn::exec_planned(const std::string& sql, const Params& p) {
  if (broken_) fail_broken("");
  const Deadline until = deadline();
  ParamArrays a(p.values_, p.is_null_);
  if (!PQsendQueryParams(c_, sql.c_str(), p.size(), nullptr, a.values.data(), a.lengths.data(),
                         p.binary_.data(), 0)) {
    fail_broken(PQerrorMessage(c_));
  }
  flush(until);
  return finish_statement(until);
}

void PgConn::script(const char* sql) {
  if (broken_) fail_broken("");
  const Deadline until = deadline();
  if (!PQsendQuery(c_, sql)) fail_broken(PQerrorMessage(c_));
  flush(until);
  finish_statement(until);
}

void PgConn::pipeline(std::vector<Piped>& batch) {
  if (broken_) fail_broken("");
  if (batch.empty()) return;
  const Deadline until = deadline();
  if (!PQenterPipelineMode(c_)) fail_broken(PQerrorMessage(c_));
  // Statements first used here are prepared in the same pipeline, once each; they count as
  // prepared only once the server said so.
  std::vector<std::string> names(batch.size());
  std::vector<char> prepares(batch.size(), 0);
  std::unordered_set<std::string> preparing;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Piped& p = batch[i];
    bool fresh = false;
    names[i] = statement_name(p.sql, fresh);
    if (fresh) {
      preparing.insert(p.sql);
      prepares[i] = 1;
      if (!PQsendPrepare(c_, names[i].c_str(), p.sql, p.params.size(), nullptr)) {
        for (const auto& sql : preparing) prepared_.erase(sql);
        fail_broken(PQerrorMessage(c_));
      }
    }
    ParamArrays a(p.params.values_, p.params.is_null_);
    if (!PQsendQueryPrepared(c_, names[i].c_str(), p.params.size(), a.values.data(),
                             a.lengths.data(), p.params.binary_.data(), 0)) {
      for (const auto& sql : preparing) prepared_.erase(sql);
      fail_broken(PQerrorMessage(c_));
    }
  }
  if (!PQpipelineSync(c_)) fail_broken(PQerrorMessage(c_));
  try {
    flush(until);
    // One result (then nullptr) per message sent; then the sync point.
    auto read_one = [&](std::optional<PgResult>& result, std::optional<PgError>& error) {
      PGresult* kept = nullptr;
      while (PGresult* r = next(until)) {
        const auto status = PQresultStatus(r);
        if (status == PGRES_PIPELINE_ABORTED) {
          if (!error) error.emplace("skipped: an earlier statement of the batch failed", "", false);
          PQclear(r);
        } else if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE) {
          if (!error) error = error_of(r);
          PQclear(r);
        } else {
          if (kept) PQclear(kept);
          kept = r;
        }
      }
      if (kept && !error) result.emplace(kept);
      else if (kept) PQclear(kept);
    };
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Piped& p = batch[i];
      if (prepares[i]) {
        std::optional<PgResult> ignored;
        std::optional<PgError> error;
        read_one(ignored, error);
        if (error) {
          prepared_.erase(p.sql);
          p.error = std::move(error);
        }
      }
      std::optional<PgError> error;
      read_one(p.result, error);
      if (!p.error) p.error = std::move(error);
      if (p.error) p.result.reset();
    }
    PGresult* sync = next(until);
    if (sync == nullptr || PQresultStatus(sync) != PGRES_PIPELINE_SYNC) {
      if (sync) PQclear(sync);
      fail_broken("the database answered a batch out of order");
    }
    PQclear(sync);
  } catch (const PgError&) {
    broken_ = true;
    throw;
  }
  for (const Piped& p : batch) {
    if (p.error && p.error->broken()) fail_broken(p.error->what());
  }
  if (!PQexitPipelineMode(c_)) fail_broken(PQerrorMessage(c_));
}

}  // namespace tonari::store::postgres
