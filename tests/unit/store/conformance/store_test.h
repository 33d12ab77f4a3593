// The store conformance suite: the tests every Store implementation passes, the same for
// each. StoreTest is parameterized by the kind of store; each test gets a fresh, empty store
// of that kind (a temporary SQLite file, or a PostgreSQL database copied from a migrated
// template: test_postgres.h) with StoreFixture's small municipality in it. Tests read as
// Conformance/StoreTest.<Name>/<Kind>, e.g.
// Conformance/StoreTest.ReadCountsExcludeTheSender/Postgres.
//
// A new store test goes here unless it is about one implementation's internals (SQLite's
// schema upgrades, writer, files: tests/unit/store/sqlite_*_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "store/test_store.h"

namespace tonari::testing {

enum class StoreKind { sqlite, postgres };

// "Sqlite", "Postgres": the last part of a test's name.
std::string kind_name(StoreKind kind);
// How GoogleTest shows the parameter of a failed test.
inline void PrintTo(StoreKind kind, std::ostream* out) { *out << kind_name(kind); }

// A fresh, empty database of one kind, and stores opened on it. Destroying it removes the
// database; every store opened on it must be closed first.
class ScratchDatabase {
 public:
  // A new database of `kind`; an error saying why not (e.g. no PostgreSQL installed).
  static Result<std::unique_ptr<ScratchDatabase>> create(StoreKind kind);
  virtual ~ScratchDatabase() = default;
  // A new store object on the database (a second one while the first is open: as a
  // second node of a cluster would).
  virtual std::unique_ptr<store::Store> open() = 0;
  // Runs `sql` (one or more statements) on the database behind the stores' backs, for tests
  // that break what a store keeps (search_test.cc): the SQL is of this kind's dialect.
  virtual Status exec(const std::string& sql) = 0;
};

class StoreTest : public StoreFixture, public ::testing::WithParamInterface<StoreKind> {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::unique_ptr<store::Store> open_store() override { return database_->open(); }

  Result<Department> department(const std::string& name, DeptId parent = 0,
                                const std::string& code = {}) {
    Department d;
    d.tenant = tenant_.id;
    d.parent = parent;
    d.name = name;
    d.code = code;
    return wait<Department>([&](auto cb) { store().create_department(d, cb); });
  }
  Result<store::RoomChange> remove(RoomId room, UserId by, UserId user, TimeMs now = kT0 + 100) {
    return wait<store::RoomChange>(
        [&](auto cb) { store().remove_member(room, by, user, now, nullptr, cb); });
  }
  Result<store::RoomChange> add(RoomId room, UserId by, std::vector<UserId> users, TimeMs now) {
    return wait<store::RoomChange>(
        [&](auto cb) { store().add_members(room, by, users, now, 0, nullptr, cb); });
  }
  Result<store::RoomChange> take_over(RoomId room, UserId user) {
    return wait<store::RoomChange>(
        [&](auto cb) { store().take_over_room(room, user, kT0 + 200, cb); });
  }
  Result<store::RoomChange> update(RoomId room, UserId by, store::RoomPatch patch,
                                   store::RoomRule may = nullptr, TimeMs now = kT0 + 300) {
    return wait<store::RoomChange>(
        [&](auto cb) { store().update_room(room, by, patch, now, may, cb); });
  }
  Result<store::RoomChange> set_role(RoomId room, UserId by, UserId user, MemberRole role,
                                     store::RoomRule may = nullptr, TimeMs now = kT0 + 300) {
    return wait<store::RoomChange>(
        [&](auto cb) { store().set_member_role(room, by, user, role, now, may, cb); });
  }
  Result<User> update_user(UserId user, store::UserPatch patch) {
    return wait<User>([&](auto cb) { store().update_user(user, patch, cb); });
  }
  // A group room of alice with `rules` (and a description).
  Result<store::RoomChange> create_with_rules(RoomRules rules, std::vector<UserId> members,
                                              const std::string& name = "お知らせ");
  // The room's system messages (MessageKind::system), in order.
  std::vector<Message> system_messages(RoomId room);
  // The body of a system message, parsed (wire::SystemNote's JSON).
  static boost::json::object note_of(const Message& m);
  // The note of a message.created frame of a system message ({} if it is not one).
  static boost::json::object note_of(const RoomEvent& e);
  MemberRole role(RoomId room, UserId user);
  std::vector<UserId> owners(RoomId room);
  // Every page of `filter`'s member list of `room`, `limit` rows at a time, joined.
  std::vector<UserId> walk(RoomId room, int limit, store::MemberFilter filter = {});

  // ---- Files (files_test.cc) ----
  static constexpr TimeMs kLease = 90'000;  // a sanitizing job's lease
  // An upload of `uploader` to `room` (of the fixture's municipality unless `tenant`).
  Result<FileInfo> upload(RoomId room, UserId uploader, const std::string& name,
                          std::int64_t size = 1000, TimeMs now = kT0 + 500,
                          std::int64_t quota = 0, TenantId tenant = 0);
  Result<store::RoomChange> post_files(RoomId room, UserId sender, const std::string& client_id,
                                       std::vector<FileId> files, const std::string& body = "",
                                       TimeMs now = kT0 + 1000);
  // claim_file_job on store(), or on `on`.
  Result<std::optional<FileInfo>> claim(std::int64_t node, TimeMs now, store::Store* on = nullptr);
  Result<std::int64_t> release(std::int64_t node);
  // finish_file_job with an outcome of `state` (a ready one has a sanitized copy "写真.jpg";
  // every one a thumbnail, 4032x3024 and a position).
  Result<store::RoomChange> finish(FileId file, std::int64_t node, FileState state,
                                   const std::string& reason = {}, TimeMs now = kT0 + 2000);
  // Claims jobs as `node` until it gets `id`'s (the oldest first): the lease on it.
  void hold(FileId id, std::int64_t node);

  // ---- Working together (collab_*_test.cc) ----
  Result<store::RoomChange> post_stamp(RoomId room, UserId sender, const std::string& client_id,
                                       const std::string& stamp, Seq reply_to = 0);
  // Posts message asking `spec` (an action stamp), with `body` as its text.
  Result<store::RoomChange> ask(RoomId room, UserId sender, const std::string& client_id,
                                ActionSpec spec, const std::string& body = "");
  Result<store::RoomChange> react(RoomId room, Seq seq, UserId user, const std::string& key,
                                  bool on = true, TimeMs now = kT0 + 2000, TenantId tenant = 0);
  Result<store::RoomChange> answer(RoomId room, Seq seq, UserId user,
                                   std::vector<ActionPick> picks, TimeMs now = kT0 + 2000,
                                   TenantId tenant = 0);
  Result<store::RoomChange> close_action(RoomId room, Seq seq, UserId by,
                                         store::AuthorRule may = nullptr, TimeMs now = kT0 + 3000);
  Result<store::RoomChange> remind(RoomId room, Seq seq, UserId by,
                                   store::AuthorRule may = nullptr, TimeMs now = kT0 + 3000);
  Result<store::RoomChange> add_note(RoomId room, UserId by, const std::string& title,
                                     const std::string& body, store::RoomRule may = nullptr,
                                     TimeMs now = kT0 + 4000, TenantId tenant = 0);
  Result<store::RoomChange> save_note(RoomId room, NoteId note, UserId by,
                                      std::int64_t base_version, const std::string& title,
                                      const std::string& body, std::int64_t restored_from = 0,
                                      store::RoomRule may = nullptr, TimeMs now = kT0 + 5000,
                                      TenantId tenant = 0);
  Result<store::RoomChange> drop_note(RoomId room, NoteId note, UserId by,
                                      store::AuthorRule may = nullptr, TimeMs now = kT0 + 6000);
  Result<store::RoomChange> put_pin(RoomId room, UserId by, Pin::Kind kind, std::int64_t target,
                                    store::RoomRule may = nullptr, TimeMs now = kT0 + 7000);
  Result<store::RoomChange> take_pin(RoomId room, UserId by, Pin::Kind kind, std::int64_t target,
                                     store::RoomRule may = nullptr, TimeMs now = kT0 + 8000);
  // Every page of reactors_page / action_answers_page, `limit` rows at a time, joined (and
  // checked: no page longer than asked, each page's `next` its last row).
  std::vector<UserId> walk_reactors(RoomId room, Seq seq, const std::string& key, int limit);
  std::vector<UserId> walk_answers(RoomId room, Seq seq, int option, int value, int limit);
  // Users whose readings sort in that order though two of them are named 佐藤 花子 (the
  // order of the readings decides, voicing included): さとう, さどう, ざとう, さふじ.
  struct Gojuon {
    User sato, sado, zato, safuji;
  };
  Gojuon gojuon_users();

  std::unique_ptr<ScratchDatabase> database_;
};

}  // namespace tonari::testing
