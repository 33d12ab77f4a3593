// What only the PostgreSQL store has: a database server that can go away and come back,
// and a schema that `tonari admin migrate` moves forward. These tests stop, kill and
// restart a PostgreSQL of their own (scripts/test-pg.sh in a temporary directory), so the
// shared one of test_postgres.h is left alone. Their names contain "Postgres": they run in
// the one process of the PostgreSQL tests (tests/unit/CMakeLists.txt).
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "services/accounts.h"
#include "store/postgres/pg_store.h"

namespace tonari::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr TimeMs kT0 = 1'700'000'000'000;

template <class T, class Start>
Result<T> wait(Start start) {
  return services::wait_for<T>(std::move(start));
}

// scripts/test-pg.sh on a directory of its own: start (the URI), stop, kill, restart.
class OwnServer {
 public:
  OwnServer() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tonari-pgown-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
  }
  ~OwnServer() {
    quiet_ = true;
    control("stop");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // Starts the server (again: on the same port) and returns its URI, "failed" if it did not.
  std::string start() { return run("start"); }
  std::string run_restart() { return run("restart"); }
  // Runs stop, kill or restart; false if that failed.
  bool control(const std::string& command) { return run(command) != "failed"; }

 private:
  std::string run(const std::string& command) {
    const std::string line = std::string(TONARI_SOURCE_DIR) + "/scripts/test-pg.sh " + command +
                             " '" + dir_.string() + "' 2>&1";
    FILE* out = popen(line.c_str(), "r");
    if (!out) return "";
    std::string printed;
    char buffer[256];
    while (fgets(buffer, sizeof buffer, out) != nullptr) printed += buffer;
    const int status = pclose(out);
    while (!printed.empty() && (printed.back() == '\n' || printed.back() == '\r')) printed.pop_back();
    if (status != 0 && !quiet_) ADD_FAILURE() << "test-pg.sh " << command << ": " << printed;
    return status == 0 ? printed : "failed";
  }

 public:
  // Runs `sql` on the server (a fresh connection).
  bool sql(const std::string& uri, const std::string& text) {
    PGconn* c = PQconnectdb(uri.c_str());
    bool ok = PQstatus(c) == CONNECTION_OK;
    if (ok) {
      PGresult* r = PQexec(c, text.c_str());
      ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
      if (!ok) ADD_FAILURE() << PQresultErrorMessage(r);
      PQclear(r);
    }
    PQfinish(c);
    return ok;
  }

 private:
  std::filesystem::path dir_;
  bool quiet_ = false;
};

// One server for the suite (initdb takes seconds); each test starts it if the one before
// left it stopped, and gets an empty database (its schema dropped).
class PostgresOwnServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new OwnServer; }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    uri_ = server_->start();
    ASSERT_TRUE(uri_.starts_with("postgres://")) << "the test PostgreSQL did not start: " << uri_;
    ASSERT_TRUE(server_->sql(uri_, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"));
  }

  std::unique_ptr<store::postgres::PgStore> open() {
    return std::make_unique<store::postgres::PgStore>(
        store::postgres::Options{.conninfo = uri_, .pool_size = 2, .writers = 2});
  }

  static OwnServer* server_;
  std::string uri_;
};

OwnServer* PostgresOwnServer::server_ = nullptr;

// Retries `attempt` (a Result) until it succeeds or `within` passes; the last result.
template <class Attempt>
auto eventually(Attempt attempt, std::chrono::milliseconds within) {
  const auto until = Clock::now() + within;
  auto r = attempt();
  while (!r.ok() && Clock::now() < until) {
    std::this_thread::sleep_for(50ms);
    r = attempt();
  }
  return r;
}

TEST_F(PostgresOwnServer, WritesAndReadsFailFastWhileTheDatabaseIsDownAndRecoverAfter) {
  ASSERT_EQ(store::postgres::migrate(uri_), store::postgres::latest_version());
  auto store = open();
  ASSERT_TRUE(wait<Tenant>([&](auto cb) { store->create_tenant("999001", "テスト市", kT0, cb); }).ok());

  ASSERT_TRUE(server_->control("stop"));
  const auto down = Clock::now();
  auto write = wait<Tenant>([&](auto cb) { store->create_tenant("999002", "よそ町", kT0, cb); });
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.status().code(), Code::unavailable) << write.status().message();
  auto read = store->tenant_by_code("999001");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), Code::unavailable) << read.status().message();
  EXPECT_EQ(store->ping().code(), Code::unavailable);
  // Failing fast: no wait for a timeout.
  EXPECT_LT(Clock::now() - down, 3s);
  // Writes queued while it is down fail too (none waits for ever).
  for (int i = 0; i < 5; ++i) {
    auto again = wait<Tenant>([&](auto cb) { store->create_tenant("99900" + std::to_string(3 + i), "町", kT0, cb); });
    EXPECT_EQ(again.status().code(), Code::unavailable);
  }

  ASSERT_EQ(server_->start(), uri_);  // the same port
  // The store reconnects by itself, reads and writes alike.
  auto after = eventually([&] { return store->tenant_by_code("999001"); }, 10s);
  ASSERT_TRUE(after.ok()) << after.status().message();
  auto written = eventually(
      [&] { return wait<Tenant>([&](auto cb) { store->create_tenant("999002", "よそ町", kT0, cb); }); },
      10s);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_TRUE(store->ping().is_ok());
  EXPECT_TRUE(store->tenant_by_code("999002").ok());
}

TEST_F(PostgresOwnServer, ARestartWhileIdleCostsNoRequestAnError) {
  ASSERT_EQ(store::postgres::migrate(uri_), store::postgres::latest_version());
  auto store = open();
  ASSERT_TRUE(wait<Tenant>([&](auto cb) { store->create_tenant("999001", "テスト市", kT0, cb); }).ok());
  ASSERT_TRUE(store->tenant_by_code("999001").ok());
  ASSERT_EQ(server_->run_restart(), uri_);
  // Every pooled connection died with the old server: the first read and the first write
  // after it find out, and run again on a new connection instead of failing.
  auto read = store->tenant_by_code("999001");
  EXPECT_TRUE(read.ok()) << read.status().message();
  auto write = wait<Tenant>([&](auto cb) { store->create_tenant("999002", "よそ町", kT0, cb); });
  EXPECT_TRUE(write.ok()) << write.status().message();
}

TEST_F(PostgresOwnServer, AWriterBackFromAnOutageWakesTheOthersThatWereDown) {
  ASSERT_EQ(store::postgres::migrate(uri_), store::postgres::latest_version());
  auto store = open();  // two writers: rooms of odd ids go to writer 1, the rest to 0
  auto tenant = wait<Tenant>([&](auto cb) { store->create_tenant("999001", "テスト市", kT0, cb); });
  ASSERT_TRUE(tenant.ok());
  store::NewUser u;
  u.tenant = tenant->id;
  u.login = "alice";
  u.name = "alice";
  u.reading = "alice";
  u.password_hash = "x";
  auto alice = wait<User>([&](auto cb) { store->create_user(u, kT0, cb); });
  ASSERT_TRUE(alice.ok());
  RoomId odd = 0;
  while (odd == 0) {
    store::NewRoom nr;
    nr.tenant = tenant->id;
    nr.name = "room";
    nr.creator = alice->id;
    nr.now = kT0;
    auto room = wait<store::RoomChange>([&](auto cb) { store->create_room(nr, cb); });
    ASSERT_TRUE(room.ok());
    if (room->room.id % 2 == 1) odd = room->room.id;
  }
  auto post = [&](int i) {
    store::NewMessage m;
    m.room = odd;
    m.sender = alice->id;
    m.sender_name = "alice";
    m.client_id = "c" + std::to_string(i);
    m.body = "本文";
    m.now = kT0 + i;
    m.tenant = tenant->id;
    return wait<store::RoomChange>([&](auto cb) { store->post_message(m, cb); });
  };

  // Writer 0 fails a write and stays without a connection, trying again after 0.1, 0.3,
  // 0.7, 1.5 and 3.1 s, then every 2 s (writer.cc, kMinBackoff and kMaxBackoff). The
  // database comes back just after the 3.1 s try, so that on its own writer 0 would
  // connect again only at 5.1 s, well over a second after the database is back.
  ASSERT_TRUE(server_->control("stop"));
  auto refused = wait<Tenant>([&](auto cb) { store->create_tenant("999002", "よそ町", kT0, cb); });
  EXPECT_EQ(refused.status().code(), Code::unavailable);
  std::this_thread::sleep_for(3200ms);
  ASSERT_EQ(server_->start(), uri_);
  // Writer 1 finds the database back (its dead connection replaced at once)...
  auto posted = post(1);
  ASSERT_TRUE(posted.ok()) << posted.status().message();
  // ... and writer 0 with it, not at the end of its backoff.
  const auto back = Clock::now();
  auto written = eventually(
      [&] { return wait<Tenant>([&](auto cb) { store->create_tenant("999002", "よそ町", kT0, cb); }); },
      10s);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_LT(Clock::now() - back, 500ms);
}

TEST_F(PostgresOwnServer, AKilledDatabaseNeverCostsAnAcknowledgedPost) {
  ASSERT_EQ(store::postgres::migrate(uri_), store::postgres::latest_version());
  auto store = open();
  auto tenant = wait<Tenant>([&](auto cb) { store->create_tenant("999001", "テスト市", kT0, cb); });
  ASSERT_TRUE(tenant.ok());
  std::vector<User> users;
  for (const char* login : {"alice", "bob"}) {
    store::NewUser u;
    u.tenant = tenant->id;
    u.login = login;
    u.name = login;
    u.reading = login;
    u.password_hash = "x";
    auto made = wait<User>([&](auto cb) { store->create_user(u, kT0, cb); });
    ASSERT_TRUE(made.ok());
    users.push_back(*made);
  }
  store::NewRoom nr;
  nr.tenant = tenant->id;
  nr.name = "room";
  nr.creator = users[0].id;
  nr.members = {users[1].id};
  nr.now = kT0;
  auto room = wait<store::RoomChange>([&](auto cb) { store->create_room(nr, cb); });
  ASSERT_TRUE(room.ok());

  // Posts from two threads while the server is killed (no clean shutdown) and started
  // again: each is acknowledged (then stored) or fails with unavailable, never anything else.
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::string> acked;
  int answered = 0, submitted = 0, unavailable = 0;
  std::atomic<bool> stop{false};
  std::vector<std::thread> senders;
  for (int t = 0; t < 2; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        store::NewMessage m;
        m.room = room->room.id;
        m.sender = users[t].id;
        m.sender_name = users[t].name;
        m.client_id = "c" + std::to_string(t) + "-" + std::to_string(i);
        m.body = "本文";
        m.now = kT0 + i;
        m.tenant = tenant->id;
        {
          std::lock_guard lock(mu);
          ++submitted;
        }
        store->post_message(m, [&, id = m.client_id](Result<store::RoomChange> r) {
          std::lock_guard lock(mu);
          if (r.ok()) {
            acked.insert(id);
          } else if (r.status().code() == Code::unavailable) {
            ++unavailable;
          } else {
            ADD_FAILURE() << code_name(r.status().code()) << ": " << r.status().message();
          }
          ++answered;
          cv.notify_all();
        });
        std::this_thread::sleep_for(200us);
      }
    });
  }
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(server_->control("kill"));
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(server_->start(), uri_);
  std::this_thread::sleep_for(1500ms);
  stop = true;
  for (auto& s : senders) s.join();
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return answered == submitted; }))
        << answered << " of " << submitted << " answered";
  }
  EXPECT_GT(unavailable, 0);  // the kill was noticed
  EXPECT_GT(acked.size(), 0u);

  // Every acknowledged post is stored (and nothing else), numbered without gaps.
  auto msgs = eventually([&] { return store->messages(room->room.id, 0, 0, 1000000); }, 10s);
  ASSERT_TRUE(msgs.ok()) << msgs.status().message();
  std::set<std::string> stored;
  for (std::size_t i = 0; i < msgs->size(); ++i) {
    EXPECT_EQ((*msgs)[i].seq, static_cast<Seq>(i + 1));
    stored.insert((*msgs)[i].client_id);
  }
  for (const auto& id : acked) EXPECT_TRUE(stored.count(id)) << "acknowledged, then lost: " << id;
  // A commit whose outcome was unknown may have stored a post that was answered
  // unavailable; a retry with its client id then answers with it.
  EXPECT_LE(stored.size(), acked.size() + static_cast<std::size_t>(unavailable));
}

TEST_F(PostgresOwnServer, ADatabaseOfAnotherVersionIsRefusedWithWhatToDo) {
  try {
    open();
    ADD_FAILURE() << "a database without tonari's schema was opened";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tonari admin migrate"), std::string::npos) << e.what();
  }
  ASSERT_EQ(store::postgres::migrate(uri_), store::postgres::latest_version());
  EXPECT_NO_THROW(open());
  const std::int64_t newer = store::postgres::latest_version() + 1;
  ASSERT_TRUE(server_->sql(uri_, "UPDATE schema_version SET version=" + std::to_string(newer)));
  try {
    open();
    ADD_FAILURE() << "a newer tonari's database was opened";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
  EXPECT_THROW(store::postgres::migrate(uri_), std::runtime_error);
}

TEST_F(PostgresOwnServer, NodesMigratingAtOnceApplyEachMigrationOnce) {
  std::vector<std::thread> nodes;
  std::atomic<int> reached{0};
  for (int i = 0; i < 4; ++i) {
    nodes.emplace_back([&] {
      try {
        if (store::postgres::migrate(uri_) == store::postgres::latest_version()) ++reached;
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    });
  }
  for (auto& n : nodes) n.join();
  EXPECT_EQ(reached.load(), 4);
  EXPECT_TRUE(server_->sql(uri_, "SELECT 1/(CASE WHEN count(*)=1 THEN 1 ELSE 0 END) FROM schema_version"));
  EXPECT_NO_THROW(open());
}

TEST_F(PostgresOwnServer, AnUnreachableDatabaseIsRefusedAtStartUp) {
  ASSERT_TRUE(server_->control("stop"));
  const auto start = Clock::now();
  EXPECT_THROW(open(), std::runtime_error);
  EXPECT_THROW(store::postgres::migrate(uri_), std::runtime_error);
  EXPECT_LT(Clock::now() - start, 10s);
}

}  // namespace
}  // namespace tonari::testing
