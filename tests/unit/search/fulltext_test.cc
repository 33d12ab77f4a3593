// The search form, the tokens, the query patterns and the highlights (search/fulltext.h),
// on a table of the cases municipal text brings.
#include "search/fulltext.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace tonari::search {
namespace {

using Strings = std::vector<std::string>;

struct FormCase {
  const char* in;
  const char* form;
};

TEST(Fulltext, SearchFormsOfATableOfCases) {
  const FormCase cases[] = {
      // Width and case.
      {"ＲＰＡ導入", " rpa 導入"},
      {"RPA導入", " rpa 導入"},
      {"ｶｲｷﾞ", "かいぎ"},                 // half-width katakana, voiced mark composed
      {"カイギ", "かいぎ"},
      {"ワクチン接種", "わくちん接種"},   // katakana = hiragana
      {"ヴァイオリン", "ゔぁいおりん"},
      {"ヽヾ", "ゝゞ"},
      // Long vowel and dash variants are one ー.
      {"サーバー", "さーばー"},
      {"サ－バ－", "さーばー"},
      {"ｻｰﾊﾞｰ", "さーばー"},
      {"サ‐バ―", "さーばー"},
      {"サ−バ─", "さーばー"},
      // Variation selectors and zero-width characters are dropped.
      {"葛\xEF\xB8\x80城市", "葛城市"},          // U+FE00
      {"葛\xF3\xA0\x84\x80城市", "葛城市"},      // U+E0100 (IVS)
      {"会\xE2\x80\x8B議", "会議"},              // U+200B
      // Enclosed and compatibility characters.
      {"㈱たなか", "(株)たなか"},
      {"①番", " 1 番"},
      {"㍻", "平成"},
      // White space runs become one space; words get spaces at their edges.
      {"  防災　　訓練\n\n実施 ", "防災 訓練 実施"},
      {"第3回会議", "第 3 回会議"},
      {"LGWAN-ASP", " lgwan ー asp"},
      {"e-mail", " e ー mail"},
      {"令和6年度", "令和 6 年度"},
      {"Café", " café"},
      // Emoji and symbols stay (they are matched by substring, never tokens).
      {"了解👍です", "了解👍です"},
      {"", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(normalize(c.in), c.form) << c.in;
    EXPECT_EQ(normalize(normalize(c.in)), normalize(c.in)) << "idempotent: " << c.in;
  }
}

TEST(Fulltext, InvalidUtf8IsReplacedNotRefused) {
  // U+FFFD is a symbol: the letters around it are words of their own.
  EXPECT_EQ(normalize(std::string("a\xFF") + "b"), " a \xEF\xBF\xBD b");
  EXPECT_EQ(normalize("\xE4\xBC"), "\xEF\xBF\xBD");  // a cut sequence is one character
}

TEST(Fulltext, ShortcutsForCommonCharactersAgreeWithIcuEverywhere) {
  std::vector<char32_t> wrong;
  for (char32_t c = 0; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;  // surrogates: never decoded from UTF-8
    if (!detail::fast_path_agrees(c)) wrong.push_back(c);
  }
  EXPECT_TRUE(wrong.empty()) << wrong.size() << " code points, the first U+" << std::hex
                             << static_cast<unsigned>(wrong.empty() ? 0 : wrong[0]);
}

TEST(Fulltext, TokensArePairsOfJapaneseRunsTheirLastCharacterAndWords) {
  EXPECT_EQ(index_tokens(normalize("防災訓練")), (Strings{"防災", "災訓", "訓練", "練"}));
  EXPECT_EQ(index_tokens(normalize("課")), (Strings{"課"}));
  EXPECT_EQ(index_tokens(normalize("RPA導入の件")),
            (Strings{"rpa", "導入", "入の", "の件", "件"}));
  EXPECT_EQ(index_tokens(normalize("会議。議室")), (Strings{"会議", "議", "議室", "室"}));
  EXPECT_EQ(index_tokens(normalize("第3回")), (Strings{"第", "3", "回"}));
  EXPECT_EQ(index_tokens(normalize("了解👍")), (Strings{"了解", "解"}));
  EXPECT_TRUE(index_tokens(normalize("👍🙇‍♂️！？")).empty());
  EXPECT_EQ(index_tokens(normalize("서울시")), (Strings{"서울", "울시", "시"}));
  // A very long word is cut at a character boundary.
  std::string longword(200, 'a');
  auto t = index_tokens(normalize(longword));
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].size(), kMaxTokenBytes);
  auto u = index_tokens(normalize(std::string(47, 'a') + "é"));
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0], std::string(47, 'a'));
}

TEST(Fulltext, WordTokensAreTheOnesOfLettersAndDigits) {
  for (const char* w : {"rpa", "3", "2026", "éte", "αβ", "москва"}) EXPECT_TRUE(is_word_token(w)) << w;
  for (const char* j : {"防災", "練", "わく", "ー", "서울", ""}) EXPECT_FALSE(is_word_token(j)) << j;
}

TEST(Fulltext, KanjiTokensAreTheOnesThatBeginWithAHanCharacter) {
  for (const char* k : {"課", "防災", "々", "𠮷野", "会ぎ"}) EXPECT_TRUE(starts_with_kanji(k)) << k;
  for (const char* o : {"わく", "ー", "rpa", "3", "서울", "★", ""}) EXPECT_FALSE(starts_with_kanji(o)) << o;
}

TEST(Fulltext, PatternsOfQueryTerms) {
  using P = TokenPattern;
  auto pats = [](const char* raw) {
    auto q = parse_query(raw);
    EXPECT_TRUE(q.ok()) << raw;
    return term_patterns(q->terms.at(0));
  };
  EXPECT_EQ(pats("課"), (std::vector<P>{{"課", true}}));
  EXPECT_EQ(pats("会議"), (std::vector<P>{{"会議", false}}));
  EXPECT_EQ(pats("会議室"), (std::vector<P>{{"会議", false}, {"議室", false}}));
  EXPECT_EQ(pats("lgw"), (std::vector<P>{{"lgw", true}}));
  EXPECT_EQ(pats("RPA導入"), (std::vector<P>{{"rpa", false}, {"導入", false}}));
  EXPECT_EQ(pats("第3"), (std::vector<P>{{"第", false}, {"3", true}}));
  EXPECT_EQ(pats("課。"), (std::vector<P>{{"課", false}}));
  EXPECT_TRUE(term_patterns(normalize("！？")).empty());
}

// The index finds every text whose search form contains the term: each of the term's
// patterns is among the text's tokens.
bool candidate(const std::string& text, const std::string& term) {
  auto tokens = index_tokens(normalize(text));
  for (const auto& p : term_patterns(term)) {
    bool found = std::any_of(tokens.begin(), tokens.end(), [&](const std::string& t) {
      return p.prefix ? t.rfind(p.token, 0) == 0 : t == p.token;
    });
    if (!found) return false;
  }
  return true;
}

bool matches(const std::string& text, const std::string& term) {
  return normalize(text).find(term) != std::string::npos;
}

TEST(Fulltext, EveryMatchIsACandidate) {
  const char* texts[] = {
      "総務課長より連絡", "東京都の防災訓練", "ＲＰＡ導入検討会議", "ﾜｸﾁﾝ接種会場",
      "LGWAN-ASPの更新", "第30回例規審査会", "会議室A", "令和6年度予算", "課",
      "サーバー更新のお知らせ", "e-mailで送付", "㈱たなか商店", "了解👍です", "ヴァイオリン教室",
  };
  const char* queries[] = {
      "課", "会議", "京都", "rpa", "ＲＰ", "わくちん", "ワクチン", "ｻｰﾊﾞｰ", "サ-バ-", "3",
      "30回", "第3", "室a", "lgwan-asp", "asp", "mail", "(株)", "株", "👍", "審査会", "長",
      "議室", "ゔぁ", "お知らせ", "度予",
  };
  for (const char* q : queries) {
    auto parsed = parse_query(q);
    if (!parsed.ok()) continue;  // 👍 alone cannot be searched for
    for (const auto& term : parsed->terms) {
      for (const char* t : texts) {
        if (matches(t, term)) {
          EXPECT_TRUE(candidate(t, term)) << q << " in " << t;
        }
      }
    }
  }
  // And the substring rule gives what a user expects.
  auto term = [](const char* q) { return parse_query(q)->terms.at(0); };
  EXPECT_TRUE(matches("東京都の防災訓練", term("京都")));
  EXPECT_TRUE(matches("ＲＰＡ導入検討会議", term("rpa")));
  EXPECT_TRUE(matches("ﾜｸﾁﾝ接種会場", term("わくちん")));
  EXPECT_TRUE(matches("サーバー更新", term("ｻｰﾊﾞｰ")));
  EXPECT_TRUE(matches("LGWAN-ASPの更新", term("asp")));      // a word of its own
  EXPECT_FALSE(matches("LGWANの更新", term("wan")));         // not a word's start
  EXPECT_TRUE(matches("LGWANの更新", term("lgw")));          // a word's start
  EXPECT_TRUE(matches("第30回", term("第3")));
  EXPECT_FALSE(matches("第130回", term("30")));
}

// The same property on generated texts of the characters that make search hard, with
// terms cut from other generated texts: whatever matches is a candidate, and highlights
// are ranges of whole characters of the original.
TEST(Fulltext, EveryMatchIsACandidateOnGeneratedText) {
  const char* alphabet[] = {
      "会", "議", "課", "防", "災", "京", "都", "か", "カ", "ｶ", "ﾞ", "ガ", "ー", "ｰ", "-",
      "－", "‐", "a", "A", "Ａ", "b", "1", "１", "2", " ", "　", "\n", "。", "、", "(",
      "㈱", "株", "\xEF\xB8\x80", "👍", "é", "e\xCC\x81", "ワ", "わ", "ｸ", "ク", "く",
  };
  const std::size_t n = sizeof(alphabet) / sizeof(alphabet[0]);
  std::uint32_t seed = 12345;
  auto rnd = [&](std::uint32_t m) {
    seed = seed * 1664525u + 1013904223u;
    return (seed >> 8) % m;
  };
  auto gen = [&](std::size_t len) {
    std::string s;
    for (std::size_t i = 0; i < len; ++i) s += alphabet[rnd(n)];
    return s;
  };
  int checked = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = gen(1 + rnd(16));
    std::string other = rnd(2) ? text : gen(1 + rnd(16));
    // A term: a piece of `other`, which is often a piece of `text`.
    std::size_t a = rnd(static_cast<std::uint32_t>(other.size()));
    while (a > 0 && (static_cast<unsigned char>(other[a]) & 0xC0) == 0x80) --a;
    std::size_t b = a + 1 + rnd(8);
    while (b < other.size() && (static_cast<unsigned char>(other[b]) & 0xC0) == 0x80) ++b;
    auto q = parse_query("\"" + other.substr(a, b - a) + "\"");
    if (!q.ok()) continue;
    const std::string& term = q->terms.at(0);
    if (matches(text, term)) {
      ++checked;
      EXPECT_TRUE(candidate(text, term)) << "term [" << term << "] text [" << text << "]";
      auto spans = find_matches(text, q->terms);
      EXPECT_FALSE(spans.empty()) << "term [" << term << "] text [" << text << "]";
      for (const auto& sp : spans) {
        ASSERT_LT(sp.begin, sp.end);
        ASSERT_LE(sp.end, text.size());
        EXPECT_NE(static_cast<unsigned char>(text[sp.begin]) & 0xC0, 0x80u);
        if (sp.end < text.size()) {
          EXPECT_NE(static_cast<unsigned char>(text[sp.end]) & 0xC0, 0x80u);
        }
      }
    }
    EXPECT_EQ(normalize(normalize(text)), normalize(text)) << text;
  }
  EXPECT_GT(checked, 500);
}

TEST(Fulltext, ParsingAQuery) {
  auto q = parse_query("  防災　訓練 -中止 \"会議 資料\" －延期 “ＲＰＡ 導入” ");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->terms, (Strings{"防災", "訓練", "会議 資料", " rpa 導入"}));
  EXPECT_EQ(q->excluded, (Strings{"中止", "延期"}));

  EXPECT_EQ(parse_query("会議 会議 ｶｲｷﾞ カイギ")->terms, (Strings{"会議", "かいぎ"}));
  EXPECT_EQ(parse_query("-")->terms, (Strings{"ー"}));  // a lone dash is a character
  EXPECT_EQ(parse_query("\"未閉じの引用")->terms, (Strings{"未閉じの引用"}));

  EXPECT_EQ(parse_query("").status().code(), Code::invalid_argument);
  EXPECT_EQ(parse_query(" 　 ").status().code(), Code::invalid_argument);
  EXPECT_EQ(parse_query("-中止").status().code(), Code::invalid_argument);
  EXPECT_EQ(parse_query("！？").status().code(), Code::invalid_argument);
  EXPECT_EQ(parse_query("👍").status().code(), Code::invalid_argument);
  EXPECT_EQ(parse_query(std::string(201, 'a')).status().code(), Code::invalid_argument);
  EXPECT_TRUE(parse_query(std::string(200, 'a')).ok());
  EXPECT_EQ(parse_query("a b c d e f g h i j k").status().code(), Code::invalid_argument);
  EXPECT_TRUE(parse_query("a b c d e f g h i j").ok());
  EXPECT_EQ(parse_query("\xFF").status().code(), Code::invalid_argument);
}

std::vector<std::string> marked(const std::string& text, const char* query) {
  auto q = parse_query(query);
  std::vector<std::string> out;
  for (const auto& s : find_matches(text, q->terms)) {
    out.push_back(text.substr(s.begin, s.end - s.begin));
  }
  return out;
}

TEST(Fulltext, HighlightsLandOnTheOriginalText) {
  EXPECT_EQ(marked("ﾜｸﾁﾝ接種会場のﾜｸﾁﾝ", "わくちん"), (Strings{"ﾜｸﾁﾝ", "ﾜｸﾁﾝ"}));
  EXPECT_EQ(marked("ＲＰＡ導入", "rpa"), (Strings{"ＲＰＡ"}));
  EXPECT_EQ(marked("ｶﾞｲﾄﾞﾗｲﾝ改定", "ガイド"), (Strings{"ｶﾞｲﾄﾞ"}));
  EXPECT_EQ(marked("葛\xEF\xB8\x80城市役所", "葛城市"), (Strings{"葛\xEF\xB8\x80城市"}));
  EXPECT_EQ(marked("㈱たなか", "株"), (Strings{"㈱"}));
  EXPECT_EQ(marked("防災  訓練", "\"防災 訓練\""), (Strings{"防災  訓練"}));
  EXPECT_EQ(marked("会議と会議室", "会議 議室"), (Strings{"会議", "会議室"}));
  EXPECT_EQ(marked("LGWAN-ASPとASP", "asp"), (Strings{"ASP", "ASP"}));
  EXPECT_EQ(marked("ああああ", "ああ"), (Strings{"ああああ"}));
  EXPECT_TRUE(marked("会議", "予算").empty());
}

std::string render(const std::vector<SnippetPiece>& pieces) {
  std::string s;
  for (const auto& p : pieces) s += p.hit ? "[" + p.text + "]" : p.text;
  return s;
}

TEST(Fulltext, SnippetsShowTheMatchWithItsContext) {
  auto q = parse_query("会議");
  EXPECT_EQ(render(snippet("明日の会議は\n\n10時から", q->terms)), "明日の[会議]は 10時から");
  std::string long_text;
  for (int i = 0; i < 20; ++i) long_text += "前置きの文章です。";
  long_text += "本日の会議資料を共有します。";
  for (int i = 0; i < 20; ++i) long_text += "後書きの文章です。";
  auto s = render(snippet(long_text, q->terms, 60));
  EXPECT_EQ(s.rfind("…", 0), 0u) << s;
  EXPECT_NE(s.find("本日の[会議]資料"), std::string::npos) << s;
  EXPECT_EQ(s.substr(s.size() - 3), "…");
  // No match (a note found by its title): the text's beginning.
  EXPECT_EQ(render(snippet("議事録です", q->terms)), "議事録です");
}

TEST(Fulltext, RelevancePrefersMoreOccurrencesInShorterTexts) {
  auto t = parse_query("会議")->terms;
  EXPECT_GT(relevance(normalize("会議の会議"), t), relevance(normalize("会議の件"), t));
  EXPECT_GT(relevance(normalize("会議の件"), t),
            relevance(normalize("会議の件について長い説明が続きますがここでは省略します"), t));
  EXPECT_EQ(relevance(normalize("予算"), t), 0);
}

}  // namespace
}  // namespace tonari::search
