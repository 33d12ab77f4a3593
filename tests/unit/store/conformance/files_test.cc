// Store conformance (store_test.h): files — uploads and the tenant's quota, attaching them
// to a message (and what a deleted message leaves of them), the sanitizing jobs' leases and
// their file.updated events; tenant settings and who may use the Internet zone.
#include "store/conformance/store_test.h"

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace tonari::testing {
namespace {

using store::RoomChange;

std::vector<FileId> ids_of_files(const std::vector<FileInfo>& files) {
  std::vector<FileId> out;
  for (const FileInfo& f : files) out.push_back(f.id);
  return out;
}

// The ids of the files in a message's JSON.
std::vector<FileId> ids_in(const boost::json::object& message) {
  std::vector<FileId> out;
  if (const auto* files = message.if_contains("files")) {
    for (const auto& f : files->as_array()) out.push_back(f.at("id").as_int64());
  }
  return out;
}

// ---- Uploads and the quota ----------------------------------------------------------------

TEST_P(StoreTest, AnUploadIsRecordedProcessingAndCounted) {
  Room room = group_room();
  FileInfo f = must(upload(room.id, bob_.id, "破裂箇所.jpg", 4012345));
  EXPECT_GT(f.id, 0);
  EXPECT_EQ(f.tenant, tenant_.id);
  EXPECT_EQ(f.room, room.id);
  EXPECT_EQ(f.uploader, bob_.id);
  EXPECT_EQ(f.name, "破裂箇所.jpg");
  EXPECT_EQ(f.size, 4012345);
  EXPECT_EQ(f.sha256, std::string(64, 'a'));
  EXPECT_EQ(f.declared_type, "image/jpeg");
  EXPECT_TRUE(f.from_internet);
  EXPECT_EQ(f.state, FileState::processing);
  EXPECT_EQ(f.seq, 0);
  EXPECT_FALSE(f.deleted);
  EXPECT_EQ(f.created_at, kT0 + 500);
  EXPECT_EQ(f.attempts, 0);
  FileInfo read = must(store().file(f.id));
  EXPECT_EQ(read.name, f.name);
  EXPECT_EQ(read.state, FileState::processing);
  EXPECT_EQ(store().file(f.id + 100).status().code(), Code::not_found);
  EXPECT_EQ(must(store().tenant_file_bytes(tenant_.id)), 4012345);
  EXPECT_EQ(must(store().tenant_file_bytes(other_tenant_.id)), 0);
  // Uploading adds no room event.
  EXPECT_EQ(must(store().room(room.id)).ev, room.ev);

  // Not a member, or the room of another municipality: the room is not found.
  EXPECT_EQ(upload(room.id, dave_.id, "x.jpg").status().code(), Code::not_found);
  EXPECT_EQ(upload(room.id, eve_.id, "x.jpg", 1000, kT0, 0, other_tenant_.id).status().code(),
            Code::not_found);
  EXPECT_EQ(upload(room.id + 100, bob_.id, "x.jpg").status().code(), Code::not_found);
  EXPECT_EQ(must(store().tenant_file_bytes(tenant_.id)), 4012345);
}

TEST_P(StoreTest, AnUploadPastTheQuotaIsRefusedAndNothingIsCounted) {
  Room room = group_room();
  must(upload(room.id, alice_.id, "a.pdf", 60, kT0, 100));
  auto over = upload(room.id, alice_.id, "b.pdf", 50, kT0, 100);
  EXPECT_EQ(over.status().code(), Code::quota_exceeded) << over.status().message();
  EXPECT_EQ(must(store().tenant_file_bytes(tenant_.id)), 60);
  // Exactly up to the quota is allowed; no quota (0) is no limit.
  FileInfo fits = must(upload(room.id, alice_.id, "c.pdf", 40, kT0, 100));
  EXPECT_EQ(must(store().tenant_file_bytes(tenant_.id)), 100);
  EXPECT_EQ(upload(room.id, alice_.id, "d.pdf", 1, kT0, 100).status().code(),
            Code::quota_exceeded);
  must(upload(room.id, alice_.id, "e.pdf", 1000, kT0, 0));
  EXPECT_EQ(must(store().tenant_file_bytes(tenant_.id)), 1100);
  EXPECT_EQ(must(store().file(fits.id)).name, "c.pdf");
  // Another municipality's quota is its own.
  Room yoso = must(wait<RoomChange>([&](auto cb) {
    store::NewRoom r;
    r.tenant = other_tenant_.id;
    r.name = "よそ";
    r.creator = eve_.id;
    r.now = kT0;
    store().create_room(r, cb);
  })).room;
  must(upload(yoso.id, eve_.id, "g.pdf", 100, kT0, 100, other_tenant_.id));
  EXPECT_EQ(must(store().tenant_file_bytes(other_tenant_.id)), 100);
}

// ---- Attaching ------------------------------------------------------------------------

TEST_P(StoreTest, FilesAttachToAPostInTheOrderGiven) {
  Room room = group_room();
  RoomChange plain = must(post(room.id, bob_.id, "plain-1", "前"));
  FileInfo a = must(upload(room.id, alice_.id, "一.jpg"));
  FileInfo b = must(upload(room.id, alice_.id, "二.pdf"));
  FileInfo c = must(upload(room.id, alice_.id, "三.xlsx"));
  const std::vector<FileId> order = {c.id, a.id, b.id};
  RoomChange posted = must(post_files(room.id, alice_.id, "with-files", order));
  ASSERT_TRUE(posted.created);
  ASSERT_TRUE(posted.message.has_value());
  const Seq seq = posted.message->seq;
  EXPECT_EQ(seq, plain.message->seq + 1);
  EXPECT_EQ(posted.message->body, "");
  EXPECT_EQ(ids_of_files(posted.message->files), order);
  for (const FileInfo& f : posted.message->files) {
    EXPECT_EQ(f.seq, seq);
    EXPECT_EQ(f.room, room.id);
    EXPECT_EQ(f.state, FileState::processing);
  }
  EXPECT_EQ(posted.message->files[0].name, "三.xlsx");
  ASSERT_EQ(posted.events.size(), 1u);
  auto frame = parse_frame(posted.events[0]);
  EXPECT_EQ(ids_in(frame.at("message").as_object()), order);
  EXPECT_EQ(str_at(frame.at("message").at("files").at(0).as_object(), "name"), "三.xlsx");
  EXPECT_EQ(str_at(frame.at("message").at("files").at(0).as_object(), "state"), "processing");
  for (FileId id : order) EXPECT_EQ(must(store().file(id)).seq, seq);
  must(post(room.id, bob_.id, "plain-2", "後"));

  // Every read of the message carries them, in that order; plain messages carry none.
  EXPECT_EQ(ids_of_files(must(store().message(room.id, seq)).files), order);
  auto page = must(store().messages(room.id, room.msg_seq, 0, 50));  // after the creation
  ASSERT_EQ(page.size(), 3u);
  EXPECT_TRUE(page[0].files.empty());
  EXPECT_EQ(ids_of_files(page[1].files), order);
  EXPECT_TRUE(page[2].files.empty());
  auto last = must(store().messages(room.id, -1, 0, 2));  // the newest, read backwards
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(ids_of_files(last[0].files), order);
  auto replay = must(store().events_after(room.id, room.ev, 10));
  ASSERT_EQ(replay.size(), 3u);
  EXPECT_EQ(*replay[1].frame, *posted.events[0].frame);
  EXPECT_TRUE(ids_in(parse_frame(replay[2]).at("message").as_object()).empty());
  auto as_member = must(store().events_after_as_member(bob_.id, {{room.id, plain.room.ev}}, 10));
  ASSERT_EQ(as_member.size(), 1u);
  ASSERT_EQ(as_member[0].second.size(), 2u);
  EXPECT_EQ(*as_member[0].second[0].frame, *posted.events[0].frame);

  // A room's last message with files, in the room list.
  RoomChange newest = must(post_files(room.id, alice_.id, "last", {must(upload(room.id, alice_.id, "四.png")).id}));
  auto summary = must(store().room_summary(room.id, bob_.id));
  ASSERT_TRUE(summary.last_message.has_value());
  EXPECT_EQ(summary.last_message->files.size(), 1u);
  EXPECT_EQ(summary.last_message->files[0].name, "四.png");
  bool found = false;
  for (const RoomSummary& s : must(store().rooms_for_user(bob_.id))) {
    if (s.room.id != room.id) continue;
    found = true;
    ASSERT_TRUE(s.last_message.has_value());
    EXPECT_EQ(ids_of_files(s.last_message->files), ids_of_files(newest.message->files));
  }
  EXPECT_TRUE(found);

  // A retry (the same client id) is answered with the first message, files and all, and
  // changes nothing.
  RoomChange again = must(post_files(room.id, alice_.id, "with-files", order));
  EXPECT_FALSE(again.created);
  EXPECT_TRUE(again.events.empty());
  ASSERT_TRUE(again.message.has_value());
  EXPECT_EQ(again.message->seq, seq);
  EXPECT_EQ(ids_of_files(again.message->files), order);
  EXPECT_EQ(must(store().room(room.id)).msg_seq, newest.message->seq);
}

TEST_P(StoreTest, FilesThatAreNotTheSendersFreshUploadsToTheRoomAreRefused) {
  Room room = group_room();
  Room other = must(create_group(alice_.id, {bob_.id}, "別室")).room;
  FileInfo mine = must(upload(room.id, alice_.id, "mine.jpg"));
  FileInfo bobs = must(upload(room.id, bob_.id, "bobs.jpg"));
  FileInfo elsewhere = must(upload(other.id, alice_.id, "elsewhere.jpg"));
  FileInfo blocked = must(upload(room.id, alice_.id, "virus.jpg.exe"));
  hold(blocked.id, 7);
  must(finish(blocked.id, 7, FileState::blocked, "executable"));
  FileInfo attached = must(upload(room.id, alice_.id, "once.jpg"));
  const Seq first = must(post_files(room.id, alice_.id, "first", {attached.id})).message->seq;
  const Room before = must(store().room(room.id));

  struct Case {
    const char* what;
    std::vector<FileId> files;
    FileId named;
  };
  const std::vector<Case> cases = {
      {"another member's upload", {mine.id, bobs.id}, bobs.id},
      {"an upload to another room", {elsewhere.id}, elsewhere.id},
      {"a blocked file", {blocked.id}, blocked.id},
      {"a file attached already", {mine.id, attached.id}, attached.id},
      {"the same file twice", {mine.id, mine.id}, mine.id},
      {"no such file", {mine.id, attached.id + 1000}, attached.id + 1000},
  };
  int n = 0;
  for (const Case& c : cases) {
    auto r = post_files(room.id, alice_.id, "refused-" + std::to_string(n++), c.files, "本文");
    EXPECT_EQ(r.status().code(), Code::invalid_argument) << c.what;
    EXPECT_EQ(r.status().message(), "file " + std::to_string(c.named) + " cannot be attached")
        << c.what;
  }
  std::vector<FileId> eleven;
  for (int i = 0; i < 11; ++i) eleven.push_back(must(upload(room.id, alice_.id, "p.jpg")).id);
  auto too_many = post_files(room.id, alice_.id, "eleven", eleven);
  EXPECT_EQ(too_many.status().code(), Code::invalid_argument);
  EXPECT_EQ(too_many.status().message(), "a message has at most 10 files");
  // Ten is the most, and fine.
  eleven.pop_back();
  EXPECT_EQ(must(post_files(room.id, alice_.id, "ten", eleven)).message->files.size(), 10u);

  // The refusals wrote nothing: no message, no event, and the files are still free.
  const Room after = must(store().room(room.id));
  EXPECT_EQ(after.msg_seq, before.msg_seq + 1);
  EXPECT_EQ(after.ev, before.ev + 1);
  EXPECT_EQ(must(store().file(mine.id)).seq, 0);
  EXPECT_EQ(must(store().file(bobs.id)).seq, 0);
  EXPECT_EQ(must(post_files(room.id, alice_.id, "now-fine", {mine.id})).message->files.size(), 1u);
  // Bob may attach his own, to a message of his.
  store::NewMessage m;
  m.room = room.id;
  m.sender = bob_.id;
  m.client_id = "bob-1";
  m.now = kT0 + 3000;
  m.files = {bobs.id};
  m.reply_to = first;  // a post of the other path (a reply) attaches files the same way
  RoomChange by_bob = must(wait<RoomChange>([&](auto cb) { store().post_message(m, cb); }));
  ASSERT_EQ(by_bob.message->files.size(), 1u);
  EXPECT_EQ(by_bob.message->files[0].id, bobs.id);
  EXPECT_EQ(must(store().file(bobs.id)).seq, by_bob.message->seq);
}

TEST_P(StoreTest, DeletingAMessageDeletesItsFilesEverywhere) {
  Room room = group_room();
  FileInfo f = must(upload(room.id, alice_.id, "秘密の図面.pdf"));
  FileInfo g = must(upload(room.id, alice_.id, "別紙.pdf"));
  RoomChange posted = must(post_files(room.id, alice_.id, "c-1", {f.id, g.id}, "図面です"));
  const Seq seq = posted.message->seq;
  hold(f.id, 3);
  RoomChange finished = must(finish(f.id, 3, FileState::ready));
  ASSERT_EQ(finished.events.size(), 1u);
  ASSERT_NE(all_events(room.id).back().frame->find("秘密の図面"), std::string::npos);

  RoomChange deleted = must(wait<RoomChange>([&](auto cb) {
    store().delete_message(room.id, seq, alice_.id, kT0 + 3000, cb);
  }));
  EXPECT_TRUE(deleted.message->files.empty());
  ASSERT_EQ(deleted.events.size(), 1u);
  EXPECT_EQ(parse_frame(deleted.events[0]).at("message").as_object().if_contains("files"), nullptr);
  for (FileId id : {f.id, g.id}) {
    FileInfo now = must(store().file(id));
    EXPECT_TRUE(now.deleted);
    EXPECT_EQ(now.seq, seq);
  }
  EXPECT_TRUE(must(store().message(room.id, seq)).files.empty());
  EXPECT_TRUE(must(store().messages(room.id, room.msg_seq, 0, 10)).at(0).files.empty());
  EXPECT_FALSE(must(store().room_summary(room.id, bob_.id)).last_message->files.size());
  // Nothing of them comes back through resume: the file.updated event keeps its place and
  // names the file, and nothing else.
  auto events = all_events(room.id);
  // joined, the room_created message, then created, file.updated, deleted
  ASSERT_EQ(events.size(), 5u);
  for (const RoomEvent& e : events) {
    EXPECT_EQ(e.frame->find("秘密の図面"), std::string::npos) << *e.frame;
    EXPECT_EQ(e.frame->find("別紙"), std::string::npos) << *e.frame;
    EXPECT_EQ(e.frame->find("写真.jpg"), std::string::npos) << *e.frame;
  }
  auto blank = parse_frame(events[3]);
  EXPECT_EQ(str_at(blank, "type"), "file.updated");
  EXPECT_EQ(blank.at("ev").as_int64(), finished.events[0].ev);
  EXPECT_EQ(blank.at("file").at("id").as_int64(), f.id);
  EXPECT_EQ(str_at(blank.at("file").as_object(), "name"), "");
  // A deleted file cannot be attached again.
  auto reuse = post_files(room.id, alice_.id, "c-2", {g.id});
  EXPECT_EQ(reuse.status().code(), Code::invalid_argument);
}

// ---- Sanitizing jobs ------------------------------------------------------------------

TEST_P(StoreTest, JobsAreClaimedOldestFirstUnderLeasesThatExpireOrAreReleased) {
  Room room = group_room();
  FileInfo first = must(upload(room.id, alice_.id, "1.jpg", 10, kT0 + 1));
  FileInfo second = must(upload(room.id, bob_.id, "2.jpg", 10, kT0 + 2));
  const TimeMs now = kT0 + 10;
  auto a = must(claim(1, now));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->id, first.id);
  EXPECT_EQ(a->attempts, 1);
  auto b = must(claim(2, now));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->id, second.id);
  EXPECT_FALSE(must(claim(3, now)).has_value());                 // both leased
  EXPECT_FALSE(must(claim(3, now + kLease)).has_value());        // not expired yet
  auto expired = must(claim(3, now + kLease + 1));               // node 1's lease ran out
  ASSERT_TRUE(expired.has_value());
  EXPECT_EQ(expired->id, first.id);
  EXPECT_EQ(expired->attempts, 2);
  EXPECT_EQ(must(store().file(first.id)).attempts, 2);
  // Node 1 lost its lease: its finish is refused; node 3's is accepted.
  EXPECT_EQ(finish(first.id, 1, FileState::ready).status().code(), Code::conflict);

  // Releasing one node's leases, then every lease.
  EXPECT_EQ(must(release(3)), 1);
  EXPECT_EQ(must(release(3)), 0);
  auto again = must(claim(4, now));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->id, first.id);
  EXPECT_EQ(again->attempts, 3);
  EXPECT_EQ(must(release(0)), 2);  // node 4's and node 2's
  EXPECT_EQ(must(claim(5, now))->id, first.id);
  EXPECT_EQ(must(claim(5, now))->id, second.id);

  // A finished job is no longer claimed, nor released.
  must(finish(first.id, 5, FileState::withheld, "encrypted"));
  must(finish(second.id, 5, FileState::ready));
  EXPECT_EQ(must(release(0)), 0);
  EXPECT_FALSE(must(claim(6, now + 10 * kLease)).has_value());
}

TEST_P(StoreTest, FinishingAnAttachedFileAppendsFileUpdatedAtTheNextEv) {
  Room room = group_room();
  FileInfo f = must(upload(room.id, bob_.id, "破裂箇所.jpg"));
  FileInfo loose = must(upload(room.id, bob_.id, "まだ.jpg"));
  store::NewMessage m;
  m.room = room.id;
  m.sender = bob_.id;
  m.client_id = "photo";
  m.now = kT0 + 1000;
  m.files = {f.id};
  RoomChange posted = must(wait<RoomChange>([&](auto cb) { store().post_message(m, cb); }));
  const Seq seq = posted.message->seq;
  const EventNo next = posted.room.ev + 1;
  hold(f.id, 11);
  hold(loose.id, 11);

  // Not attached yet: the file changes, the room hears nothing.
  RoomChange quiet = must(finish(loose.id, 11, FileState::withheld, "encrypted"));
  EXPECT_FALSE(quiet.created);
  EXPECT_TRUE(quiet.events.empty());
  EXPECT_EQ(must(store().room(room.id)).ev, posted.room.ev);
  FileInfo withheld = must(store().file(loose.id));
  EXPECT_EQ(withheld.state, FileState::withheld);
  EXPECT_EQ(withheld.reason, "encrypted");

  RoomChange done = must(finish(f.id, 11, FileState::ready, "", kT0 + 2500));
  EXPECT_TRUE(done.created);
  EXPECT_EQ(done.room.id, room.id);
  EXPECT_EQ(done.room.ev, next);
  ASSERT_EQ(done.events.size(), 1u);
  EXPECT_EQ(done.events[0].ev, next);
  EXPECT_EQ(done.events[0].room, room.id);
  auto frame = parse_frame(done.events[0]);
  EXPECT_EQ(str_at(frame, "type"), "file.updated");
  EXPECT_EQ(frame.at("room").as_int64(), room.id);
  EXPECT_EQ(frame.at("ev").as_int64(), next);
  const auto& file = frame.at("file").as_object();
  EXPECT_EQ(file.at("id").as_int64(), f.id);
  EXPECT_EQ(file.at("seq").as_int64(), seq);
  EXPECT_EQ(str_at(file, "state"), "ready");
  EXPECT_EQ(str_at(file, "clean_name"), "写真.jpg");
  EXPECT_TRUE(file.at("sanitized").as_bool());
  EXPECT_EQ(file.at("width").as_int64(), 4032);
  EXPECT_DOUBLE_EQ(file.at("location").at("lat").as_double(), 35.681236);

  FileInfo ready = must(store().file(f.id));
  EXPECT_EQ(ready.state, FileState::ready);
  EXPECT_EQ(ready.clean_sha256, std::string(64, 'c'));
  EXPECT_EQ(ready.clean_size, 900);
  EXPECT_EQ(ready.clean_type, "image/jpeg");
  EXPECT_EQ(ready.detected_type, "image/jpeg");
  EXPECT_TRUE(ready.sanitized);
  EXPECT_EQ(ready.thumb_sha256, std::string(64, 't'));
  EXPECT_EQ(ready.height, 3024);
  ASSERT_TRUE(ready.lat && ready.lon);
  EXPECT_DOUBLE_EQ(*ready.lat, 35.681236);
  EXPECT_DOUBLE_EQ(*ready.lon, 139.767125);
  EXPECT_EQ(ready.updated_at, kT0 + 2500);
  EXPECT_EQ(ready.attempts, 1);

  // The log stays gapless with the posts around it, and replays the event as sent; the
  // message itself (and its message.created, rebuilt) shows the file as it is now.
  const EventNo after = must(post(room.id, alice_.id, "after", "見ました")).room.ev;
  EXPECT_EQ(after, next + 1);
  auto events = all_events(room.id);
  ASSERT_EQ(events.size(), static_cast<std::size_t>(after));
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].ev, EventNo(i + 1));
  EXPECT_EQ(*events[next - 1].frame, *done.events[0].frame);
  auto created = parse_frame(events[posted.room.ev - 1]);
  EXPECT_EQ(str_at(created.at("message").at("files").at(0).as_object(), "state"), "ready");
  EXPECT_EQ(must(store().message(room.id, seq)).files.at(0).state, FileState::ready);
  auto replay = must(store().events_after_as_member(alice_.id, {{room.id, posted.room.ev}}, 10));
  ASSERT_EQ(replay.size(), 1u);
  ASSERT_EQ(replay[0].second.size(), 2u);
  EXPECT_EQ(*replay[0].second[0].frame, *done.events[0].frame);

  // Finished is final: a second finish, by anyone, is refused and changes nothing.
  EXPECT_EQ(finish(f.id, 11, FileState::blocked, "executable").status().code(), Code::conflict);
  EXPECT_EQ(must(store().file(f.id)).state, FileState::ready);
  EXPECT_EQ(must(store().room(room.id)).ev, after);
}

TEST_P(StoreTest, OnlyTheLeaseHolderFinishesAJob) {
  Room room = group_room();
  FileInfo f = must(upload(room.id, alice_.id, "a.jpg"));
  // Unclaimed: nobody holds it (node 0 is nobody).
  EXPECT_EQ(finish(f.id, 9, FileState::ready).status().code(), Code::conflict);
  EXPECT_EQ(finish(f.id, 0, FileState::ready).status().code(), Code::conflict);
  hold(f.id, 9);
  auto other = finish(f.id, 8, FileState::ready);
  EXPECT_EQ(other.status().code(), Code::conflict) << other.status().message();
  EXPECT_EQ(finish(f.id + 100, 9, FileState::ready).status().code(), Code::not_found);
  EXPECT_EQ(finish(f.id, 9, FileState::processing).status().code(), Code::invalid_argument);
  FileInfo still = must(store().file(f.id));
  EXPECT_EQ(still.state, FileState::processing);
  EXPECT_TRUE(still.clean_sha256.empty());
  RoomChange ok = must(finish(f.id, 9, FileState::blocked, "type_mismatch"));
  EXPECT_FALSE(ok.created);  // not attached
  FileInfo blocked = must(store().file(f.id));
  EXPECT_EQ(blocked.state, FileState::blocked);
  EXPECT_EQ(blocked.reason, "type_mismatch");
}

// Nodes claiming at once (two store objects on one database, as two nodes of a cluster)
// never get the same job, and between them take every one exactly once.
TEST_P(StoreTest, ConcurrentClaimersNeverShareAJob) {
  Room room = group_room();
  constexpr int kFiles = 40;
  std::set<FileId> uploaded;
  for (int i = 0; i < kFiles; ++i) {
    uploaded.insert(must(upload(room.id, alice_.id, "f" + std::to_string(i), 1, kT0 + i)).id);
  }
  auto second = open_store();
  std::mutex mu;
  std::map<FileId, int> taken;
  std::atomic<int> failures{0};
  auto claimer = [&](store::Store& s, std::int64_t node) {
    for (;;) {
      auto got = claim(node, kT0 + 100, &s);
      if (!got.ok()) {
        if (failures.fetch_add(1) > 100) return;
        continue;
      }
      if (!got->has_value()) return;
      std::lock_guard lock(mu);
      ++taken[(*got)->id];
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] { claimer(t % 2 ? *second : store(), 100 + t); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(taken.size(), uploaded.size());
  for (const auto& [id, times] : taken) {
    EXPECT_EQ(times, 1) << "file " << id << " was claimed " << times << " times";
    EXPECT_TRUE(uploaded.count(id));
  }
  second.reset();
}

// ---- Settings ---------------------------------------------------------------------------

TEST_P(StoreTest, TenantSettingsRoundTrip) {
  EXPECT_FALSE(must(store().tenant_setting(tenant_.id, "file_policy")).has_value());
  const std::string policy = R"({"pdf":"rasterize","quota_bytes":1000})";
  EXPECT_TRUE(must(wait<bool>([&](auto cb) {
    store().set_tenant_setting(tenant_.id, "file_policy", policy, cb);
  })));
  EXPECT_EQ(must(store().tenant_setting(tenant_.id, "file_policy")), policy);
  must(wait<bool>([&](auto cb) { store().set_tenant_setting(tenant_.id, "file_policy", "{}", cb); }));
  EXPECT_EQ(must(store().tenant_setting(tenant_.id, "file_policy")), "{}");
  EXPECT_FALSE(must(store().tenant_setting(tenant_.id, "other")).has_value());
  EXPECT_FALSE(must(store().tenant_setting(other_tenant_.id, "file_policy")).has_value());
  auto nobody = wait<bool>([&](auto cb) { store().set_tenant_setting(other_tenant_.id + 100, "k", "v", cb); });
  EXPECT_EQ(nobody.status().code(), Code::not_found);
  reopen();
  EXPECT_EQ(must(store().tenant_setting(tenant_.id, "file_policy")), "{}");
}

TEST_P(StoreTest, InternetAccessIsAllowedUntilDeniedAndReadEverywhere) {
  Room room = group_room();
  EXPECT_TRUE(bob_.internet_allowed);
  EXPECT_TRUE(must(store().user(bob_.id)).internet_allowed);
  const auto revoked_before = must(store().revocations_after(0, 100)).size();

  User denied = must(wait<User>([&](auto cb) { store().set_internet_allowed(bob_.id, false, cb); }));
  EXPECT_FALSE(denied.internet_allowed);
  EXPECT_EQ(denied.id, bob_.id);
  EXPECT_EQ(denied.name, bob_.name);
  EXPECT_FALSE(must(store().user(bob_.id)).internet_allowed);
  EXPECT_FALSE(must(store().credentials(tenant_.id, "bob")).user.internet_allowed);
  for (const User& u : must(store().find_users(tenant_.id, "", {}, 10))) {
    EXPECT_EQ(u.internet_allowed, u.id != bob_.id) << u.login;
  }
  for (const auto& [u, m] : must(store().members(room.id))) {
    EXPECT_EQ(u.internet_allowed, u.id != bob_.id) << u.login;
  }
  // Servers recheck the user's live connections.
  auto revocations = must(store().revocations_after(0, 100));
  ASSERT_EQ(revocations.size(), revoked_before + 1);
  EXPECT_EQ(revocations.back().user, bob_.id);

  EXPECT_TRUE(must(wait<User>([&](auto cb) { store().set_internet_allowed(bob_.id, true, cb); }))
                  .internet_allowed);
  EXPECT_TRUE(must(store().user(bob_.id)).internet_allowed);
  EXPECT_EQ(must(store().revocations_after(0, 100)).size(), revoked_before + 1);
  auto nobody = wait<User>([&](auto cb) { store().set_internet_allowed(eve_.id + 100, false, cb); });
  EXPECT_EQ(nobody.status().code(), Code::not_found);
}

}  // namespace
}  // namespace tonari::testing
