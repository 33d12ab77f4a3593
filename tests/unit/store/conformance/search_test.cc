// Store conformance (store_test.h): full-text search (issue 22) — store.h, "Search". Which
// sources have documents and when they change (post, edit, delete, notes, files), that a
// match is a substring of the search form (1- and 2-character Japanese terms, Latin words
// from their start), the permission filter (rooms, tenant) and the other filters inside the
// query, newest-first and relevance paging, and reindex.
//
// Terms are given as the services give them: the search box parsed by search::parse_query.
// The tests that break the index (Reindex*) do it with SQL of each store's own dialect
// (ScratchDatabase::exec).
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "search/fulltext.h"
#include "store/conformance/store_test.h"

namespace tonari::testing {
namespace {

using store::SearchHit;
using store::SearchPage;
using store::SearchQuery;

class SearchTest : public StoreTest {
 protected:
  // The search box `box` over `rooms`, in the fixture's municipality.
  SearchQuery query(const std::string& box, std::vector<RoomId> rooms) {
    SearchQuery q;
    q.tenant = tenant_.id;
    q.rooms = std::move(rooms);
    auto parsed = search::parse_query(box);
    EXPECT_TRUE(parsed.ok()) << box << ": " << parsed.status().message();
    if (parsed.ok()) {
      q.terms = parsed->terms;
      q.excluded = parsed->excluded;
    }
    return q;
  }

  // A hit as a short label: "m3" (message seq 3), "n7" (note 7), "f2" (file 2).
  static std::string label(const SearchHit& h) {
    switch (h.kind) {
      case SearchHit::Kind::message: return "m" + std::to_string(h.seq);
      case SearchHit::Kind::note: return "n" + std::to_string(h.note);
      case SearchHit::Kind::file: return "f" + std::to_string(h.file);
    }
    return "?";
  }
  static std::vector<std::string> labels(const SearchPage& page) {
    std::vector<std::string> out;
    for (const SearchHit& h : page.hits) out.push_back(label(h));
    return out;
  }

  // The first page of `q` (limit 100), as labels.
  std::vector<std::string> find(SearchQuery q) {
    q.limit = 100;
    return labels(must(store().search(q)));
  }
  std::vector<std::string> find(const std::string& box, std::vector<RoomId> rooms) {
    return find(query(box, std::move(rooms)));
  }

  // Every page of `q`, `limit` hits at a time, joined; each page checked: never longer than
  // asked, and full unless it is the last.
  std::vector<std::string> walk(SearchQuery q, int limit) {
    std::vector<std::string> out;
    q.limit = limit;
    q.after.clear();
    for (int pages = 0; pages < 200; ++pages) {
      SearchPage page = must(store().search(q));
      EXPECT_LE(page.hits.size(), static_cast<std::size_t>(limit));
      for (const SearchHit& h : page.hits) out.push_back(label(h));
      if (page.next.empty()) return out;
      EXPECT_EQ(page.hits.size(), static_cast<std::size_t>(limit)) << "a short page before the last";
      q.after = page.next;
    }
    ADD_FAILURE() << "the pages never ended";
    return out;
  }

  // Posts `body` (a fresh client id) at `at`.
  Seq say(RoomId room, UserId sender, const std::string& body, TimeMs at = kT0 + 1000) {
    auto c = must(post(room, sender, "c-" + std::to_string(++posts_), body, 0, {}, at));
    return c.message->seq;
  }

  // Finishes the sanitizing job of `file` (held by `node`) with `state` and `text`.
  Result<store::RoomChange> finish_text(FileId file, std::int64_t node, FileState state,
                                        const std::string& text, TimeMs now = kT0 + 2000) {
    store::FileOutcome o;
    o.file = file;
    o.node = node;
    o.state = state;
    o.detected_type = "application/pdf";
    if (state == FileState::ready) {
      o.clean_sha256 = std::string(64, 'c');
      o.clean_size = 900;
      o.clean_type = "application/pdf";
      o.clean_name = "clean.pdf";
      o.sanitized = true;
    } else {
      o.reason = "macro";
    }
    o.text = text;
    o.now = now;
    return wait<store::RoomChange>([&](auto cb) { store().finish_file_job(o, cb); });
  }

  Result<std::int64_t> reindex(TenantId tenant, int batch,
                               std::vector<std::pair<std::int64_t, std::int64_t>>* seen = nullptr) {
    return store().reindex(tenant, batch, [seen](std::int64_t done, std::int64_t total) {
      if (seen) seen->emplace_back(done, total);
    });
  }

  // Runs SQL of this kind of store directly (ScratchDatabase::exec).
  void exec(const std::string& sqlite, const std::string& postgres) {
    Status st = database_->exec(GetParam() == StoreKind::sqlite ? sqlite : postgres);
    ASSERT_TRUE(st.is_ok()) << st.message();
  }

  int posts_ = 0;
};

std::string m(Seq seq) { return "m" + std::to_string(seq); }
std::string n(NoteId id) { return "n" + std::to_string(id); }
std::string f(FileId id) { return "f" + std::to_string(id); }
using Labels = std::vector<std::string>;

// ---- What is found --------------------------------------------------------------------------

TEST_P(SearchTest, AMessageIsFoundByAnyPartOfItsSearchForm) {
  Room room = group_room();
  const Seq s1 = say(room.id, alice_.id, "明日の防災会議は第3会議室で行います", kT0 + 1000);
  const Seq s2 = say(room.id, bob_.id, "ワクチン接種の予約について", kT0 + 2000);
  const Seq s3 = say(room.id, carol_.id, "LGWAN端末の更新は30日まで", kT0 + 3000);
  const Seq s4 = say(room.id, alice_.id, "税務課と東京都に確認します", kT0 + 4000);

  EXPECT_EQ(find("会議", {room.id}), Labels{m(s1)});        // two characters
  EXPECT_EQ(find("議", {room.id}), Labels{m(s1)});          // one, inside a word
  EXPECT_EQ(find("課", {room.id}), Labels{m(s4)});          // one, at a run's end
  EXPECT_EQ(find("会議室", {room.id}), Labels{m(s1)});
  EXPECT_EQ(find("京都", {room.id}), Labels{m(s4)});        // a substring finds its word
  EXPECT_EQ(find("わくちん", {room.id}), Labels{m(s2)});    // hiragana = katakana
  EXPECT_EQ(find("ﾜｸﾁﾝ", {room.id}), Labels{m(s2)});        // half width
  EXPECT_EQ(find("lgw", {room.id}), Labels{m(s3)});         // a word from its start
  EXPECT_EQ(find("ＬＧＷＡＮ端末", {room.id}), Labels{m(s3)});
  EXPECT_EQ(find("wan", {room.id}), Labels{});              // ... only from its start
  EXPECT_EQ(find("3", {room.id}), (Labels{m(s3), m(s1)}));  // 30 and 第3
  EXPECT_EQ(find("防災 会議室", {room.id}), Labels{m(s1)}); // every term
  EXPECT_EQ(find("防災 ワクチン", {room.id}), Labels{});
  EXPECT_EQ(find("\"会議は第3\"", {room.id}), Labels{m(s1)});  // a phrase
  EXPECT_EQ(find("会議室で行う", {room.id}), Labels{});     // a substring, not the words

  auto page = must(store().search(query("ワクチン", {room.id})));
  ASSERT_EQ(page.hits.size(), 1u);
  const SearchHit& h = page.hits[0];
  EXPECT_EQ(h.kind, SearchHit::Kind::message);
  EXPECT_EQ(h.room, room.id);
  EXPECT_EQ(h.seq, s2);
  EXPECT_EQ(h.sender, bob_.id);
  EXPECT_EQ(h.sender_name, "伊藤 文");
  EXPECT_EQ(h.at, kT0 + 2000);
  EXPECT_EQ(h.text, "ワクチン接種の予約について");
  EXPECT_TRUE(h.title.empty());
  EXPECT_TRUE(page.next.empty());
}

TEST_P(SearchTest, SystemMessagesAndStampsHaveNoDocument) {
  Room room = group_room();
  store::RoomPatch patch;
  patch.name = "防災訓練本部";
  must(update(room.id, alice_.id, patch));  // a system message naming the room
  must(post_stamp(room.id, bob_.id, "c-stamp", "ryokai"));
  EXPECT_EQ(find("本部", {room.id}), Labels{});
  EXPECT_EQ(find("了解", {room.id}), Labels{});
  EXPECT_EQ(find("ryokai", {room.id}), Labels{});
  EXPECT_EQ(find("role", {room.id}), Labels{});
}

TEST_P(SearchTest, AnActionStampIsFoundByItsQuestionAndOptions) {
  Room room = group_room();
  ActionSpec spec;
  spec.kind = ActionKind::choice;
  spec.title = "懇親会の出欠";
  spec.options = {"参加します", "欠席します"};
  const Seq seq = must(ask(room.id, alice_.id, "c-ask", spec, "金曜の夜です")).message->seq;
  EXPECT_EQ(find("懇親会", {room.id}), Labels{m(seq)});
  EXPECT_EQ(find("欠席", {room.id}), Labels{m(seq)});
  EXPECT_EQ(find("金曜", {room.id}), Labels{m(seq)});
  auto page = must(store().search(query("欠席", {room.id})));
  ASSERT_EQ(page.hits.size(), 1u);
  EXPECT_EQ(page.hits[0].text, "金曜の夜です\n懇親会の出欠\n参加します\n欠席します");
}

TEST_P(SearchTest, AnEditedMessageIsFoundByItsNewTextOnlyAndKeepsItsPlace) {
  Room room = group_room();
  const Seq s1 = say(room.id, alice_.id, "旧庁舎の鍵を返却", kT0 + 1000);
  const Seq s2 = say(room.id, bob_.id, "倉庫の鍵はどこ", kT0 + 2000);
  must(wait<store::RoomChange>([&](auto cb) {
    store().edit_message(room.id, s1, alice_.id, "新庁舎の鍵を受領", kT0 + 3000, cb);
  }));
  EXPECT_EQ(find("旧庁舎", {room.id}), Labels{});
  EXPECT_EQ(find("返却", {room.id}), Labels{});
  EXPECT_EQ(find("新庁舎", {room.id}), Labels{m(s1)});
  EXPECT_EQ(find("鍵", {room.id}), (Labels{m(s2), m(s1)}));  // newest first: s1 is older
  auto page = must(store().search(query("受領", {room.id})));
  ASSERT_EQ(page.hits.size(), 1u);
  EXPECT_EQ(page.hits[0].text, "新庁舎の鍵を受領");
  EXPECT_EQ(page.hits[0].at, kT0 + 1000);  // when posted
}

TEST_P(SearchTest, ADeletedMessageIsGoneWithItsFiles) {
  Room room = group_room();
  FileInfo file = must(upload(room.id, alice_.id, "議事録.pdf"));
  hold(file.id, 7);
  must(finish_text(file.id, 7, FileState::ready, "第2回 議事要旨"));
  const Seq seq = must(post_files(room.id, alice_.id, "c-files", {file.id}, "資料です")).message->seq;
  const Seq other = say(room.id, bob_.id, "資料ありがとうございます", kT0 + 3000);
  EXPECT_EQ(find("資料", {room.id}), (Labels{m(other), m(seq)}));
  EXPECT_EQ(find("議事", {room.id}), Labels{f(file.id)});
  must(wait<store::RoomChange>(
      [&](auto cb) { store().delete_message(room.id, seq, alice_.id, kT0 + 4000, cb); }));
  EXPECT_EQ(find("資料", {room.id}), Labels{m(other)});
  EXPECT_EQ(find("議事", {room.id}), Labels{});
  EXPECT_EQ(find("要旨", {room.id}), Labels{});
}

TEST_P(SearchTest, AFileIsFoundByItsNameAndOnceDeliveredByItsText) {
  Room room = group_room();
  FileInfo map = must(upload(room.id, bob_.id, "防災マップ.pdf"));
  EXPECT_EQ(find("マップ", {room.id}), Labels{});  // not attached yet
  const Seq seq = must(post_files(room.id, bob_.id, "c-map", {map.id})).message->seq;
  EXPECT_EQ(find("マップ", {room.id}), Labels{f(map.id)});
  EXPECT_EQ(find("避難所", {room.id}), Labels{});
  hold(map.id, 7);
  must(finish_text(map.id, 7, FileState::ready, "避難所一覧\n第一小学校 体育館"));
  EXPECT_EQ(find("避難所", {room.id}), Labels{f(map.id)});
  EXPECT_EQ(find("体育館 マップ", {room.id}), Labels{f(map.id)});  // name and text: one document

  auto page = must(store().search(query("小学校", {room.id})));
  ASSERT_EQ(page.hits.size(), 1u);
  const SearchHit& h = page.hits[0];
  EXPECT_EQ(h.kind, SearchHit::Kind::file);
  EXPECT_EQ(h.file, map.id);
  EXPECT_EQ(h.seq, seq);
  EXPECT_EQ(h.room, room.id);
  EXPECT_EQ(h.sender, bob_.id);
  EXPECT_EQ(h.sender_name, "伊藤 文");
  EXPECT_EQ(h.at, kT0 + 1000);  // its message's time
  EXPECT_EQ(h.title, "防災マップ.pdf");
  EXPECT_EQ(h.text, "避難所一覧\n第一小学校 体育館");

  // Delivered before it was attached: its text is found from the post on.
  FileInfo early = must(upload(room.id, alice_.id, "名簿.xlsx"));
  hold(early.id, 8);
  must(finish_text(early.id, 8, FileState::ready, "職員名簿 令和6年度"));
  EXPECT_EQ(find("令和", {room.id}), Labels{});
  must(post_files(room.id, alice_.id, "c-early", {early.id}, "", kT0 + 3000));
  EXPECT_EQ(find("令和", {room.id}), Labels{f(early.id)});

  // Withheld: no text, its name still found.
  FileInfo held = must(upload(room.id, alice_.id, "マクロ付き.xlsm"));
  must(post_files(room.id, alice_.id, "c-held", {held.id}, "", kT0 + 4000));
  hold(held.id, 9);
  must(finish_text(held.id, 9, FileState::withheld, "秘密の計算式"));
  EXPECT_EQ(find("計算式", {room.id}), Labels{});
  EXPECT_EQ(find("マクロ", {room.id}), Labels{f(held.id)});
}

TEST_P(SearchTest, ANoteIsFoundAndASaveMovesItToTheNewest) {
  Room room = group_room();
  const NoteId id =
      must(add_note(room.id, bob_.id, "防災会議 議事録", "避難経路の確認", nullptr, kT0 + 4000))
          .note->id;
  const Seq seq = say(room.id, alice_.id, "避難訓練は来週です", kT0 + 5000);
  EXPECT_EQ(find("避難", {room.id}), (Labels{m(seq), n(id)}));
  EXPECT_EQ(find("議事録 経路", {room.id}), Labels{n(id)});  // title and body: one document

  must(save_note(room.id, id, carol_.id, 1, "防災会議 議事録", "避難経路と備蓄の確認", 0, nullptr,
                 kT0 + 6000));
  EXPECT_EQ(find("避難", {room.id}), (Labels{n(id), m(seq)}));
  EXPECT_EQ(find("備蓄", {room.id}), Labels{n(id)});
  auto page = must(store().search(query("備蓄", {room.id})));
  ASSERT_EQ(page.hits.size(), 1u);
  const SearchHit& h = page.hits[0];
  EXPECT_EQ(h.kind, SearchHit::Kind::note);
  EXPECT_EQ(h.note, id);
  EXPECT_EQ(h.room, room.id);
  EXPECT_EQ(h.title, "防災会議 議事録");
  EXPECT_EQ(h.text, "避難経路と備蓄の確認");
  EXPECT_EQ(h.sender, carol_.id);  // the last editor
  EXPECT_EQ(h.sender_name, "上田 花");
  EXPECT_EQ(h.at, kT0 + 6000);     // last saved

  must(drop_note(room.id, id, bob_.id));
  EXPECT_EQ(find("避難", {room.id}), Labels{m(seq)});
  EXPECT_EQ(find("議事録", {room.id}), Labels{});
}

// ---- Who finds what ----------------------------------------------------------------------------

TEST_P(SearchTest, OnlyTheGivenRoomsOfTheTenantAreSearched) {
  Room mine = group_room();
  Room theirs = must(create_group(dave_.id, {bob_.id}, "財政課")).room;
  Room direct = must(create_direct(alice_.id, bob_.id)).room;
  store::NewRoom r;
  r.tenant = other_tenant_.id;
  r.kind = RoomKind::group;
  r.name = "よそ";
  r.creator = eve_.id;
  r.now = kT0;
  Room elsewhere = must(wait<store::RoomChange>([&](auto cb) { store().create_room(r, cb); })).room;

  const Seq a = say(mine.id, alice_.id, "予算要求の締切", kT0 + 1000);
  say(theirs.id, dave_.id, "予算要求の締切", kT0 + 2000);
  const Seq d = say(direct.id, bob_.id, "予算要求の件", kT0 + 3000);
  {
    store::NewMessage msg;
    msg.room = elsewhere.id;
    msg.sender = eve_.id;
    msg.client_id = "c-eve";
    msg.body = "予算要求の締切";
    msg.now = kT0 + 4000;
    must(wait<store::RoomChange>([&](auto cb) { store().post_message(msg, cb); }));
  }

  auto rooms_of = [&](SearchQuery q) {
    q.limit = 100;
    std::vector<RoomId> out;
    for (const SearchHit& h : must(store().search(q)).hits) out.push_back(h.room);
    return out;
  };
  EXPECT_EQ(rooms_of(query("予算", {mine.id, direct.id})), (std::vector<RoomId>{direct.id, mine.id}));
  EXPECT_EQ(find("予算", {mine.id}), Labels{m(a)});
  EXPECT_EQ(find("予算", {direct.id}), Labels{m(d)});
  EXPECT_EQ(rooms_of(query("予算", {theirs.id})), std::vector<RoomId>{theirs.id});
  EXPECT_EQ(find("予算", {}), Labels{});  // no rooms: nothing
  // Another municipality's room is never found from this one, whatever the rooms say.
  EXPECT_EQ(rooms_of(query("予算", {mine.id, elsewhere.id})), std::vector<RoomId>{mine.id});
  SearchQuery there = query("予算", {elsewhere.id});
  there.tenant = other_tenant_.id;
  EXPECT_EQ(rooms_of(there), std::vector<RoomId>{elsewhere.id});
}

TEST_P(SearchTest, FiltersNarrowInsideTheQuery) {
  Room room = group_room();
  const Seq s1 = say(room.id, alice_.id, "定例会の日程", kT0 + 1000);
  FileInfo file = must(upload(room.id, bob_.id, "定例会.pdf"));
  store::NewMessage msg;
  msg.room = room.id;
  msg.sender = bob_.id;
  msg.client_id = "c-file";
  msg.body = "定例会の資料";
  msg.files = {file.id};
  msg.now = kT0 + 2000;
  msg.tenant = tenant_.id;
  const Seq s2 = must(wait<store::RoomChange>([&](auto cb) { store().post_message(msg, cb); }))
                     .message->seq;
  const NoteId note =
      must(add_note(room.id, carol_.id, "定例会メモ", "次回の議題", nullptr, kT0 + 4000)).note->id;

  auto with = [&](auto change) {
    SearchQuery q = query("定例会", {room.id});
    change(q);
    return find(q);
  };
  EXPECT_EQ(with([](SearchQuery&) {}), (Labels{n(note), f(file.id), m(s2), m(s1)}));
  EXPECT_EQ(with([](SearchQuery& q) { q.kind = SearchQuery::Kind::messages; }), (Labels{m(s2), m(s1)}));
  EXPECT_EQ(with([](SearchQuery& q) { q.kind = SearchQuery::Kind::notes; }), Labels{n(note)});
  EXPECT_EQ(with([](SearchQuery& q) { q.kind = SearchQuery::Kind::files; }), Labels{f(file.id)});
  EXPECT_EQ(with([](SearchQuery& q) { q.has_file = true; }), (Labels{f(file.id), m(s2)}));
  EXPECT_EQ(with([&](SearchQuery& q) { q.sender = bob_.id; }), (Labels{f(file.id), m(s2)}));
  EXPECT_EQ(with([&](SearchQuery& q) { q.sender = carol_.id; }), Labels{n(note)});
  EXPECT_EQ(with([&](SearchQuery& q) { q.sender = dave_.id; }), Labels{});
  EXPECT_EQ(with([](SearchQuery& q) { q.from = kT0 + 1500; }), (Labels{n(note), f(file.id), m(s2)}));
  EXPECT_EQ(with([](SearchQuery& q) { q.to = kT0 + 2000; }), Labels{m(s1)});  // to: excluded
  EXPECT_EQ(with([](SearchQuery& q) {
              q.from = kT0 + 2000;
              q.to = kT0 + 4000;
            }),
            (Labels{f(file.id), m(s2)}));
  EXPECT_EQ(with([&](SearchQuery& q) {
              q.kind = SearchQuery::Kind::messages;
              q.has_file = true;
              q.sender = bob_.id;
            }),
            Labels{m(s2)});
}

TEST_P(SearchTest, AnExcludedTermRemovesTheDocumentsThatHaveIt) {
  Room room = group_room();
  const Seq s1 = say(room.id, alice_.id, "会議は中止です", kT0 + 1000);
  const Seq s2 = say(room.id, alice_.id, "会議は予定どおり", kT0 + 2000);
  const Seq s3 = say(room.id, alice_.id, "会議室の予約", kT0 + 3000);
  EXPECT_EQ(find("会議 -中止", {room.id}), (Labels{m(s3), m(s2)}));
  EXPECT_EQ(find("会議 -中止 -室", {room.id}), Labels{m(s2)});
  EXPECT_EQ(find("会議 -ちゅうし", {room.id}), (Labels{m(s3), m(s2), m(s1)}));  // no kana fold to kanji
  EXPECT_EQ(find("会議 -会議", {room.id}), Labels{});
}

// ---- Pages ---------------------------------------------------------------------------------------

TEST_P(SearchTest, NewestFirstPagesNeitherRepeatNorSkip) {
  Room room = group_room();
  Room other = must(create_group(dave_.id, {bob_.id}, "財政課")).room;
  Labels expected;
  for (int i = 0; i < 30; ++i) {
    // Most matches are in a room not searched: the pages must still be full.
    if (i % 3 == 0) {
      expected.push_back(m(say(room.id, alice_.id, "夜間巡回 " + std::to_string(i), kT0 + 1000 + i)));
    }
    say(other.id, dave_.id, "夜間巡回 " + std::to_string(i), kT0 + 1000 + i);
  }
  std::reverse(expected.begin(), expected.end());
  for (int limit : {1, 3, 4, 10, 100}) {
    EXPECT_EQ(walk(query("巡回", {room.id}), limit), expected) << "limit " << limit;
  }
  // A page walk is not disturbed by documents written meanwhile (they are newer).
  SearchQuery q = query("巡回", {room.id});
  q.limit = 4;
  SearchPage first = must(store().search(q));
  say(room.id, alice_.id, "夜間巡回 追加", kT0 + 5000);
  q.after = first.next;
  SearchPage second = must(store().search(q));
  EXPECT_EQ(labels(second), (Labels(expected.begin() + 4, expected.begin() + 8)));
  q.after = "not a cursor";
  EXPECT_EQ(store().search(q).status().code(), Code::invalid_argument);
}

TEST_P(SearchTest, RelevanceRanksTheWindowAndPagesThroughIt) {
  Room room = group_room();
  // Ranked by how much of the text the term is; ties newest first.
  const Seq lng = say(room.id, alice_.id,
                      "本日の巡回は雨天のため中止としますが明日は通常どおり実施します", kT0 + 1000);
  const Seq shrt = say(room.id, alice_.id, "巡回", kT0 + 2000);
  const Seq mid1 = say(room.id, alice_.id, "巡回の当番表", kT0 + 3000);
  const Seq mid2 = say(room.id, alice_.id, "巡回の当番表", kT0 + 4000);
  SearchQuery q = query("巡回", {room.id});
  q.relevance = true;
  EXPECT_EQ(find(q), (Labels{m(shrt), m(mid2), m(mid1), m(lng)}));
  for (int i = 0; i < 20; ++i) say(room.id, bob_.id, "巡回 " + std::to_string(i) + "回目の報告", kT0 + 5000 + i);
  const Labels all = find(q);
  ASSERT_EQ(all.size(), 24u);
  for (int limit : {1, 5, 7, 24, 100}) EXPECT_EQ(walk(q, limit), all) << "limit " << limit;
  q.after = "12";  // a newest-first cursor is not a relevance one
  EXPECT_EQ(store().search(q).status().code(), Code::invalid_argument);
}

// ---- Reindex --------------------------------------------------------------------------------

TEST_P(SearchTest, ReindexRestoresADroppedIndexInTimeOrder) {
  Room room = group_room();
  const Seq s1 = say(room.id, alice_.id, "防災無線の点検", kT0 + 1000);
  FileInfo file = must(upload(room.id, bob_.id, "点検表.pdf"));
  hold(file.id, 7);
  must(finish_text(file.id, 7, FileState::ready, "無線機 12台"));
  const Seq s2 = must(post_files(room.id, bob_.id, "c-file", {file.id}, "点検の結果", kT0 + 2000))
                     .message->seq;
  const NoteId note =
      must(add_note(room.id, carol_.id, "点検手順", "無線の電池を確認", nullptr, kT0 + 3000)).note->id;
  const Seq s3 = say(room.id, alice_.id, "点検完了", kT0 + 4000);
  const Seq gone = say(room.id, alice_.id, "点検は延期", kT0 + 5000);
  must(wait<store::RoomChange>(
      [&](auto cb) { store().delete_message(room.id, gone, alice_.id, kT0 + 6000, cb); }));
  const Labels before = find("点検", {room.id});
  EXPECT_EQ(before, (Labels{m(s3), n(note), f(file.id), m(s2), m(s1)}));
  // Reindexing a complete index changes nothing.
  auto written = reindex(0, 2);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(find("点検", {room.id}), before);

  exec("INSERT INTO search_fts(search_fts) VALUES('delete-all'); DELETE FROM search_docs;"
       " DELETE FROM search_pending;",
       "DELETE FROM search_docs;");
  reopen();
  EXPECT_EQ(find("点検", {room.id}), Labels{});
  std::vector<std::pair<std::int64_t, std::int64_t>> seen;
  written = reindex(0, 2, &seen);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(*written, 5);  // 3 messages, the note and the file
  ASSERT_FALSE(seen.empty());
  for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i].first, seen[i - 1].first);
  EXPECT_EQ(seen.back().first, seen.back().second);
  EXPECT_EQ(find("点検", {room.id}), before);  // the same order: ids in time order again
  EXPECT_EQ(find("無線機", {room.id}), Labels{f(file.id)});
  EXPECT_EQ(find("電池", {room.id}), Labels{n(note)});
  EXPECT_EQ(find("延期", {room.id}), Labels{});
  // Documents written from then on keep going.
  const Seq s4 = say(room.id, alice_.id, "点検の報告書", kT0 + 7000);
  EXPECT_EQ(find("点検", {room.id}).front(), m(s4));
}

TEST_P(SearchTest, ReindexDropsDocumentsWhoseSourceIsGone) {
  Room room = group_room();
  const Seq seq = say(room.id, alice_.id, "孤立した文書", kT0 + 1000);
  const std::string t = std::to_string(tenant_.id), r = std::to_string(room.id),
                    a = std::to_string(alice_.id);
  // A note that never was, and a second document of a message that is not there.
  exec("INSERT INTO search_docs(tenant_id, room_id, kind, seq, note_id, file_id, sender_id, at,"
       " has_file, source, norm) VALUES(" + t + "," + r + ",'n',0,999999,0," + a + ",0,0,999999,"
       "'孤立した文書'), (" + t + "," + r + ",'m',777,0,0," + a + ",0,0,777777,'孤立した文書');"
       " INSERT INTO search_fts(rowid, norm, room_token) SELECT id, norm, room_token FROM search_docs"
       " WHERE note_id=999999 OR seq=777;",
       "INSERT INTO search_docs(tenant_id, room_id, kind, seq, note_id, file_id, sender_id, at,"
       " has_file, norm, tsv) VALUES(" + t + "," + r + ",'n',0,999999,0," + a + ",0,false,"
       "'孤立した文書', array_to_tsvector('{孤立,立し,した,た文,文書,書}'::text[])),"
       " (" + t + "," + r + ",'m',777,0,0," + a + ",0,false,"
       "'孤立した文書', array_to_tsvector('{孤立,立し,した,た文,文書,書}'::text[]));");
  reopen();
  auto written = reindex(0, 1);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(find("孤立", {room.id}), Labels{m(seq)});
  // A tenant's reindex leaves the others' documents alone.
  ASSERT_TRUE(reindex(other_tenant_.id, 10).ok());
  EXPECT_EQ(find("孤立", {room.id}), Labels{m(seq)});
}

INSTANTIATE_TEST_SUITE_P(Conformance, SearchTest,
                         ::testing::Values(StoreKind::sqlite, StoreKind::postgres),
                         [](const ::testing::TestParamInfo<StoreKind>& info) {
                           return kind_name(info.param);
                         });

}  // namespace
}  // namespace tonari::testing
