// What only the SQLite store's search has (store/sqlite/search_index.h): the upgrade that
// fills the index on open, the versions of the tokens and of the search forms, indexing
// turned off and on, the two ways of filtering rooms, and backups that carry the index.
// What every store does is in conformance/search_test.cc.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "search/fulltext.h"
#include "store/sqlite/backup.h"
#include "store/sqlite/db.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/search_index.h"
#include "store/sqlite/sqlite_store.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

class SqliteSearchTest : public SqliteStoreTest {
 protected:
  // The seqs (messages) or ids (notes: "n7", files: "f2") found for `box` in `rooms`.
  std::vector<std::string> find(store::Store& on, const std::string& box,
                                std::vector<RoomId> rooms) {
    store::SearchQuery q;
    q.tenant = tenant_.id;
    q.rooms = std::move(rooms);
    auto parsed = search::parse_query(box);
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    if (!parsed.ok()) return {};
    q.terms = parsed->terms;
    q.limit = 100;
    std::vector<std::string> out;
    for (const auto& h : must(on.search(q)).hits) {
      switch (h.kind) {
        case store::SearchHit::Kind::message: out.push_back("m" + std::to_string(h.seq)); break;
        case store::SearchHit::Kind::note: out.push_back("n" + std::to_string(h.note)); break;
        case store::SearchHit::Kind::file: out.push_back("f" + std::to_string(h.file)); break;
      }
    }
    return out;
  }
  std::vector<std::string> find(const std::string& box, std::vector<RoomId> rooms) {
    return find(store(), box, std::move(rooms));
  }
  std::int64_t state(const char* name) {
    store::sqlite::Connection db(db_path_, "NORMAL", true);
    store::sqlite::Stmt s = db.q("SELECT value FROM search_state WHERE name=?");
    s.bind(1, name);
    return s.step() ? s.i64(0) : -1;
  }
  void exec(const char* sql) {
    store::sqlite::Connection db(db_path_, "NORMAL", false);
    db.exec(sql);
  }
  std::unique_ptr<store::Store> open_with(bool indexing) {
    store::sqlite::Options opts;
    opts.path = db_path_;
    opts.synchronous = "NORMAL";
    opts.search_index = indexing;
    return std::make_unique<store::sqlite::SqliteStore>(opts);
  }
};

// An older database's municipality, its user alice and her room 7 (three messages so far),
// written as SQL: the store of that version is not there to write them.
constexpr const char* kAliceInRoom7 = R"sql(
INSERT INTO tenants(id, code, name, created_at) VALUES(1, '999001', 'テスト市', 0);
INSERT INTO users(id, tenant_id, login, name, reading, reading_key, search_key, password_hash, created_at)
  VALUES(1, 1, 'alice', '阿部 愛', 'あべ あい', x'01', 'alice', 'x', 0);
INSERT INTO rooms(id, tenant_id, kind, name, created_by, created_at, msg_seq, ev, member_count, last_activity)
  VALUES(7, 1, 'group', '防災', 1, 0, 3, 3, 1, 0);
INSERT INTO members(room_id, user_id, role, read_seq, joined_at) VALUES(7, 1, 'owner', 3, 0);
)sql";

TEST(SqliteSearchUpgrade, AVersion12DatabaseGetsItsIndexWhenOpened) {
  TempDir dir;
  const std::string path = (dir.path() / "tonari.db").string();
  {
    store::sqlite::Connection db(path, "NORMAL", false);
    store::sqlite::migrate(db, 12);
    db.exec(kAliceInRoom7);
    db.exec(R"sql(
INSERT INTO messages(room_id, seq, sender_id, sender_name, client_id, body, created_at, created_ev, nfiles)
  VALUES(7, 1, 1, '阿部 愛', 'c-1', '避難所の開設手順', 100, 1, 0),
        (7, 2, 1, '阿部 愛', 'c-2', '', 200, 2, 1),
        (7, 3, 1, '阿部 愛', 'c-3', '避難訓練の日程', 400, 3, 0);
INSERT INTO files(id, tenant_id, room_id, uploader_id, name, size, sha256, state, seq, pos, created_at, updated_at)
  VALUES(5, 1, 7, 1, '避難所一覧.pdf', 10, 'x', 'ready', 2, 0, 200, 200);
INSERT INTO notes(id, room_id, title, body, version, created_by, created_at, updated_by, updated_at)
  VALUES(9, 7, '避難計画', '本文', 1, 1, 300, 1, 300);
)sql");
  }
  store::sqlite::Options opts;
  opts.path = path;
  opts.synchronous = "NORMAL";
  store::sqlite::SqliteStore store(opts);
  store::SearchQuery q;
  q.tenant = 1;
  q.rooms = {7};
  q.terms = must(search::parse_query("避難")).terms;
  q.limit = 10;
  std::vector<std::string> found;
  for (const auto& h : must(store.search(q)).hits) {
    found.push_back(h.kind == store::SearchHit::Kind::message ? "m" + std::to_string(h.seq)
                    : h.kind == store::SearchHit::Kind::note  ? "n" + std::to_string(h.note)
                                                              : "f" + std::to_string(h.file));
  }
  // In time order, as if indexed as they were written: message 3, the note, the file
  // (with its message, 2), message 1.
  EXPECT_EQ(found, (std::vector<std::string>{"m3", "n9", "f5", "m1"}));
}

// Version 15 drops the one-character prefix index: every kanji is a token of its own
// instead. A version-14 index is built again when the store opens.
TEST(SqliteSearchUpgrade, AVersion14IndexIsBuiltAgainWithAKanjiTokenForEachKanji) {
  TempDir dir;
  const std::string path = (dir.path() / "tonari.db").string();
  {
    store::sqlite::Connection db(path, "NORMAL", false);
    store::sqlite::migrate(db, 14);
    db.exec(kAliceInRoom7);
    db.exec(R"sql(
INSERT INTO messages(id, room_id, seq, sender_id, sender_name, client_id, body, created_at, created_ev, nfiles)
  VALUES(1, 7, 1, 1, '阿部 愛', 'c-1', '税務課への照会', 100, 1, 0),
        (2, 7, 2, 1, '阿部 愛', 'c-2', 'ワクチン接種の課題', 200, 2, 0),
        (3, 7, 3, 1, '阿部 愛', 'c-3', '議会の日程', 300, 3, 0);
INSERT INTO search_docs(id, tenant_id, room_id, kind, seq, sender_id, at, source, norm)
  VALUES(1, 1, 7, 'm', 1, 1, 100, 1, '税務課への照会'),
        (2, 1, 7, 'm', 2, 1, 200, 2, 'わくちん接種の課題'),
        (3, 1, 7, 'm', 3, 1, 300, 3, '議会の日程');
INSERT INTO search_fts(search_fts) VALUES('rebuild');
INSERT INTO search_state(name, value) VALUES('fts_version', 1), ('norm_version', 1);
)sql");
  }
  store::sqlite::Options opts;
  opts.path = path;
  opts.synchronous = "NORMAL";
  store::sqlite::SqliteStore store(opts);
  auto found = [&](const std::string& box) {
    store::SearchQuery q;
    q.tenant = 1;
    q.rooms = {7};
    q.terms = must(search::parse_query(box)).terms;
    q.limit = 10;
    std::vector<Seq> out;
    for (const auto& h : must(store.search(q)).hits) out.push_back(h.seq);
    return out;
  };
  EXPECT_EQ(found("課"), (std::vector<Seq>{2, 1}));  // inside a run and at its end
  EXPECT_EQ(found("務"), (std::vector<Seq>{1}));
  EXPECT_EQ(found("ワ"), (std::vector<Seq>{2}));     // kana: still a prefix
  EXPECT_EQ(found("の"), (std::vector<Seq>{3, 2, 1}));
  store::sqlite::Connection db(path, "NORMAL", true);
  {
    store::sqlite::Stmt s = db.q("SELECT sql FROM sqlite_schema WHERE name='search_fts'");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.text(0).find("prefix"), std::string::npos) << s.text(0);
  }
  // The kanji alone are tokens of the index: 課 inside 税務課への (a pair's first there).
  store::sqlite::Stmt s = db.q("SELECT rowid FROM search_fts WHERE search_fts MATCH '\"課\"' ORDER BY rowid");
  std::vector<std::int64_t> rows;
  while (s.step()) rows.push_back(s.i64(0));
  EXPECT_EQ(rows, (std::vector<std::int64_t>{1, 2}));
}

TEST_F(SqliteSearchTest, AnIndexOfOtherTokensIsRebuiltAndOtherSearchFormsAskForAReindex) {
  auto room = must(create_group(alice_.id, {bob_.id})).room;
  const Seq seq = must(post(room.id, alice_.id, "c-1", "防災無線の点検")).message->seq;
  EXPECT_EQ(state("fts_version"), search::kFulltextVersion);
  EXPECT_EQ(state("norm_version"), search::kFulltextVersion);
  // As an older tonari would have left them.
  store_.reset();
  exec("UPDATE search_state SET value=0");
  open();
  EXPECT_EQ(state("fts_version"), search::kFulltextVersion);  // rebuilt on open
  EXPECT_EQ(state("norm_version"), 0);                        // a warning: reindex
  EXPECT_EQ(find("点検", {room.id}), std::vector<std::string>{"m" + std::to_string(seq)});
  // Deleting works on the rebuilt index.
  must(wait<store::RoomChange>(
      [&](auto cb) { store().delete_message(room.id, seq, alice_.id, kT0 + 2000, cb); }));
  EXPECT_TRUE(find("点検", {room.id}).empty());
  ASSERT_TRUE(store().reindex(0, 100, nullptr).ok());
  EXPECT_EQ(state("norm_version"), search::kFulltextVersion);
  ASSERT_TRUE(store().reindex(tenant_.id, 100, nullptr).ok());  // a tenant's: no version
  EXPECT_EQ(state("norm_version"), search::kFulltextVersion);
}

TEST_F(SqliteSearchTest, WithIndexingOffNothingIsWrittenAndTheNextOpenCatchesUp) {
  auto room = must(create_group(alice_.id, {bob_.id})).room;
  const Seq before = must(post(room.id, alice_.id, "c-1", "議会答弁の準備")).message->seq;
  store_.reset();
  store_ = open_with(false);
  EXPECT_EQ(state("norm_version"), -1);
  const Seq during = must(post(room.id, alice_.id, "c-2", "議会答弁の修正")).message->seq;
  store::SearchQuery q;
  q.tenant = tenant_.id;
  q.rooms = {room.id};
  q.terms = {"答弁"};
  EXPECT_EQ(store().search(q).status().code(), Code::unavailable);
  store_.reset();
  open();
  EXPECT_EQ(state("norm_version"), search::kFulltextVersion);
  EXPECT_EQ(find("答弁", {room.id}),
            (std::vector<std::string>{"m" + std::to_string(during), "m" + std::to_string(before)}));
}

TEST_F(SqliteSearchTest, ManyRoomsAreFilteredByTheJoinWithTheSameResults) {
  auto room = must(create_group(alice_.id, {bob_.id})).room;
  auto other = must(create_group(carol_.id, {dave_.id}, "財政課")).room;
  std::vector<std::string> expected;
  for (int i = 0; i < 12; ++i) {
    const Seq s = must(post(room.id, alice_.id, "c-" + std::to_string(i), "課内連絡 " + std::to_string(i)))
                      .message->seq;
    must(post(other.id, carol_.id, "o-" + std::to_string(i), "課内連絡 " + std::to_string(i)));
    expected.insert(expected.begin(), "m" + std::to_string(s));
  }
  // Rooms in the MATCH (a few), and in the join only (more than 100: ids of no room).
  std::vector<RoomId> many = {room.id};
  for (RoomId r = 100000; r < 100200; ++r) many.push_back(r);
  EXPECT_EQ(find("課", {room.id}), expected);
  EXPECT_EQ(find("課", many), expected);
  EXPECT_EQ(find("連絡", many), expected);
}

// New documents are pending from a mark on (search_state's indexed_below); one rewritten
// below it is listed. The newest row deleted, its id comes again: the mark comes down.
TEST_F(SqliteSearchTest, PendingFromTheMarkOnAndListedBelowItAfterEditsAndDeletions) {
  auto room = must(create_group(alice_.id, {bob_.id})).room;
  auto say = [&](const std::string& id, const std::string& body) {
    return must(post(room.id, alice_.id, id, body)).message->seq;
  };
  auto edit = [&](Seq seq, const std::string& body, TimeMs at) {
    must(wait<store::RoomChange>(
        [&](auto cb) { store().edit_message(room.id, seq, alice_.id, body, at, cb); }));
  };
  auto m = [](Seq s) { return "m" + std::to_string(s); };
  const Seq first = say("c-1", "庁舎の点検");
  const Seq second = say("c-2", "庁舎の清掃");
  must(sqlite().index_pending());
  must(wait<store::RoomChange>(
      [&](auto cb) { store().delete_message(room.id, second, alice_.id, kT0 + 2000, cb); }));
  const Seq third = say("c-3", "庁舎の警備");  // the id the second's document had
  for (int flushed = 0; flushed < 2; ++flushed) {
    EXPECT_EQ(find("庁舎", {room.id}), (std::vector<std::string>{m(third), m(first)})) << flushed;
    EXPECT_TRUE(find("清掃", {room.id}).empty()) << flushed;
    EXPECT_EQ(find("警備", {room.id}), std::vector<std::string>{m(third)}) << flushed;
    must(sqlite().index_pending());
  }
  // An indexed document edited twice before the next flush, then once after it.
  edit(first, "本庁舎の改修", kT0 + 3000);
  edit(first, "本庁舎の耐震化", kT0 + 4000);
  for (int flushed = 0; flushed < 2; ++flushed) {
    EXPECT_TRUE(find("点検", {room.id}).empty()) << flushed;
    EXPECT_TRUE(find("改修", {room.id}).empty()) << flushed;
    EXPECT_EQ(find("耐震", {room.id}), std::vector<std::string>{m(first)}) << flushed;
    must(sqlite().index_pending());
  }
  edit(first, "本庁舎の移転", kT0 + 5000);
  must(sqlite().index_pending());
  EXPECT_TRUE(find("耐震", {room.id}).empty());
  EXPECT_EQ(find("庁舎", {room.id}), (std::vector<std::string>{m(third), m(first)}));
  EXPECT_EQ(must(sqlite().index_pending()), 0);
}

// Documents reach the FTS index a few thousand at a time (flush_search_index); until
// then searches read them directly. Both kinds, mixed, give the same results.
TEST_F(SqliteSearchTest, IndexedAndPendingDocumentsAreFoundAlike) {
  auto room = must(create_group(alice_.id, {bob_.id})).room;
  std::vector<Seq> seqs;
  auto say = [&](const std::string& body) {
    seqs.push_back(must(post(room.id, alice_.id, "c-" + std::to_string(seqs.size()), body)).message->seq);
  };
  auto newest_first = [&](std::vector<Seq> only) {
    std::vector<std::string> out;
    for (auto it = only.rbegin(); it != only.rend(); ++it) out.push_back("m" + std::to_string(*it));
    return out;
  };
  for (int i = 0; i < 6; ++i) say("夜間巡回の報告 " + std::to_string(i));
  // (The checkpointer flushes too, a second or more after a write: the counts of what
  // index_pending() took are not checked.)
  EXPECT_EQ(find("巡回", {room.id}), newest_first(seqs));  // all pending
  must(sqlite().index_pending());
  EXPECT_EQ(must(sqlite().index_pending()), 0);
  EXPECT_EQ(find("巡回", {room.id}), newest_first(seqs));  // all indexed
  for (int i = 6; i < 10; ++i) say("夜間巡回の報告 " + std::to_string(i));
  EXPECT_EQ(find("巡回", {room.id}), newest_first(seqs));  // both

  // Pages over both, without repeats or gaps.
  {
    store::SearchQuery q;
    q.tenant = tenant_.id;
    q.rooms = {room.id};
    q.terms = {"巡回"};
    q.limit = 3;
    std::vector<std::string> walked;
    for (int pages = 0; pages < 10; ++pages) {
      auto page = must(store().search(q));
      for (const auto& h : page.hits) walked.push_back("m" + std::to_string(h.seq));
      if (page.next.empty()) break;
      q.after = page.next;
    }
    EXPECT_EQ(walked, newest_first(seqs));
  }

  // An indexed message and a pending one edited, then deleted.
  auto edit = [&](Seq seq, const std::string& body) {
    must(wait<store::RoomChange>(
        [&](auto cb) { store().edit_message(room.id, seq, alice_.id, body, kT0 + 3000, cb); }));
  };
  edit(seqs[1], "防災無線の点検");
  edit(seqs[8], "防災倉庫の点検");
  EXPECT_EQ(find("点検", {room.id}), (std::vector<std::string>{"m" + std::to_string(seqs[8]),
                                                               "m" + std::to_string(seqs[1])}));
  EXPECT_EQ(find("巡回", {room.id}).size(), 8u);
  must(sqlite().index_pending());  // four new, one edited
  EXPECT_EQ(find("点検", {room.id}), (std::vector<std::string>{"m" + std::to_string(seqs[8]),
                                                               "m" + std::to_string(seqs[1])}));
  for (Seq seq : {seqs[1], seqs[9]}) {
    must(wait<store::RoomChange>(
        [&](auto cb) { store().delete_message(room.id, seq, alice_.id, kT0 + 4000, cb); }));
  }
  EXPECT_EQ(find("点検", {room.id}), std::vector<std::string>{"m" + std::to_string(seqs[8])});
  EXPECT_EQ(find("巡回", {room.id}).size(), 7u);
  // The FTS index agrees with its documents.
  store_.reset();
  exec("INSERT INTO search_fts(search_fts) VALUES('integrity-check')");
}

// FTS5 merges the index's segments 16 at a time while posts come (search_index.h,
// kAutomerge), and the checkpointer merges the rest once the writer is idle: a search
// then reads fewer segments, and finds the same.
TEST_F(SqliteSearchTest, TheIndexIsMergedOnceTheWriterIsIdle) {
  {
    store::sqlite::Connection db(db_path_, "NORMAL", true);
    for (const auto& [name, value] : {std::pair<const char*, int>{"automerge", store::sqlite::kAutomerge},
                                      {"crisismerge", store::sqlite::kCrisisMerge}}) {
      store::sqlite::Stmt s = db.q("SELECT v FROM search_fts_config WHERE k=?");
      s.bind(1, name);
      ASSERT_TRUE(s.step()) << name;
      EXPECT_EQ(s.i64(0), value) << name;
    }
  }
  auto room = must(create_group(alice_.id, {bob_.id})).room;
  std::vector<std::string> newest_first;
  // Twelve flushes, a segment each (fewer than 16: FTS5 merges none of them by itself).
  for (int flush = 0; flush < 12; ++flush) {
    for (int i = 0; i < 3; ++i) {
      const std::string n = std::to_string(flush * 3 + i);
      const Seq seq = must(post(room.id, alice_.id, "c-" + n, "庁舎の点検記録 " + n)).message->seq;
      newest_first.insert(newest_first.begin(), "m" + std::to_string(seq));
    }
    must(sqlite().index_pending());
  }
  EXPECT_EQ(find("点検", {room.id}), newest_first);
  // The checkpointer merges them by itself, with nothing else to write.
  // (The twelve, one level: merged into one.)
  EXPECT_TRUE(eventually([&] { return must(sqlite().index_segments()) <= 3; }))
      << must(sqlite().index_segments()) << " segments";
  EXPECT_FALSE(must(sqlite().merge_index_step()));  // nothing left to merge
  EXPECT_EQ(find("点検", {room.id}), newest_first);
  store_.reset();
  exec("INSERT INTO search_fts(search_fts) VALUES('integrity-check')");
}

// Pending documents are rows committed with what they index: a store closed (or killed)
// before a flush leaves them pending, and the next open puts them into the index.
TEST_F(SqliteSearchTest, PendingDocumentsSurviveAndAreIndexedOnOpen) {
  auto room = must(create_group(alice_.id, {bob_.id})).room;
  const Seq seq = must(post(room.id, alice_.id, "c-1", "選挙事務の説明会")).message->seq;
  auto pending = [&] {
    store::sqlite::Connection db(db_path_, "NORMAL", true);
    store::sqlite::Stmt s = db.q("SELECT count(*) FROM search_pending");
    return s.step() ? s.i64(0) : -1;
  };
  EXPECT_LE(pending(), 1);  // 1 unless the checkpointer has flushed meanwhile
  reopen();
  EXPECT_EQ(pending(), 0);
  EXPECT_EQ(find("説明会", {room.id}), std::vector<std::string>{"m" + std::to_string(seq)});
  store_.reset();
  exec("INSERT INTO search_fts(search_fts) VALUES('integrity-check')");
}

TEST_F(SqliteSearchTest, ABackupCarriesTheIndex) {
  auto room = must(create_group(alice_.id, {bob_.id})).room;
  const Seq seq = must(post(room.id, alice_.id, "c-1", "ふるさと納税の返礼品")).message->seq;
  const std::string out = (dir_.path() / "backup.db").string();
  auto info = must(store::sqlite::write_backup(db_path_, out, {}));
  std::map<std::string, std::int64_t> counts(info.counts.begin(), info.counts.end());
  EXPECT_EQ(counts["search_docs"], 1);
  ASSERT_TRUE(store::sqlite::strip_backup(out).is_ok());
  store::sqlite::Options opts;
  opts.path = out;
  opts.synchronous = "NORMAL";
  store::sqlite::SqliteStore copy(opts);
  EXPECT_EQ(find(copy, "返礼品", {room.id}), std::vector<std::string>{"m" + std::to_string(seq)});
  {
    // Restored as it was: nothing for the open to write again.
    store::sqlite::Connection db(out, "NORMAL", true);
    store::sqlite::Stmt s = db.q("SELECT count(*) FROM search_docs");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.i64(0), 1);
  }
}

}  // namespace
}  // namespace tonari::testing
