// Full-text search over Japanese text: the one normalizer and tokenizer that every store
// uses, at index time and at query time, and the highlights that map a match back onto the
// original text.
//
// The search form of a text (normalize) is what the stores keep next to their index and
// what decides a match: a query term matches a text when its search form is a substring of
// the text's search form. The index only narrows the candidates (index_tokens at write time,
// term_patterns at query time: every text whose search form contains a term has every
// pattern of that term), then the store rechecks the substring, so results equal a
// brute-force scan of the search forms.
//
// The search form: NFKC with case folding (ＲＰＡ = RPA = rpa, ｶｲｷﾞ = カイギ), katakana
// folded to hiragana (ワクチン = わくちん), long vowel and dash variants (ー ｰ - ‐ ‑ ‒ – — ―
// − ─ ━ ﹣ －) as one ー, variation selectors and other default-ignorable code points
// dropped, white space runs as one space (none at either end), and a space before every
// word (a run of letters and digits that are not Japanese: Latin, digits, Greek ...), at
// the text's start too, and after it unless the text ends there. So a Japanese term
// matches anywhere (京都 finds 東京都), while a word matches only from its start (lgw finds
// LGWAN, wan does not; 3 finds 30). Symbols and emoji stay, matched as they are.
//
// Thread safety: pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace tonari::search {

// Bumped whenever normalize() or index_tokens() change what they give: stores compare it
// with the version their index was built with and ask for `tonari admin reindex`.
inline constexpr int kFulltextVersion = 1;

// The search form of `text` (see above). Invalid UTF-8 becomes U+FFFD. Idempotent:
// normalize(normalize(x)) == normalize(x).
std::string normalize(std::string_view text);

// The index terms of a search form (normalize's output): every adjacent pair of Japanese
// characters (kanji, hiragana, katakana folded to hiragana, ー, hangul) in a run of them,
// the run's last character alone, and every word (letters and digits), cut to
// kMaxTokenBytes. Punctuation, symbols and emoji give no token. In text order; a token may
// repeat.
inline constexpr std::size_t kMaxTokenBytes = 48;
void index_tokens(std::string_view normalized,
                  const std::function<void(std::string_view token)>& emit);
std::vector<std::string> index_tokens(std::string_view normalized);
// Whether `token` (one of index_tokens, or a TokenPattern's) is a word (letters and
// digits) rather than Japanese.
bool is_word_token(std::string_view token);
// Whether `token` begins with a kanji (a Han character: 課, 々).
bool starts_with_kanji(std::string_view token);

// What the index is asked for one query term: every pattern must be among the text's
// tokens (prefix: some token starts with it). A one-character Japanese run is a prefix
// (its character is the first of a pair or a run's last); a word that ends the term is a
// prefix (the text's word may go on); everything else is exact. Empty when the term has
// no letter, digit or Japanese character (it cannot be searched for).
struct TokenPattern {
  std::string token;
  bool prefix = false;
  bool operator==(const TokenPattern&) const = default;
};
std::vector<TokenPattern> term_patterns(std::string_view normalized_term);

// A parsed search box: words separated by white space (ASCII or 全角), all of them
// required; "a phrase in quotes" (", ＂, “ ”) is one term, spaces included; a leading - (or
// －) excludes a term. Terms are in search form (normalize), so each is matched by
// substring. invalid_argument (with an English message naming the rule) for an empty
// query, more than kMaxQueryTerms terms, more than kMaxQueryChars characters, a query of
// exclusions only, or a required term without a letter, digit or Japanese character.
inline constexpr std::size_t kMaxQueryTerms = 10;
inline constexpr std::size_t kMaxQueryChars = 200;
struct Query {
  std::vector<std::string> terms;     // required, search form, each with term_patterns
  std::vector<std::string> excluded;  // none of these may occur
};
Result<Query> parse_query(std::string_view text);

// A byte range of a text.
struct Span {
  std::size_t begin = 0, end = 0;
  bool operator==(const Span&) const = default;
};

// Where the terms (search forms, as in Query::terms) occur in the original `text`: byte
// ranges of `text`, sorted, overlapping ones merged, at most `max_spans`.
std::vector<Span> find_matches(std::string_view text, const std::vector<std::string>& terms,
                               std::size_t max_spans = 64);

// A short excerpt of `text` around its first match, for a result list: white space runs
// (new lines included) shown as one space, about `max_chars` characters, with "…" where
// text was cut. Pieces alternate between plain text and matches (hit = true).
struct SnippetPiece {
  std::string text;
  bool hit = false;
};
std::vector<SnippetPiece> snippet(std::string_view text, const std::vector<std::string>& terms,
                                  std::size_t max_chars = 120);

// A relevance score of `normalized` (a search form) for the terms: higher is better (how
// often the terms occur, over the text's length). Stores rank the newest
// kRelevanceWindow matches by it when asked for relevance order.
inline constexpr int kRelevanceWindow = 1000;
double relevance(std::string_view normalized, const std::vector<std::string>& terms);

namespace detail {
// Tests: whether normalize's shortcuts for common code points (ASCII, kana, kanji) give
// ICU's answer for `c`.
bool fast_path_agrees(char32_t c);
}  // namespace detail

}  // namespace tonari::search
