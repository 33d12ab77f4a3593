// Test helpers around a real SqliteStore: a fresh temporary directory per test, synchronous
// wrappers over the asynchronous write API, and a small municipality to work with.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "services/accounts.h"
#include "store/sqlite/sqlite_store.h"

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

// One municipality (tenant) with a department and four staff, plus a second municipality
// with one user, in a fresh SQLite file.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_path_ = (dir_.path() / "tonari.db").string();
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

  void open() {
    store::sqlite::Options opts;
    opts.path = db_path_;
    opts.synchronous = "NORMAL";
    store_ = std::make_unique<store::sqlite::SqliteStore>(opts);
  }
  void reopen() {
    store_.reset();
    open();
  }

  store::sqlite::SqliteStore& store() { return *store_; }

 public:
  template <class T>
  static T must(Result<T> r) {
    if (!r.ok()) {
      ADD_FAILURE() << "unexpected error: " << code_name(r.status().code()) << ": "
                    << r.status().message();
      throw std::runtime_error("setup failed");
    }
    return std::move(r).value();
  }

 protected:
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

  TempDir dir_;
  std::string db_path_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  Tenant tenant_, other_tenant_;
  Department dept_;
  User alice_, bob_, carol_, dave_, eve_;
};

}  // namespace tonari::testing
