// What only the PostgreSQL store's full-text search has (store/postgres/search_docs.h): its
// two statements (the newest documents one by one, then the index) give what either would
// alone; `tonari admin migrate` writes the documents of data from before the index; reindex
// rebuilds them while others post, edit and delete; copy-store writes them on PostgreSQL.
// What every store's search does is in conformance/search_test.cc. The names contain
// "Postgres": these run in the one process of the PostgreSQL tests
// (tests/unit/CMakeLists.txt).
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "search/fulltext.h"
#include "store/copy_store.h"
#include "store/postgres/pg_store.h"
#include "store/postgres/search_indexer.h"
#include "store/test_postgres.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

using store::RoomChange;
using store::SearchHit;
using store::SearchQuery;

// One row of `sql` as text columns (empty when there is none); a test failure if it fails.
std::vector<std::string> sql_row(const std::string& uri, const std::string& sql) {
  std::vector<std::string> out;
  PGconn* c = PQconnectdb(uri.c_str());
  PGresult* r = PQexec(c, sql.c_str());
  const auto status = PQresultStatus(r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
  } else if (PQntuples(r) > 0) {
    for (int i = 0; i < PQnfields(r); ++i) out.emplace_back(PQgetvalue(r, 0, i));
  }
  PQclear(r);
  PQfinish(c);
  return out;
}

// The fixture's municipality on a PostgreSQL database of its own (test_postgres.h); stores
// opened with `window` (Options::search_window).
class SearchOnPostgres : public StoreFixture {
 protected:
  void SetUp() override {
    auto name = TestPostgres::instance().create_database();
    ASSERT_TRUE(name.ok()) << name.status().message();
    name_ = *name;
    StoreFixture::SetUp();
  }
  void TearDown() override {
    StoreFixture::TearDown();
    if (!name_.empty()) {
      EXPECT_TRUE(TestPostgres::instance().drop_database(name_).is_ok());
    }
  }
  std::unique_ptr<store::Store> open_store() override { return open_with(10000, background_); }
  std::unique_ptr<store::postgres::PgStore> open_with(std::int64_t window, bool background = false) {
    store::postgres::Options o;
    o.conninfo = uri();
    o.pool_size = 2;
    o.writers = 2;
    o.search_window = window;
    o.index_in_background = background;
    return std::make_unique<store::postgres::PgStore>(o);
  }
  store::postgres::PgStore& pg() { return static_cast<store::postgres::PgStore&>(store()); }
  // Writes the documents of every posted message (search_docs.h, "Pending messages").
  void index_pending() {
    auto n = pg().index_pending();
    ASSERT_TRUE(n.ok()) << n.status().message();
    EXPECT_EQ(count("SELECT count(*) FROM search_pending"), 0);
  }
  std::string uri() const { return TestPostgres::instance().uri(name_); }
  std::int64_t count(const std::string& sql) {
    auto row = sql_row(uri(), sql);
    return row.empty() ? -1 : std::stoll(row[0]);
  }

  // Every page of `q` on `s`, `limit` at a time: (kind, room, seq or note or file) of each.
  static std::vector<std::string> walk(store::Store& s, SearchQuery q, int limit) {
    std::vector<std::string> out;
    q.limit = limit;
    for (int pages = 0; pages < 1000; ++pages) {
      auto page = s.search(q);
      if (!page.ok()) {
        ADD_FAILURE() << page.status().message();
        break;
      }
      for (const SearchHit& h : page->hits) {
        out.push_back(std::to_string(static_cast<int>(h.kind)) + ":" + std::to_string(h.room) +
                      ":" + std::to_string(h.seq) + ":" + std::to_string(h.note) + ":" +
                      std::to_string(h.file));
      }
      if (page->next.empty()) break;
      q.after = page->next;
    }
    return out;
  }

  // A note of bob's in `room`.
  void bobs_note(RoomId room, const std::string& title, const std::string& body) {
    must(wait<RoomChange>([&](auto cb) {
      store::NewNote n;
      n.room = room;
      n.by = bob_.id;
      n.title = title;
      n.body = body;
      n.now = kT0 + 2000;
      store().create_note(n, nullptr, cb);
    }));
  }

  int documents_agree();

  std::string name_;
  bool background_ = true;  // the fixture's store runs its indexer (open_store)
};

// Words of the test corpus: frequent and rare, one and two characters, a Latin word.
const char* const kWords[] = {"会議", "課", "防災", "訓練", "予算", "の", "を", "ワクチン",
                              "わくちん", "ＲＰＡ", "rpa", "市民", "窓口", "例規審査会", "京都"};

TEST_F(SearchOnPostgres, TheIndexFindsWhatTheNewestWalkFinds) {
  const Room a = group_room();
  const Room b = must(create_group(alice_.id, {bob_.id}, "財政課")).room;
  const Room hidden = must(create_group(dave_.id, {}, "秘密")).room;
  // 240 messages of 1..6 words, over three rooms (one not alice's): the walk of the newest
  // 7 documents and the index see different parts of them.
  std::map<std::pair<RoomId, Seq>, std::string> bodies;
  unsigned x = 22;
  for (int i = 0; i < 240; ++i) {
    std::string body;
    x = x * 1103515245u + 12345u;
    const int words = 1 + static_cast<int>((x >> 16) % 6);
    for (int w = 0; w < words; ++w) {
      x = x * 1103515245u + 12345u;
      body += kWords[(x >> 16) % (sizeof kWords / sizeof kWords[0])];
      if ((x >> 8) % 3 == 0) body += " ";
    }
    const Room& room = i % 3 == 0 ? a : i % 3 == 1 ? b : hidden;
    const UserId sender = room.id == hidden.id ? dave_.id : alice_.id;
    auto c = must(post(room.id, sender, "m" + std::to_string(i), body, 0, {}, kT0 + 1000 + i));
    bodies[{room.id, c.message->seq}] = body;
  }
  index_pending();
  // Windows of 7 and 30: the index alone, and the rooms' walk (step 2) and then the index.
  auto walker = open_with(7);
  auto room_walker = open_with(30);
  for (const char* text : {"会議", "課", "の", "防災 訓練", "わくちん", "rpa", "京都 -会議", "例規"}) {
    auto parsed = search::parse_query(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().message();
    SearchQuery q;
    q.tenant = tenant_.id;
    q.rooms = {a.id, b.id};
    q.terms = parsed->terms;
    q.excluded = parsed->excluded;
    // Brute force over the search forms.
    std::size_t expected = 0;
    for (const auto& [key, body] : bodies) {
      if (key.first == hidden.id) continue;
      const std::string norm = search::normalize(body);
      bool match = true;
      for (const auto& t : q.terms) match = match && norm.find(t) != std::string::npos;
      for (const auto& t : q.excluded) match = match && norm.find(t) == std::string::npos;
      if (match) ++expected;
    }
    const auto from_walk = walk(store(), q, 7);
    const auto from_index = walk(*walker, q, 7);
    EXPECT_EQ(from_walk, from_index) << text;
    EXPECT_EQ(walk(*room_walker, q, 7), from_walk) << text;
    EXPECT_EQ(from_walk.size(), expected) << text;
    EXPECT_GT(expected, 0u) << text;
    // A member of many rooms (more than the index is asked for as lexemes).
    SearchQuery many = q;
    for (RoomId r = 1000000; r < 1000200; ++r) many.rooms.push_back(r);
    EXPECT_EQ(walk(*walker, many, 7), from_walk) << text;
    q.relevance = true;
    const auto ranked_walk = walk(store(), q, 5);
    EXPECT_EQ(ranked_walk, walk(*walker, q, 5)) << text;
    EXPECT_EQ(ranked_walk, walk(*room_walker, q, 5)) << text;
    EXPECT_EQ(std::set<std::string>(ranked_walk.begin(), ranked_walk.end()),
              std::set<std::string>(from_walk.begin(), from_walk.end()))
        << text;
  }
}

TEST_F(SearchOnPostgres, MigrateWritesTheDocumentsOfDataFromBeforeTheIndex) {
  const Room room = group_room();
  must(post(room.id, alice_.id, "a", "防災会議の資料"));
  must(post(room.id, bob_.id, "b", "了解です"));
  bobs_note(room.id, "議事録", "予算の確認");
  index_pending();
  const std::int64_t docs = count("SELECT count(*) FROM search_docs");
  EXPECT_EQ(docs, 3);  // two messages and the note (its system message has none)
  // As an older tonari left it: no documents, no version.
  sql_row(uri(), "DELETE FROM search_docs");
  sql_row(uri(), "DELETE FROM search_state");
  EXPECT_EQ(store::postgres::migrate(uri()), store::postgres::latest_version());
  EXPECT_EQ(count("SELECT count(*) FROM search_docs"), docs);
  EXPECT_EQ(count("SELECT count(*) FROM search_docs WHERE kind='n'"), 1);
  EXPECT_EQ(count("SELECT value FROM search_state WHERE name='norm_version'"),
            search::kFulltextVersion);
  // In time order: the note, saved last, is the newest.
  EXPECT_EQ(count("SELECT (kind='n')::int FROM search_docs ORDER BY id DESC LIMIT 1"), 1);
}

TEST_F(SearchOnPostgres, ReindexRebuildsWhileOthersPostEditAndDelete) {
  const Room room = group_room();
  for (int i = 0; i < 300; ++i) {
    must(post(room.id, alice_.id, "old" + std::to_string(i), "古い連絡 " + std::to_string(i)));
  }
  index_pending();
  // A lost index, and a stray document of nothing.
  sql_row(uri(), "DELETE FROM search_docs WHERE seq % 2 = 0");
  sql_row(uri(), "INSERT INTO search_docs(tenant_id, room_id, kind, seq, sender_id, at, norm, tsv)"
                 " VALUES(" + std::to_string(tenant_.id) + ", " + std::to_string(room.id) +
                 ", 'm', 100000, 1, 1, 'x', ''::tsvector)");
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; !done || i < 40; ++i) {
      auto c = post(room.id, bob_.id, "new" + std::to_string(i), "新しい連絡 " + std::to_string(i));
      if (!c.ok()) continue;
      const Seq edited = 1 + i * 7 % 300;
      (void)wait<RoomChange>([&](auto cb) {
        store().edit_message(room.id, edited, alice_.id, "直した連絡 " + std::to_string(i),
                             kT0 + 5000 + i, cb);
      });
      if (i % 5 == 0) {
        (void)wait<RoomChange>([&](auto cb) {
          store().delete_message(room.id, 2 + i * 11 % 300, alice_.id, kT0 + 6000 + i, cb);
        });
      }
    }
  });
  std::int64_t calls = 0, last_done = -1, last_total = -1;
  auto written = store().reindex(0, 13, [&](std::int64_t d, std::int64_t t) {
    ++calls;
    EXPECT_GE(d, last_done);
    last_done = d;
    last_total = t;
  });
  done = true;
  writer.join();
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_GT(calls, 20);
  EXPECT_EQ(last_done, last_total);
  index_pending();  // the posts since
  EXPECT_GT(documents_agree(), 300);
  EXPECT_EQ(count("SELECT count(*) FROM search_docs WHERE seq=100000"), 0);
  EXPECT_EQ(count("SELECT value FROM search_state WHERE name='norm_version'"),
            search::kFulltextVersion);
}

// Every message that has a document has the one of its text now, and no other has one: how
// many were checked.
int SearchOnPostgres::documents_agree() {
  PGconn* c = PQconnectdb(uri().c_str());
  PGresult* r = PQexec(c, "SELECT m.seq, m.body, m.deleted OR m.kind='system', d.norm,"
                          " (SELECT count(*) FROM search_docs x WHERE x.room_id=m.room_id"
                          "  AND x.seq=m.seq)"
                          " FROM messages m LEFT JOIN search_docs d ON d.room_id=m.room_id"
                          " AND d.seq=m.seq AND d.kind='m' ORDER BY m.seq");
  EXPECT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << PQresultErrorMessage(r);
  int checked = 0;
  for (int i = 0; i < PQntuples(r); ++i) {
    const std::string seq = PQgetvalue(r, i, 0);
    const bool none = std::string(PQgetvalue(r, i, 2)) == "t";
    if (none) {
      EXPECT_EQ(std::string(PQgetvalue(r, i, 4)), "0") << "seq " << seq;
      continue;
    }
    EXPECT_EQ(std::string(PQgetvalue(r, i, 4)), "1") << "seq " << seq;
    EXPECT_EQ(std::string(PQgetvalue(r, i, 3)), search::normalize(PQgetvalue(r, i, 1)))
        << "seq " << seq;
    ++checked;
  }
  PQclear(r);
  PQfinish(c);
  return checked;
}

// Posts leave their documents to the indexer; until it has written them, searches read
// the pending messages directly. Both kinds, mixed, give the same results, and an edit or
// a deletion of a pending message is never found by what it was.
TEST_F(SearchOnPostgres, PendingAndIndexedMessagesAreFoundAlike) {
  background_ = false;
  reopen();
  const Room room = group_room();
  std::vector<Seq> seqs;
  auto say = [&](const std::string& body) {
    seqs.push_back(must(post(room.id, alice_.id, "c-" + std::to_string(seqs.size()), body)).message->seq);
  };
  auto find = [&](const char* text) {
    SearchQuery q;
    q.tenant = tenant_.id;
    q.rooms = {room.id};
    q.terms = {search::normalize(text)};
    return walk(store(), q, 3);
  };
  auto newest_first = [&](std::vector<Seq> only) {
    std::vector<std::string> out;
    for (auto it = only.rbegin(); it != only.rend(); ++it) {
      out.push_back("0:" + std::to_string(room.id) + ":" + std::to_string(*it) + ":0:0");
    }
    return out;
  };
  for (int i = 0; i < 6; ++i) say("夜間巡回の報告 " + std::to_string(i));
  EXPECT_EQ(count("SELECT count(*) FROM search_pending"), 6);
  EXPECT_EQ(count("SELECT count(*) FROM search_docs"), 0);
  EXPECT_EQ(find("巡回"), newest_first(seqs));  // all pending, 3 a page
  index_pending();
  EXPECT_EQ(count("SELECT count(*) FROM search_docs"), 6);
  EXPECT_EQ(find("巡回"), newest_first(seqs));  // all written
  for (int i = 6; i < 10; ++i) say("夜間巡回の報告 " + std::to_string(i));
  EXPECT_EQ(find("巡回"), newest_first(seqs));  // both, pages across them
  // Another member's search of another room finds none of them.
  {
    SearchQuery q;
    q.tenant = tenant_.id;
    q.rooms = {must(create_group(bob_.id, {}, "別室")).room.id};
    q.terms = {"巡回"};
    EXPECT_TRUE(walk(store(), q, 3).empty());
  }

  // A written message and a pending one edited, then deleted.
  auto edit = [&](Seq seq, const std::string& body) {
    must(wait<RoomChange>(
        [&](auto cb) { store().edit_message(room.id, seq, alice_.id, body, kT0 + 3000, cb); }));
  };
  edit(seqs[1], "防災無線の点検");
  edit(seqs[8], "防災倉庫の点検");
  EXPECT_EQ(find("点検"), newest_first({seqs[1], seqs[8]}));
  EXPECT_EQ(find("巡回").size(), 8u);
  for (Seq seq : {seqs[1], seqs[9]}) {
    must(wait<RoomChange>(
        [&](auto cb) { store().delete_message(room.id, seq, alice_.id, kT0 + 4000, cb); }));
  }
  EXPECT_EQ(find("点検"), newest_first({seqs[8]}));
  EXPECT_EQ(find("巡回").size(), 7u);
  index_pending();  // the two left pending
  EXPECT_EQ(find("点検"), newest_first({seqs[8]}));
  EXPECT_EQ(find("巡回").size(), 7u);
  EXPECT_EQ(documents_agree(), 8);
  // Newest first is the order of posting, not of indexing.
  EXPECT_EQ(count("SELECT count(*) FROM search_docs a JOIN search_docs b ON a.seq<b.seq"
                  " AND a.id>b.id"),
            0);
}

// A reindex that reaches a message still pending writes its document with the id it was
// given when posted, and takes it off the list: the order stays the order of posting.
TEST_F(SearchOnPostgres, ReindexKeepsAPendingMessagesPlace) {
  background_ = false;
  reopen();
  const Room room = group_room();
  must(post(room.id, alice_.id, "c-1", "防災無線の点検"));
  bobs_note(room.id, "点検手順", "電池を確認");
  must(post(room.id, alice_.id, "c-2", "点検完了"));
  SearchQuery q;
  q.tenant = tenant_.id;
  q.rooms = {room.id};
  q.terms = {search::normalize("点検")};
  const auto before = walk(store(), q, 10);
  ASSERT_EQ(before.size(), 3u);
  EXPECT_EQ(count("SELECT count(*) FROM search_pending"), 2);
  auto written = store().reindex(0, 10, nullptr);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(count("SELECT count(*) FROM search_pending"), 0);
  EXPECT_EQ(walk(store(), q, 10), before);
  // A second rebuild finds every document in place: no id is spent (ids stay dense).
  const std::int64_t last = count("SELECT last_value FROM search_docs_id_seq");
  ASSERT_TRUE(store().reindex(0, 10, nullptr).ok());
  EXPECT_EQ(count("SELECT last_value FROM search_docs_id_seq"), last);
  EXPECT_EQ(walk(store(), q, 10), before);
}

// Pending messages are rows committed with the posts: a node stopped before its indexer
// wrote them leaves them pending, and the next indexer writes them.
TEST_F(SearchOnPostgres, PendingMessagesSurviveAStop) {
  background_ = false;
  reopen();
  const Room room = group_room();
  const Seq seq = must(post(room.id, alice_.id, "c-1", "選挙事務の説明会")).message->seq;
  EXPECT_EQ(count("SELECT count(*) FROM search_pending"), 1);
  background_ = true;
  reopen();
  EXPECT_TRUE(eventually([&] { return count("SELECT count(*) FROM search_pending") == 0; },
                         std::chrono::seconds(5)));
  EXPECT_EQ(count("SELECT seq FROM search_docs"), seq);
}

// Every search and every look of the indexer reads the whole list (it has no index): the
// indexer vacuums it as it takes rows, and gives its pages back once it has caught up.
TEST_F(SearchOnPostgres, TheListShrinksOnceTheIndexerCatchesUp) {
  background_ = false;
  reopen();
  const Room room = group_room();
  for (int i = 0; i < 60; ++i) {
    must(post(room.id, alice_.id, "c" + std::to_string(i), "会議の連絡 " + std::to_string(i)));
  }
  EXPECT_EQ(count("SELECT count(*) FROM search_pending"), 60);
  EXPECT_GT(count("SELECT pg_relation_size('search_pending')"), 0);
  store::postgres::SearchIndexer indexer(
      store::postgres::ConnectOptions{.conninfo = uri()},
      {.batch = 7, .every = std::chrono::milliseconds(5), .vacuum_after = 20, .keep_pages = 0,
       .retry_cut = std::chrono::milliseconds(100)},
      [] { return false; });
  EXPECT_TRUE(eventually([&] { return count("SELECT pg_relation_size('search_pending')") == 0; }));
  EXPECT_EQ(count("SELECT count(*) FROM search_pending"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM search_docs"), 60);
  // Twice on the way (at 21 and 42 taken), once at the end. The counts reach the
  // statistics within a second or so of each vacuum.
  auto vacuums = [&] {
    return count("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname='search_pending'");
  };
  EXPECT_TRUE(eventually([&] { return vacuums() >= 3; }, std::chrono::seconds(5))) << vacuums();
}

// A search that ends with a word asks the index for the words it begins (search_words),
// up to 64 of them, else for the prefix; the words of documents from before that table
// are added by the indexer, and until then searches ask for prefixes. All find the same.
TEST_F(SearchOnPostgres, SearchesEndingWithAWordFindTheSameWithOrWithoutItsWords) {
  background_ = false;
  reopen();
  const Room room = group_room();
  std::vector<Seq> lgwan, w1, all;
  auto say = [&](const std::string& body, std::vector<Seq>* also) {
    const Seq seq = must(post(room.id, alice_.id, "c-" + std::to_string(all.size()), body)).message->seq;
    all.push_back(seq);
    if (also) also->push_back(seq);
  };
  for (int i = 0; i < 70; ++i) say("端末 w" + std::to_string(100 + i) + " の確認", i < 10 ? &w1 : nullptr);
  say("LGWAN系の端末", &lgwan);
  say("ｌｇｗａｎｘ の件", &lgwan);
  say("lg です", nullptr);
  index_pending();
  auto find = [&](const char* text) {
    SearchQuery q;
    q.tenant = tenant_.id;
    q.rooms = {room.id};
    q.terms = must(search::parse_query(text)).terms;
    std::vector<Seq> out;
    for (const std::string& hit : walk(store(), q, 100)) {
      out.push_back(std::stoll(hit.substr(hit.find(':', hit.find(':') + 1) + 1)));
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  auto expect_all = [&] {
    EXPECT_EQ(find("ＬＧＷ"), lgwan);   // two words
    EXPECT_EQ(find("lgwan"), lgwan);
    EXPECT_EQ(find("lgwanx"), std::vector<Seq>{lgwan[1]});
    EXPECT_EQ(find("w10"), w1);        // ten words
    EXPECT_EQ(find("w").size(), 70u);  // seventy: the prefix itself
    EXPECT_TRUE(find("lgx").empty());  // none
    EXPECT_EQ(find("端末 lgw"), std::vector<Seq>{lgwan[0]});
  };
  EXPECT_GT(count("SELECT count(*) FROM search_words WHERE word LIKE 'w1%'"), 60);
  expect_all();
  // The words, not the prefix, are what the index is asked for: a word taken away, its
  // document is no longer found by the prefix (nor by itself).
  sql_row(uri(), "DELETE FROM search_words WHERE word='lgwanx'");
  EXPECT_EQ(find("lgw"), std::vector<Seq>{lgwan[0]});
  sql_row(uri(), "INSERT INTO search_words VALUES('lgwanx')");
  expect_all();
  // tonari's own sessions write the words, not the trigger (which takes every lexeme).
  EXPECT_EQ(count("SELECT count(*) FROM search_words WHERE word='端末'"), 0);
  // A session that does not say it writes the words itself (a tonari of an earlier
  // version, psql) has them written by the trigger.
  sql_row(uri(), "UPDATE search_docs SET tsv = tsv || 'zzyzx'::tsvector WHERE id = (SELECT min(id) FROM search_docs)");
  EXPECT_EQ(count("SELECT count(*) FROM search_words WHERE word='zzyzx'"), 1);

  // As after the upgrade to version 9: the words of these documents missing.
  sql_row(uri(), "DELETE FROM search_words");
  sql_row(uri(), "INSERT INTO search_state VALUES('words_missing_below', (SELECT max(id) + 1 FROM search_docs))");
  expect_all();
  store::postgres::SearchIndexer indexer(store::postgres::ConnectOptions{.conninfo = uri()},
                                         {.batch = 20, .every = std::chrono::milliseconds(5)},
                                         [] { return false; });
  EXPECT_TRUE(eventually([&] {
    return count("SELECT count(*) FROM search_state WHERE name='words_missing_below'") == 0;
  }));
  EXPECT_EQ(count("SELECT count(DISTINCT word) FROM search_words WHERE word LIKE 'w%'"), 70);
  EXPECT_EQ(count("SELECT count(*) FROM search_words WHERE word IN ('lgwan', 'lgwanx', 'lg')"), 3);
  expect_all();
}

// The indexer's batches run while others post, edit and delete (each edit and deletion
// waits for a batch that holds its message): at the end every document has its message's
// text, and no deleted message has one.
TEST_F(SearchOnPostgres, TheIndexerWritesWhileOthersEditAndDelete) {
  const Room room = group_room();
  auto other = open_with(10000, true);  // a second node's indexer as well
  for (int round = 0; round < 30; ++round) {
    std::vector<Seq> posted;
    for (int i = 0; i < 20; ++i) {
      auto c = post(room.id, alice_.id, "r" + std::to_string(round) + "-" + std::to_string(i),
                    "定例の連絡 " + std::to_string(round * 100 + i));
      if (c.ok()) posted.push_back(c->message->seq);
    }
    for (std::size_t i = 0; i < posted.size(); i += 3) {
      (void)wait<RoomChange>([&](auto cb) {
        store().edit_message(room.id, posted[i], alice_.id, "直した連絡 " + std::to_string(i),
                             kT0 + 5000 + round, cb);
      });
    }
    for (std::size_t i = 1; i < posted.size(); i += 4) {
      (void)wait<RoomChange>([&](auto cb) {
        store().delete_message(room.id, posted[i], alice_.id, kT0 + 6000 + round, cb);
      });
    }
  }
  other->shutdown();
  index_pending();
  EXPECT_GT(documents_agree(), 400);
  EXPECT_EQ(count("SELECT count(*) FROM search_docs d JOIN messages m ON m.room_id=d.room_id"
                  " AND m.seq=d.seq WHERE m.deleted"),
            0);
}

class CopyStoreSearchPostgres : public SqliteStoreTest {};

TEST_F(CopyStoreSearchPostgres, TheCopyIsSearchable) {
  const Room room = group_room();
  const Seq seq = must(post(room.id, alice_.id, "a", "防災会議の資料です")).message->seq;
  must(post(room.id, bob_.id, "b", "了解"));
  store().shutdown();
  auto name = TestPostgres::instance().create_database();
  ASSERT_TRUE(name.ok()) << name.status().message();
  const std::string uri = TestPostgres::instance().uri(*name);
  auto report = store::copy_sqlite_to_postgres(db_path_, uri, [](const std::string&) {});
  ASSERT_TRUE(report.ok()) << report.status().message();
  {
    store::postgres::PgStore pg(store::postgres::Options{.conninfo = uri});
    auto parsed = search::parse_query("会議");
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    SearchQuery q;
    q.tenant = tenant_.id;
    q.rooms = {room.id};
    q.terms = parsed->terms;
    auto page = pg.search(q);
    ASSERT_TRUE(page.ok()) << page.status().message();
    ASSERT_EQ(page->hits.size(), 1u);
    EXPECT_EQ(page->hits[0].seq, seq);
    EXPECT_EQ(page->hits[0].text, "防災会議の資料です");
    EXPECT_EQ(page->hits[0].sender_name, "阿部 愛");
    pg.shutdown();
  }
  EXPECT_TRUE(TestPostgres::instance().drop_database(*name).is_ok());
}

}  // namespace
}  // namespace tonari::testing
