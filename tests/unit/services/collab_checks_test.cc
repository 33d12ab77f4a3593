// The checks of what members type for working together: reaction keys, action stamps and
// their answers, notes (control characters, link schemes).
#include <gtest/gtest.h>

#include "services/actions.h"
#include "services/notes.h"
#include "services/reactions.h"
#include "services/text_checks.h"

namespace tonari::services {
namespace {

constexpr TimeMs kNow = 1'800'000'000'000;

TEST(ReactionKey, StampsAndSingleEmoji) {
  for (const char* ok : {"s:ryokai", "s:iie", "👍", "🙇", "❤️", "❤", "☺", "©",
                         "👍🏽", "🇯🇵", "1️⃣", "👨‍👩‍👧", "🙇‍♂️"}) {
    EXPECT_TRUE(check_reaction_key(ok).is_ok()) << ok;
  }
  EXPECT_EQ(check_reaction_key("s:nope").message(), "unknown stamp");
  EXPECT_EQ(check_reaction_key("s:").message(), "unknown stamp");
  for (const char* bad : {"", "a", "1", "#", "ok", " ", "　", "あ", "漢", "👍👍", "👍a", "a👍",
                          "\xF0\x9F", "ryokai", "\n"}) {
    Status st = check_reaction_key(bad);
    EXPECT_EQ(st.code(), Code::invalid_argument) << bad;
    EXPECT_EQ(st.message(), "not an emoji") << bad;
  }
  EXPECT_FALSE(check_reaction_key(std::string(40, 'x')).is_ok());
}

ActionSpec spec(ActionKind kind, std::vector<std::string> options = {}) {
  ActionSpec s;
  s.kind = kind;
  s.title = "懇親会の出欠";
  s.options = std::move(options);
  return s;
}

TEST(ActionSpecCheck, TheLimitsOfEachKind) {
  for (ActionKind k : {ActionKind::yesno, ActionKind::attendance}) {
    ActionSpec s = spec(k);
    EXPECT_TRUE(check_action_spec(s, kNow).is_ok());
    s.options = {"A", "B"};
    EXPECT_EQ(check_action_spec(s, kNow).code(), Code::invalid_argument);
  }
  ActionSpec choice = spec(ActionKind::choice, {"A"});
  EXPECT_NE(check_action_spec(choice, kNow).message().find("2 to 20"), std::string::npos);
  choice.options = {"A", "B"};
  EXPECT_TRUE(check_action_spec(choice, kNow).is_ok());
  choice.options.assign(21, "x");
  EXPECT_FALSE(check_action_spec(choice, kNow).is_ok());
  choice.options.assign(20, "x");
  choice.multiple = true;
  EXPECT_TRUE(check_action_spec(choice, kNow).is_ok());
  choice.options[3] = "  ";
  EXPECT_EQ(check_action_spec(choice, kNow).message(), "action.options[3]: is blank");
  choice.options[3] = std::string(101 * 3, 'x').substr(0, 101);
  EXPECT_NE(check_action_spec(choice, kNow).message().find("too long"), std::string::npos);

  ActionSpec schedule = spec(ActionKind::schedule);
  EXPECT_FALSE(check_action_spec(schedule, kNow).is_ok());
  schedule.options = {"12/6 (土) 10:00"};
  EXPECT_TRUE(check_action_spec(schedule, kNow).is_ok());
  schedule.options.assign(31, "日");
  EXPECT_FALSE(check_action_spec(schedule, kNow).is_ok());
  schedule.options.assign(30, "日");
  EXPECT_TRUE(check_action_spec(schedule, kNow).is_ok());
  schedule.multiple = true;
  EXPECT_EQ(check_action_spec(schedule, kNow).message(), "action.multiple: only for choice");
}

TEST(ActionSpecCheck, TitleDeadlineAndAssignees) {
  ActionSpec s = spec(ActionKind::yesno);
  s.title = "";
  EXPECT_FALSE(check_action_spec(s, kNow).is_ok());
  s.title = std::string(200, 'a');
  EXPECT_TRUE(check_action_spec(s, kNow).is_ok());
  s.title = std::string(201, 'a');
  EXPECT_FALSE(check_action_spec(s, kNow).is_ok());
  s.title = "一行目\n二行目";
  EXPECT_EQ(check_action_spec(s, kNow).code(), Code::invalid_argument);
  s.title = "締切";
  s.deadline = kNow;
  EXPECT_NE(check_action_spec(s, kNow).message().find("action.deadline"), std::string::npos);
  s.deadline = kNow + 1;
  EXPECT_TRUE(check_action_spec(s, kNow).is_ok());
  s.assignees = {3};
  EXPECT_EQ(check_action_spec(s, kNow).message(), "action.assignees: only for a task");

  ActionSpec task = spec(ActionKind::task);
  EXPECT_FALSE(check_action_spec(task, kNow).is_ok());
  task.assignees = {9, 3, 9, 5};
  task.changeable = false;
  EXPECT_TRUE(check_action_spec(task, kNow).is_ok());
  EXPECT_EQ(task.assignees, (std::vector<UserId>{3, 5, 9}));
  EXPECT_TRUE(task.changeable);  // a task is undone by withdrawing
  task.assignees.clear();
  for (UserId u = 1; u <= 101; ++u) task.assignees.push_back(u);
  EXPECT_FALSE(check_action_spec(task, kNow).is_ok());
}

TEST(ActionConflictReason, FromTheStoresMessage) {
  EXPECT_STREQ(action_conflict_reason(conflict("closed")), "closed");
  EXPECT_STREQ(action_conflict_reason(conflict("the question is closed")), "closed");
  EXPECT_STREQ(action_conflict_reason(conflict("past the deadline")), "deadline");
  EXPECT_STREQ(action_conflict_reason(conflict("already answered; not changeable")), "answered");
  EXPECT_EQ(action_conflict_reason(conflict("nobody is pending")), nullptr);
  EXPECT_EQ(action_conflict_reason(invalid_argument("closed")), nullptr);
  // A reminder's conflicts: closed, or nobody pending (whatever the words say).
  EXPECT_STREQ(action_conflict_reason(conflict("the question is closed"), false), "closed");
  EXPECT_EQ(action_conflict_reason(conflict("everyone has answered"), false), nullptr);
}

TEST(TextChecks, ControlCharactersAreLocated) {
  EXPECT_TRUE(check_text("一行目\n\t二行目", "body", 100).is_ok());
  EXPECT_EQ(check_text("ab\ncd\re", "body", 100).message(),
            "body: control character U+000D at line 2, column 3 (only line feeds and tabs are allowed)");
  EXPECT_TRUE(check_text("日本語\x07", "body", 100).message().starts_with(
      "body: control character U+0007 at line 1, column 4 ("));
  EXPECT_NE(check_text("x\xC2\x85", "body", 100).message().find("U+0085"), std::string::npos);
  EXPECT_NE(check_text("x\x7f", "body", 100).message().find("U+007F"), std::string::npos);
  EXPECT_NE(check_text("あいう", "body", 2).message().find("at most 2 characters (it has 3)"),
            std::string::npos);
  EXPECT_EQ(check_text("\xFF", "body", 2).message(), "body: not valid UTF-8");
  EXPECT_EQ(check_line("\t", "title", 10).message(), "title: is blank");
  EXPECT_EQ(check_line("a\tb", "title", 10).message(), "title: control character U+0009 (one line of text)");
}

TEST(NoteLinks, FoundInOrderOutsideCode) {
  const std::string body =
      "# 手順\n"
      "[庁内ポータル](https://portal.example.lg.jp/a_(b)) と ![図](img/a.png \"題\")\n"
      "`[コード](javascript:x)` は文字\n"
      "```\n[ブロック](javascript:y)\n```\n"
      "<mailto:soumu@example.lg.jp> と <https://example.jp>\n"
      "[ref]: http://ref.example.jp\n"
      "[改行](\n  relative/page)\n";
  const auto links = note_link_targets(body);
  ASSERT_EQ(links.size(), 6u);
  EXPECT_EQ(links[0], "https://portal.example.lg.jp/a_(b)");
  EXPECT_EQ(links[1], "img/a.png");
  EXPECT_EQ(links[2], "mailto:soumu@example.lg.jp");
  EXPECT_EQ(links[3], "https://example.jp");
  EXPECT_EQ(links[4], "http://ref.example.jp");
  EXPECT_EQ(links[5], "relative/page");
  EXPECT_TRUE(check_note("手順書", body).is_ok());
}

TEST(NoteLinks, OnlyHttpHttpsMailtoAndRelative) {
  EXPECT_TRUE(check_note("t", "[a](#見出し) [b](../x) [c](10:00) [d](<a b>) [e]()").is_ok());
  const auto refused = [](const std::string& body) { return check_note("t", body).message(); };
  EXPECT_EQ(refused("[ok](https://a.jp) [x](javascript:alert(1))").substr(0, 37),
            "note link 2: scheme not allowed (\"jav");
  for (const char* body : {"[x](JavaScript:alert(1))", "[x](<javascript:alert(1)>)",
                           "[x](java&Tab;script:alert(1))", "[x](javascript&colon;alert(1))",
                           "[x](&#106;avascript:alert(1))", "[x](&#x6A;avascript:alert(1))",
                           "[x](javascript\\:alert(1))", "[x]( \n vbscript:msgbox)",
                           "[x](data:text/html,<script>)", "<javascript:alert(1)>",
                           "[r]: javascript:alert(1)", "![i](file:///etc/passwd)",
                           // Conservative: a renderer might still take it for a link.
                           "\\[x](javascript:alert(1))"}) {
    const std::string m = refused(body);
    EXPECT_EQ(m.substr(0, 32), "note link 1: scheme not allowed ") << body << ": " << m;
  }
}

TEST(NoteCheck, TitleAndBodyLimits) {
  EXPECT_TRUE(check_note(std::string(100, 'a'), std::string(30000, 'b')).is_ok());
  EXPECT_EQ(check_note("", "").message(), "title: is blank");
  EXPECT_FALSE(check_note(std::string(101, 'a'), "").is_ok());
  EXPECT_NE(check_note("t", std::string(30001, 'b')).message().find("body: too long"), std::string::npos);
  EXPECT_NE(check_note("t", "a\x01").message().find("control character U+0001 at line 1, column 2"),
            std::string::npos);
}

}  // namespace
}  // namespace tonari::services
