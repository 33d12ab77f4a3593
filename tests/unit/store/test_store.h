// Test helpers around a real store: synchronous wrappers over the asynchronous write API,
// a small municipality to work with (StoreFixture, on any Store), and SqliteStoreTest, the
// fixture of the SQLite-only tests (a fresh SqliteStore in a temporary directory per test).
// The tests every store must pass are in conformance/ (StoreTest, on each kind of store).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "services/accounts.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace tonari::testing {

constexpr TimeMs kT0 = 1'700'000'000'000;

// A directory created fresh (mkdtemp) and removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "tonari-unit-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs an asynchronous store write and waits for its callback.
template <class T, class Start>
Result<T> wait(Start start) {
  return services::wait_for<T>(std::move(start));
}

// The value of `r`; a failure of the test (and an exception, which ends it) otherwise.
template <class T>
T must(Result<T> r) {
  if (!r.ok()) {
    ADD_FAILURE() << "unexpected error: " << code_name(r.status().code()) << ": "
                  << r.status().message();
    throw std::runtime_error("setup failed");
  }
  return std::move(r).value();
}

// Asks `done` every 25 ms until it says yes or `limit` has passed; returns its last answer
// (for what a store's background thread does by itself).
template <class Done>
bool eventually(Done done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  for (const auto end = std::chrono::steady_clock::now() + limit;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

// ---- Reading what the store returned ---------------------------------------------------

inline boost::json::object parse_frame(const RoomEvent& e) {
  return boost::json::parse(*e.frame).as_object();
}
inline std::string str_at(const boost::json::object& o, const char* key) {
  return std::string(o.at(key).as_string());
}
inline std::string type_of(const RoomEvent& e) { return str_at(parse_frame(e), "type"); }

inline std::vector<UserId> ids_of(const std::vector<User>& users) {
  std::vector<UserId> out;
  for (const User& u : users) out.push_back(u.id);
  return out;
}
inline std::vector<UserId> ids_of(const store::MemberPage& page) {
  std::vector<UserId> out;
  for (const auto& [u, m] : page.members) out.push_back(u.id);
  return out;
}

// read_counts as (seq, count) pairs.
using Counts = std::vector<std::pair<Seq, std::int64_t>>;
inline Counts counts_of(const std::vector<store::ReadCount>& rc) {
  Counts out;
  for (const auto& c : rc) out.emplace_back(c.seq, c.count);
  return out;
}

// One municipality (tenant) with a department and four staff, plus a second municipality
// with one user, in a fresh store that a subclass opens (open_store).
class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    open();
    tenant_ = must(wait<Tenant>([&](auto cb) { store().create_tenant("999001", "テスト市", kT0, cb); }));
    other_tenant_ =
        must(wait<Tenant>([&](auto cb) { store().create_tenant("999002", "よそ町", kT0, cb); }));
    Department d;
    d.tenant = tenant_.id;
    d.name = "防災係";
    d.reading = "ぼうさいがかり";
    dept_ = must(wait<Department>([&](auto cb) { store().create_department(d, cb); }));
    alice_ = make_user(tenant_.id, "alice", "阿部 愛", "あべ あい");
    bob_ = make_user(tenant_.id, "bob", "伊藤 文", "いとう ぶん");
    carol_ = make_user(tenant_.id, "carol", "上田 花", "うえだ はな");
    dave_ = make_user(tenant_.id, "dave", "遠藤 大", "えんどう だい");
    eve_ = make_user(other_tenant_.id, "eve", "大塚 恵", "おおつか めぐみ");
  }

  void TearDown() override { store_.reset(); }

  // A new store object on the fixture's database: the same data as store() (and, while
  // store() is open, a second node of the same cluster).
  virtual std::unique_ptr<store::Store> open_store() = 0;

  void open() { store_ = open_store(); }
  void reopen() {
    store_.reset();
    open();
  }

  store::Store& store() { return *store_; }

  User make_user(TenantId tenant, const std::string& login, const std::string& name,
                 const std::string& reading) {
    store::NewUser u;
    u.tenant = tenant;
    u.login = login;
    u.name = name;
    u.reading = reading;
    u.dept = tenant == tenant_.id ? dept_.id : 0;
    u.password_hash = "not-a-real-hash";
    return must(wait<User>([&](auto cb) { store().create_user(u, kT0, cb); }));
  }

  Result<store::RoomChange> create_group(UserId creator, std::vector<UserId> members,
                                         const std::string& name = "防災訓練PJ") {
    store::NewRoom r;
    r.tenant = tenant_.id;
    r.kind = RoomKind::group;
    r.name = name;
    r.creator = creator;
    r.members = std::move(members);
    r.now = kT0;
    return wait<store::RoomChange>([&](auto cb) { store().create_room(r, cb); });
  }

  Result<store::RoomChange> create_direct(UserId creator, UserId peer) {
    store::NewRoom r;
    r.tenant = tenant_.id;
    r.kind = RoomKind::direct;
    r.creator = creator;
    r.members = {peer};
    r.now = kT0;
    return wait<store::RoomChange>([&](auto cb) { store().create_room(r, cb); });
  }

  Result<store::RoomChange> post(RoomId room, UserId sender, const std::string& client_id,
                                 const std::string& body, Seq reply_to = 0,
                                 std::vector<UserId> mentions = {}, TimeMs now = kT0 + 1000) {
    store::NewMessage m;
    m.room = room;
    m.sender = sender;
    m.client_id = client_id;
    m.body = body;
    m.reply_to = reply_to;
    m.mentions = std::move(mentions);
    m.now = now;
    if (auto u = store().user(sender); u.ok()) m.tenant = u->tenant;  // as Messages::post does
    return wait<store::RoomChange>([&](auto cb) { store().post_message(m, cb); });
  }

  Result<store::ReadChange> mark_read(RoomId room, UserId user, Seq seq, TenantId tenant = 0) {
    return wait<store::ReadChange>([&](auto cb) { store().mark_read(room, user, seq, tenant, cb); });
  }

  // Every stored event of `room`, in order.
  std::vector<RoomEvent> all_events(RoomId room) {
    return must(store().events_after(room, 0, 100000));
  }
  // A group room of alice (owner), bob and carol.
  Room group_room() { return must(create_group(alice_.id, {bob_.id, carol_.id})).room; }

  std::unique_ptr<store::Store> store_;
  Tenant tenant_, other_tenant_;
  Department dept_;
  User alice_, bob_, carol_, dave_, eve_;
};

// The fixture on a fresh SQLite file, for what only SQLite has (its schema, writer, files)
// and for the services' tests.
class SqliteStoreTest : public StoreFixture {
 protected:
  std::unique_ptr<store::Store> open_store() override {
    store::sqlite::Options opts;
    opts.path = db_path_;
    opts.synchronous = "NORMAL";
    return std::make_unique<store::sqlite::SqliteStore>(opts);
  }
  store::sqlite::SqliteStore& sqlite() { return static_cast<store::sqlite::SqliteStore&>(*store_); }

  TempDir dir_;
  std::string db_path_ = (dir_.path() / "tonari.db").string();
};

}  // namespace tonari::testing
