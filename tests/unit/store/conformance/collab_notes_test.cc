// Store conformance (store_test.h): working together, part 3 — notes (versions, the stale
// base refused, restore, delete) and pins (messages and notes, newest first, the limit).
// store.h, "Working together".
#include "store/conformance/store_test.h"

#include <string>
#include <vector>

namespace tonari::testing {
namespace {

using store::RoomChange;

std::vector<std::int64_t> versions_of(const std::vector<NoteVersion>& vs) {
  std::vector<std::int64_t> out;
  for (const NoteVersion& v : vs) {
    EXPECT_TRUE(v.body.empty()) << "lists carry no bodies";
    out.push_back(v.version);
  }
  return out;
}

store::RoomRule refuse(std::optional<Member>* seen) {
  return [seen](const Room&, const std::optional<Member>& by) {
    *seen = by;
    return permission_denied("not allowed");
  };
}

// ---- Notes ------------------------------------------------------------------------------

TEST_P(StoreTest, ANewNoteIsVersionOneAndTheRoomIsTold) {
  Room room = group_room();
  const std::string body = "# 第1回 防災会議\n- [ ] 避難経路の確認\n- [x] 名簿";
  std::optional<Member> seen;
  EXPECT_EQ(add_note(room.id, bob_.id, "議事録", body, refuse(&seen)).status().code(),
            Code::permission_denied);
  ASSERT_TRUE(seen.has_value());  // the rule gets the author's membership
  EXPECT_EQ(seen->user, bob_.id);
  EXPECT_EQ(add_note(room.id, dave_.id, "議事録", body).status().code(), Code::not_found);
  EXPECT_EQ(add_note(room.id, bob_.id, "議事録", body, nullptr, kT0 + 4000, other_tenant_.id)
                .status().code(),
            Code::not_found);
  EXPECT_EQ(must(store().room(room.id)).ev, room.ev);

  auto c = must(add_note(room.id, bob_.id, "議事録", body, nullptr, kT0 + 4000, tenant_.id));
  EXPECT_TRUE(c.created);
  ASSERT_TRUE(c.note.has_value());
  const Note& n = *c.note;
  EXPECT_GT(n.id, 0);
  EXPECT_EQ(n.room, room.id);
  EXPECT_EQ(n.title, "議事録");
  EXPECT_EQ(n.body, body);
  EXPECT_EQ(n.version, 1);
  EXPECT_EQ(n.created_by, bob_.id);
  EXPECT_EQ(n.created_by_name, "伊藤 文");
  EXPECT_EQ(n.created_at, kT0 + 4000);
  EXPECT_EQ(n.updated_by, bob_.id);
  EXPECT_EQ(n.updated_at, kT0 + 4000);
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.room.ev, room.ev + 2);
  auto f = parse_frame(c.events[0]);
  EXPECT_EQ(str_at(f, "type"), "note.updated");
  EXPECT_EQ(f.at("note").at("id").as_int64(), n.id);
  EXPECT_EQ(f.at("note").at("version").as_int64(), 1);
  EXPECT_FALSE(f.at("note").as_object().contains("body"));
  auto note = note_of(c.events[1]);
  EXPECT_EQ(str_at(note, "action"), "note_created");
  EXPECT_EQ(note.at("note").as_int64(), n.id);
  EXPECT_EQ(str_at(note, "title"), "議事録");
  EXPECT_EQ(*all_events(room.id).at(2).frame, *c.events[0].frame);  // stored as sent

  auto read = must(store().note(room.id, n.id));
  EXPECT_EQ(read.body, body);
  EXPECT_EQ(read.version, 1);
  EXPECT_EQ(read.created_by_name, "伊藤 文");
  auto list = must(store().notes(room.id));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, n.id);
  EXPECT_EQ(list[0].title, "議事録");
  EXPECT_TRUE(list[0].body.empty());
  auto versions = must(store().note_versions(room.id, n.id));
  EXPECT_EQ(versions_of(versions), std::vector<std::int64_t>{1});
  EXPECT_EQ(versions[0].by, bob_.id);
  EXPECT_EQ(versions[0].by_name, "伊藤 文");
  EXPECT_EQ(versions[0].at, kT0 + 4000);
  EXPECT_EQ(versions[0].restored_from, 0);
  EXPECT_EQ(must(store().note_version(room.id, n.id, 1)).body, body);
  EXPECT_EQ(store().note_version(room.id, n.id, 2).status().code(), Code::not_found);
  // Another room has no such note.
  auto other = must(create_group(carol_.id, {}, "別室")).room;
  EXPECT_EQ(store().note(other.id, n.id).status().code(), Code::not_found);
  EXPECT_TRUE(must(store().notes(other.id)).empty());
}

TEST_P(StoreTest, EverySaveIsAVersionAndAStaleBaseIsAConflict) {
  Room room = group_room();
  const NoteId id = must(add_note(room.id, bob_.id, "手順書", "1. 電源を入れる")).note->id;
  auto v2 = must(save_note(room.id, id, carol_.id, 1, "手順書", "1. 電源を入れる\n2. 待つ",
                           0, nullptr, kT0 + 5000));
  EXPECT_TRUE(v2.created);
  EXPECT_EQ(v2.note->version, 2);
  EXPECT_EQ(v2.note->updated_by, carol_.id);
  EXPECT_EQ(v2.note->updated_by_name, "上田 花");
  EXPECT_EQ(v2.note->updated_at, kT0 + 5000);
  EXPECT_EQ(v2.note->created_by, bob_.id);
  ASSERT_EQ(v2.events.size(), 2u);
  EXPECT_EQ(type_of(v2.events[0]), "note.updated");
  auto note = note_of(v2.events[1]);
  EXPECT_EQ(str_at(note, "action"), "note_updated");
  EXPECT_EQ(note.at("version").as_int64(), 2);
  EXPECT_FALSE(note.contains("restored_from"));

  // Based on version 1, which is no longer the current one: nothing written.
  const EventNo ev = must(store().room(room.id)).ev;
  auto stale = save_note(room.id, id, alice_.id, 1, "手順書", "上書き");
  EXPECT_EQ(stale.status().code(), Code::conflict);
  EXPECT_EQ(must(store().room(room.id)).ev, ev);
  EXPECT_EQ(must(store().note(room.id, id)).version, 2);
  // A save that changes nothing writes nothing.
  auto same = must(save_note(room.id, id, alice_.id, 2, "手順書", "1. 電源を入れる\n2. 待つ"));
  EXPECT_FALSE(same.created);
  EXPECT_TRUE(same.events.empty());
  EXPECT_EQ(must(store().room(room.id)).ev, ev);
  // A restore is a new version with the old content.
  auto v1 = must(store().note_version(room.id, id, 1));
  auto v3 = must(save_note(room.id, id, alice_.id, 2, v1.title, v1.body, 1, nullptr, kT0 + 5100));
  EXPECT_EQ(v3.note->version, 3);
  EXPECT_EQ(v3.note->body, "1. 電源を入れる");
  auto restored = note_of(v3.events.at(1));
  EXPECT_EQ(restored.at("restored_from").as_int64(), 1);
  EXPECT_EQ(restored.at("version").as_int64(), 3);
  auto versions = must(store().note_versions(room.id, id));
  EXPECT_EQ(versions_of(versions), (std::vector<std::int64_t>{3, 2, 1}));
  EXPECT_EQ(versions[0].restored_from, 1);
  EXPECT_EQ(versions[1].by, carol_.id);
  EXPECT_EQ(must(store().note_version(room.id, id, 2)).body, "1. 電源を入れる\n2. 待つ");

  // Who may not, and notes that are not there.
  std::optional<Member> seen;
  EXPECT_EQ(save_note(room.id, id, carol_.id, 3, "改", "改", 0, refuse(&seen)).status().code(),
            Code::permission_denied);
  EXPECT_EQ(seen->user, carol_.id);
  EXPECT_EQ(save_note(room.id, id, dave_.id, 3, "改", "改").status().code(), Code::not_found);
  EXPECT_EQ(save_note(room.id, id, carol_.id, 3, "改", "改", 0, nullptr, kT0 + 5200, other_tenant_.id)
                .status().code(),
            Code::not_found);
  EXPECT_EQ(save_note(room.id, id + 100, carol_.id, 1, "改", "改").status().code(), Code::not_found);
  auto other = must(create_group(carol_.id, {alice_.id}, "別室")).room;
  EXPECT_EQ(save_note(other.id, id, carol_.id, 3, "改", "改").status().code(), Code::not_found);
  EXPECT_EQ(must(store().note(room.id, id)).version, 3);
}

TEST_P(StoreTest, NotesAreListedMostRecentlyUpdatedFirst) {
  Room room = group_room();
  const NoteId a = must(add_note(room.id, bob_.id, "A", "a", nullptr, kT0 + 4000)).note->id;
  const NoteId b = must(add_note(room.id, bob_.id, "B", "b", nullptr, kT0 + 4100)).note->id;
  auto ids = [&] {
    std::vector<NoteId> out;
    for (const Note& n : must(store().notes(room.id))) out.push_back(n.id);
    return out;
  };
  EXPECT_EQ(ids(), (std::vector<NoteId>{b, a}));
  must(save_note(room.id, a, carol_.id, 1, "A", "a2", 0, nullptr, kT0 + 4200));
  EXPECT_EQ(ids(), (std::vector<NoteId>{a, b}));
  auto first = must(store().notes(room.id)).at(0);
  EXPECT_EQ(first.version, 2);
  EXPECT_EQ(first.updated_by_name, "上田 花");
}

TEST_P(StoreTest, DeletingANoteTakesItsVersionsAndItsPin) {
  Room room = group_room();
  const NoteId id = must(add_note(room.id, bob_.id, "引継ぎ", "鍵は金庫")).note->id;
  must(save_note(room.id, id, bob_.id, 1, "引継ぎ", "鍵は2番の金庫"));
  must(put_pin(room.id, alice_.id, Pin::Kind::note, id));
  const EventNo ev = must(store().room(room.id)).ev;

  UserId author = 0;
  auto deny = [&](const Room&, const std::optional<Member>&, UserId creator) {
    author = creator;
    return permission_denied("not yours");
  };
  EXPECT_EQ(drop_note(room.id, id, carol_.id, deny).status().code(), Code::permission_denied);
  EXPECT_EQ(author, bob_.id);  // the rule gets the note's creator
  EXPECT_EQ(drop_note(room.id, id, dave_.id).status().code(), Code::not_found);
  EXPECT_EQ(must(store().room(room.id)).ev, ev);

  auto d = must(drop_note(room.id, id, carol_.id, nullptr, kT0 + 6000));
  EXPECT_TRUE(d.created);
  ASSERT_EQ(d.events.size(), 3u);
  auto f0 = parse_frame(d.events[0]);
  EXPECT_EQ(str_at(f0, "type"), "note.deleted");
  EXPECT_EQ(f0.at("note").as_int64(), id);
  auto f1 = parse_frame(d.events[1]);
  EXPECT_EQ(str_at(f1, "type"), "pin.removed");
  EXPECT_EQ(str_at(f1, "kind"), "note");
  EXPECT_EQ(f1.at("note").as_int64(), id);
  auto note = note_of(d.events[2]);
  EXPECT_EQ(str_at(note, "action"), "note_deleted");
  EXPECT_EQ(note.at("note").as_int64(), id);
  EXPECT_EQ(str_at(note, "title"), "引継ぎ");

  EXPECT_EQ(store().note(room.id, id).status().code(), Code::not_found);
  EXPECT_TRUE(must(store().notes(room.id)).empty());
  EXPECT_EQ(store().note_versions(room.id, id).status().code(), Code::not_found);
  EXPECT_EQ(store().note_version(room.id, id, 1).status().code(), Code::not_found);
  EXPECT_TRUE(must(store().pins(room.id)).empty());
  EXPECT_EQ(drop_note(room.id, id, carol_.id).status().code(), Code::not_found);
  EXPECT_EQ(save_note(room.id, id, bob_.id, 2, "復活", "x").status().code(), Code::not_found);
  EXPECT_EQ(put_pin(room.id, alice_.id, Pin::Kind::note, id).status().code(), Code::not_found);

  // Not pinned: no pin.removed.
  const NoteId other = must(add_note(room.id, bob_.id, "メモ", "")).note->id;
  auto d2 = must(drop_note(room.id, other, bob_.id));
  ASSERT_EQ(d2.events.size(), 2u);
  EXPECT_EQ(type_of(d2.events[0]), "note.deleted");
  EXPECT_EQ(type_of(d2.events[1]), "message.created");
}

// ---- Pins -------------------------------------------------------------------------------

TEST_P(StoreTest, PinsPointAtMessagesAndNotesNewestFirst) {
  Room room = group_room();
  const Seq s1 = must(post(room.id, bob_.id, "c-1", "集合場所は正面玄関")).message->seq;
  ActionSpec q;
  q.kind = ActionKind::yesno;
  q.title = "参加?";
  const Seq s2 = must(ask(room.id, alice_.id, "c-2", q)).message->seq;
  const NoteId n = must(add_note(room.id, bob_.id, "持ち物", "- 水\n- 軍手")).note->id;
  const EventNo ev = must(store().room(room.id)).ev;

  auto p1 = must(put_pin(room.id, carol_.id, Pin::Kind::message, s1, nullptr, kT0 + 7001));
  EXPECT_TRUE(p1.created);
  ASSERT_EQ(p1.events.size(), 1u);
  EXPECT_EQ(p1.events[0].ev, ev + 1);
  auto f = parse_frame(p1.events[0]);
  EXPECT_EQ(str_at(f, "type"), "pin.added");
  auto pin = f.at("pin").as_object();
  EXPECT_EQ(str_at(pin, "kind"), "message");
  EXPECT_EQ(pin.at("seq").as_int64(), s1);
  EXPECT_EQ(pin.at("by").as_int64(), carol_.id);
  EXPECT_EQ(str_at(pin, "by_name"), "上田 花");
  EXPECT_EQ(pin.at("at").as_int64(), kT0 + 7001);
  EXPECT_EQ(str_at(pin.at("message").as_object(), "body"), "集合場所は正面玄関");
  auto p2 = must(put_pin(room.id, carol_.id, Pin::Kind::note, n, nullptr, kT0 + 7002));
  auto pn = parse_frame(p2.events.at(0)).at("pin").as_object();
  EXPECT_EQ(str_at(pn, "kind"), "note");
  EXPECT_EQ(pn.at("note").as_int64(), n);
  EXPECT_EQ(str_at(pn.at("note_info").as_object(), "title"), "持ち物");
  EXPECT_FALSE(pn.at("note_info").as_object().contains("body"));
  must(put_pin(room.id, alice_.id, Pin::Kind::message, s2, nullptr, kT0 + 7003));
  EXPECT_EQ(*all_events(room.id).at(ev).frame, *p1.events[0].frame);  // stored as sent

  auto pins = must(store().pins(room.id));
  ASSERT_EQ(pins.size(), 3u);
  EXPECT_EQ(pins[0].kind, Pin::Kind::message);
  EXPECT_EQ(pins[0].seq, s2);
  ASSERT_TRUE(pins[0].message.has_value());
  ASSERT_TRUE(pins[0].message->action.has_value());
  EXPECT_EQ(pins[0].message->action->spec.title, "参加?");
  EXPECT_EQ(pins[1].kind, Pin::Kind::note);
  EXPECT_EQ(pins[1].note, n);
  ASSERT_TRUE(pins[1].note_info.has_value());
  EXPECT_EQ(pins[1].note_info->title, "持ち物");
  EXPECT_TRUE(pins[1].note_info->body.empty());
  EXPECT_EQ(pins[2].seq, s1);
  EXPECT_EQ(pins[2].by, carol_.id);
  EXPECT_EQ(pins[2].by_name, "上田 花");
  EXPECT_EQ(pins[2].at, kT0 + 7001);
  EXPECT_EQ(pins[2].message->body, "集合場所は正面玄関");

  // Pinned already: nothing written.
  const EventNo pinned = must(store().room(room.id)).ev;
  auto again = must(put_pin(room.id, bob_.id, Pin::Kind::message, s1));
  EXPECT_FALSE(again.created);
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(must(store().room(room.id)).ev, pinned);

  auto off = must(take_pin(room.id, bob_.id, Pin::Kind::message, s1));
  EXPECT_TRUE(off.created);
  ASSERT_EQ(off.events.size(), 1u);
  auto r = parse_frame(off.events[0]);
  EXPECT_EQ(str_at(r, "type"), "pin.removed");
  EXPECT_EQ(str_at(r, "kind"), "message");
  EXPECT_EQ(r.at("seq").as_int64(), s1);
  EXPECT_EQ(must(store().pins(room.id)).size(), 2u);
  auto not_pinned = must(take_pin(room.id, bob_.id, Pin::Kind::message, s1));
  EXPECT_FALSE(not_pinned.created);
  EXPECT_TRUE(not_pinned.events.empty());
  auto note_off = must(take_pin(room.id, bob_.id, Pin::Kind::note, n));
  EXPECT_EQ(parse_frame(note_off.events.at(0)).at("note").as_int64(), n);
}

TEST_P(StoreTest, PinsAreRefusedWhereTheContractSays) {
  Room room = group_room();
  const Seq seq = must(post(room.id, bob_.id, "c-1", "本文")).message->seq;
  const Seq gone = must(post(room.id, bob_.id, "c-2", "消す")).message->seq;
  must(wait<RoomChange>(
      [&](auto cb) { store().delete_message(room.id, gone, bob_.id, kT0 + 1100, cb); }));
  auto other = must(create_group(carol_.id, {}, "別室")).room;
  const NoteId elsewhere = must(add_note(other.id, carol_.id, "別室のノート", "")).note->id;
  const EventNo ev = must(store().room(room.id)).ev;
  auto code = [&](Pin::Kind kind, std::int64_t target, UserId by = 0) {
    return put_pin(room.id, by ? by : alice_.id, kind, target).status().code();
  };
  EXPECT_EQ(code(Pin::Kind::message, seq + 100), Code::not_found);
  EXPECT_EQ(code(Pin::Kind::message, gone), Code::not_found);
  EXPECT_EQ(code(Pin::Kind::note, elsewhere + 100), Code::not_found);
  EXPECT_EQ(code(Pin::Kind::note, elsewhere), Code::not_found);  // another room's
  EXPECT_EQ(code(Pin::Kind::message, 1), Code::invalid_argument);  // a system message
  EXPECT_EQ(code(Pin::Kind::message, seq, dave_.id), Code::not_found);
  EXPECT_EQ(take_pin(room.id, dave_.id, Pin::Kind::message, seq).status().code(), Code::not_found);
  std::optional<Member> seen;
  EXPECT_EQ(put_pin(room.id, bob_.id, Pin::Kind::message, seq, refuse(&seen)).status().code(),
            Code::permission_denied);
  EXPECT_EQ(seen->user, bob_.id);
  must(put_pin(room.id, bob_.id, Pin::Kind::message, seq));
  EXPECT_EQ(take_pin(room.id, bob_.id, Pin::Kind::message, seq, refuse(&seen)).status().code(),
            Code::permission_denied);
  EXPECT_EQ(must(store().pins(room.id)).size(), 1u);
  EXPECT_EQ(must(store().room(room.id)).ev, ev + 1);
}

TEST_P(StoreTest, ARoomKeepsAtMostTwentyPins) {
  Room room = group_room();
  std::vector<Seq> seqs;
  for (int i = 0; i < 21; ++i) {
    seqs.push_back(must(post(room.id, bob_.id, "c-" + std::to_string(i), "告知")).message->seq);
  }
  for (std::size_t i = 0; i < store::kMaxPinsPerRoom; ++i) {
    must(put_pin(room.id, bob_.id, Pin::Kind::message, seqs[i]));
  }
  const EventNo ev = must(store().room(room.id)).ev;
  EXPECT_EQ(put_pin(room.id, bob_.id, Pin::Kind::message, seqs[20]).status().code(), Code::conflict);
  EXPECT_EQ(must(store().room(room.id)).ev, ev);
  EXPECT_FALSE(must(put_pin(room.id, bob_.id, Pin::Kind::message, seqs[3])).created);  // already
  must(take_pin(room.id, bob_.id, Pin::Kind::message, seqs[0]));
  EXPECT_TRUE(must(put_pin(room.id, bob_.id, Pin::Kind::message, seqs[20])).created);
  EXPECT_EQ(must(store().pins(room.id)).size(), store::kMaxPinsPerRoom);
}

}  // namespace
}  // namespace tonari::testing
