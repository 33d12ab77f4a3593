#include "search/fulltext.h"

#include <unicode/bytestream.h>
#include <unicode/edits.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

namespace tonari::search {
namespace {

constexpr char32_t kChoon = 0x30FC;  // ー: every long vowel and dash variant becomes it

// What a character of a search form is, for the word edges and for the tokens.
enum class Kind { space, word, japanese, other };

bool is_dash(char32_t c) {
  switch (c) {
    case 0x002D:  // - (and － after NFKC)
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2015:
    case 0x2212:  // −
    case 0x2500: case 0x2501:  // ─ ━, often typed for a long vowel or a dash
    case 0x2E3A: case 0x2E3B:
    case 0xFE58: case 0xFE63:
    case 0x30FC:  // ー (and ｰ after NFKC)
      return true;
    default:
      return false;
  }
}

bool is_ignorable(char32_t c) {
  return (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0100 && c <= 0xE01EF) ||
         u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

bool is_mark(char32_t c) {
  auto t = u_charType(static_cast<UChar32>(c));
  return t == U_NON_SPACING_MARK || t == U_COMBINING_SPACING_MARK || t == U_ENCLOSING_MARK;
}

// Most of a municipal text is ASCII, kana and the common kanji. Their kind and fold are
// answered here without ICU's property lookups, which took most of normalize's time
// (detail::fast_path_agrees checks these answers against ICU's for every code point).
bool is_common_japanese(char32_t c) {
  return (c >= 0x3041 && c <= 0x3096) ||  // hiragana
         (c >= 0x30A1 && c <= 0x30FA) ||  // katakana
         (c >= 0x4E00 && c <= 0x9FFF);    // CJK unified ideographs
}

bool is_ascii_alnum(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

Kind kind_by_icu(char32_t c) {
  UErrorCode err = U_ZERO_ERROR;
  switch (uscript_getScript(static_cast<UChar32>(c), &err)) {
    case USCRIPT_HAN:
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_HANGUL:
      return Kind::japanese;
    default:
      break;
  }
  return u_isalnum(static_cast<UChar32>(c)) ? Kind::word : Kind::other;
}

Kind kind_of(char32_t c) {
  if (c == ' ') return Kind::space;
  if (c < 0x80) return is_ascii_alnum(c) ? Kind::word : Kind::other;
  if (c == kChoon || is_common_japanese(c)) return Kind::japanese;
  return kind_by_icu(c);
}

// One step after NFKC case folding: the character of the search form that `c` becomes, or
// 0 to drop it, or ' ' for white space.
char32_t fold_char_by_icu(char32_t c) {
  if (is_dash(c)) return kChoon;
  if (u_isUWhiteSpace(static_cast<UChar32>(c)) || u_iscntrl(static_cast<UChar32>(c))) return ' ';
  if (is_ignorable(c)) return 0;
  return c;
}

char32_t fold_char(char32_t c) {
  if (c >= 0x30A1 && c <= 0x30F6) return c - 0x60;  // katakana ァ..ヶ -> hiragana ぁ..ゖ
  if (c == 0x30FD || c == 0x30FE) return c - 0x60;  // ヽ ヾ -> ゝ ゞ
  if (c < 0x80) return c <= 0x20 || c == 0x7F ? U' ' : c == '-' ? kChoon : c;
  if (is_common_japanese(c)) return c;
  return fold_char_by_icu(c);
}

void append_utf8(std::string& out, char32_t c) {
  char buf[4];
  int32_t n = 0;
  UBool error = false;
  U8_APPEND(reinterpret_cast<uint8_t*>(buf), n, 4, static_cast<UChar32>(c), error);
  if (!error) out.append(buf, static_cast<std::size_t>(n));
}

// Decodes the code point of `s` at byte `i` and moves `i` past it (U+FFFD for a bad byte).
inline char32_t next_cp(std::string_view s, std::size_t& i) {
  if (static_cast<unsigned char>(s[i]) < 0x80) return static_cast<unsigned char>(s[i++]);
  UChar32 c = 0;
  auto len = static_cast<int32_t>(s.size());
  auto at = static_cast<int32_t>(i);
  U8_NEXT_OR_FFFD(reinterpret_cast<const uint8_t*>(s.data()), at, len, c);
  i = static_cast<std::size_t>(at);
  return static_cast<char32_t>(c);
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    UChar32 c = 0;
    auto at = static_cast<int32_t>(i);
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), at, static_cast<int32_t>(s.size()), c);
    if (c < 0) return false;
    i = static_cast<std::size_t>(at);
  }
  return true;
}

std::string repaired(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) append_utf8(out, next_cp(s, i));
  return out;
}

// A search form, and for each of its bytes the byte range of the original it came from
// (an inserted space: an empty range).
struct Form {
  std::string text;
  std::vector<std::uint32_t> from, to;  // empty unless asked for
};

// NFKC_Casefold of `text`, with an offset map when `map` is set: `from`/`to` per byte of
// the result. Valid UTF-8 in.
std::string nfkc_casefold(std::string_view text, std::vector<std::uint32_t>* from,
                          std::vector<std::uint32_t>* to) {
  UErrorCode err = U_ZERO_ERROR;
  // Owned by ICU, immutable and thread-safe.
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(err);
  std::string out;
  if (U_FAILURE(err)) return std::string(text);
  out.reserve(text.size() + text.size() / 4);
  icu::StringByteSink<std::string> sink(&out);
  icu::Edits edits;
  nfkc_cf->normalizeUTF8(0, icu::StringPiece(text.data(), static_cast<int32_t>(text.size())),
                         sink, from ? &edits : nullptr, err);
  if (U_FAILURE(err)) {
    out.assign(text);
    if (from) {
      from->resize(out.size());
      to->resize(out.size());
      for (std::size_t i = 0; i < out.size(); ++i) (*from)[i] = i, (*to)[i] = i + 1;
    }
    return out;
  }
  if (!from) return out;
  from->assign(out.size(), 0);
  to->assign(out.size(), 0);
  auto it = edits.getFineIterator();
  while (it.next(err)) {
    auto src = static_cast<std::uint32_t>(it.sourceIndex());
    auto dst = static_cast<std::size_t>(it.destinationIndex());
    auto n = static_cast<std::size_t>(it.newLength());
    for (std::size_t k = 0; k < n && dst + k < out.size(); ++k) {
      if (it.hasChange()) {
        (*from)[dst + k] = src;
        (*to)[dst + k] = src + static_cast<std::uint32_t>(it.oldLength());
      } else {
        (*from)[dst + k] = src + static_cast<std::uint32_t>(k);
        (*to)[dst + k] = src + static_cast<std::uint32_t>(k) + 1;
      }
    }
  }
  return out;
}

Form make_form(std::string_view original, bool map) {
  std::string fixed;
  if (!valid_utf8(original)) {
    fixed = repaired(original);
    original = fixed;
  }
  std::vector<std::uint32_t> nf_from, nf_to;
  std::string nf = nfkc_casefold(original, map ? &nf_from : nullptr, map ? &nf_to : nullptr);

  Form f;
  f.text.reserve(nf.size() + 8);
  Kind last = Kind::space;  // of the last character written; space: none yet
  bool pending_space = false;  // white space since it
  std::uint32_t pending_at = 0;
  auto put = [&](char32_t c, std::uint32_t b, std::uint32_t e) {
    append_utf8(f.text, c);
    if (map) {
      f.from.resize(f.text.size(), b);
      f.to.resize(f.text.size(), e);
    }
  };
  for (std::size_t i = 0; i < nf.size();) {
    std::size_t start = i;
    char32_t c = fold_char(next_cp(nf, i));
    if (c == 0) continue;
    std::uint32_t b = 0, e = 0;
    if (map) {  // a character's bytes may come from different edits: take them all
      b = nf_from[start];
      e = nf_to[start];
      for (std::size_t k = start + 1; k < i; ++k) {
        b = std::min(b, nf_from[k]);
        e = std::max(e, nf_to[k]);
      }
    }
    if (c == ' ') {
      if (!f.text.empty() && !pending_space) {
        pending_space = true;
        pending_at = b;
      }
      continue;
    }
    Kind k = kind_of(c);
    if (k == Kind::other && last == Kind::word && is_mark(c)) k = Kind::word;
    // A space before every word (at the text's start too) and after it.
    bool edge = (k == Kind::word) != (last == Kind::word);
    if (pending_space || edge) {
      std::uint32_t at = pending_space ? pending_at : b;
      put(' ', at, at);
      pending_space = false;
    }
    put(c, b, e);
    last = k;
  }
  return f;
}

// Splits a search form into its runs: calls `run(kind, begin, end, chars)` for each
// maximal run of japanese or word characters (byte offsets), in order. Other characters
// and spaces end runs.
template <class F>
void for_each_run(std::string_view form, F&& run) {
  Kind cur = Kind::space;
  std::size_t begin = 0;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < form.size();) {
    std::size_t at = i;
    Kind k = kind_of(next_cp(form, i));
    // A combining mark inside a word stays in it (as in make_form).
    if (k == Kind::other && cur == Kind::word) {
      std::size_t j = at;
      if (is_mark(next_cp(form, j))) k = Kind::word;
    }
    if (k != cur) {
      if (cur == Kind::word || cur == Kind::japanese) run(cur, begin, at, chars);
      cur = k;
      begin = at;
      chars = 0;
    }
    ++chars;
  }
  if (cur == Kind::word || cur == Kind::japanese) run(cur, begin, form.size(), chars);
}

std::string_view cut_token(std::string_view t) {
  if (t.size() <= kMaxTokenBytes) return t;
  std::size_t n = kMaxTokenBytes;
  while (n > 0 && (static_cast<unsigned char>(t[n]) & 0xC0) == 0x80) --n;
  return t.substr(0, n);
}

std::size_t cp_count(std::string_view s) {
  std::size_t n = 0;
  for (char ch : s) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return n;
}

// The term without the space a word's start puts before it only where the term begins
// with a word (a Japanese term matches anywhere); trailing spaces go.
std::string term_form(std::string_view raw) {
  std::string t = normalize(raw);
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t;
}

}  // namespace

bool detail::fast_path_agrees(char32_t c) {
  const bool katakana = (c >= 0x30A1 && c <= 0x30F6) || c == 0x30FD || c == 0x30FE;
  const char32_t fold = katakana ? c - 0x60 : fold_char_by_icu(c);
  const Kind kind = c == ' ' ? Kind::space : c == kChoon ? Kind::japanese : kind_by_icu(c);
  return fold_char(c) == fold && kind_of(c) == kind;
}

std::string normalize(std::string_view text) { return make_form(text, false).text; }

void index_tokens(std::string_view normalized,
                  const std::function<void(std::string_view token)>& emit) {
  for_each_run(normalized, [&](Kind k, std::size_t b, std::size_t e, std::size_t) {
    std::string_view run = normalized.substr(b, e - b);
    if (k == Kind::word) {
      emit(cut_token(run));
      return;
    }
    // Japanese: every adjacent pair, then the last character alone.
    std::size_t i = 0;
    next_cp(run, i);
    std::size_t prev = 0;
    while (i < run.size()) {
      std::size_t j = i;
      next_cp(run, j);
      emit(run.substr(prev, j - prev));
      prev = i;
      i = j;
    }
    emit(run.substr(prev));
  });
}

std::vector<std::string> index_tokens(std::string_view normalized) {
  std::vector<std::string> out;
  index_tokens(normalized, [&](std::string_view t) { out.emplace_back(t); });
  return out;
}

bool is_word_token(std::string_view token) {
  std::size_t i = 0;
  return !token.empty() && kind_of(next_cp(token, i)) == Kind::word;
}

bool starts_with_kanji(std::string_view token) {
  if (token.empty()) return false;
  std::size_t i = 0;
  const char32_t c = next_cp(token, i);
  if (c >= 0x4E00 && c <= 0x9FFF) return true;
  UErrorCode err = U_ZERO_ERROR;
  return uscript_getScript(static_cast<UChar32>(c), &err) == USCRIPT_HAN;
}

std::vector<TokenPattern> term_patterns(std::string_view term) {
  std::vector<TokenPattern> out;
  auto add = [&](std::string_view t, bool prefix) {
    TokenPattern p{std::string(cut_token(t)), prefix};
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(std::move(p));
  };
  for_each_run(term, [&](Kind k, std::size_t b, std::size_t e, std::size_t chars) {
    std::string_view run = term.substr(b, e - b);
    bool at_end = e == term.size();
    if (k == Kind::word) {
      // Followed by anything, the text's word ends where the term's does.
      add(run, at_end);
      return;
    }
    if (chars == 1) {
      // One character: a text's run that ends with it has it alone; at the term's end the
      // text's run may go on, so any pair it begins.
      add(run, at_end);
      return;
    }
    std::size_t i = 0;
    next_cp(run, i);
    std::size_t prev = 0;
    while (i < run.size()) {
      std::size_t j = i;
      next_cp(run, j);
      add(run.substr(prev, j - prev), false);
      prev = i;
      i = j;
    }
  });
  return out;
}

Result<Query> parse_query(std::string_view text) {
  if (!valid_utf8(text)) return invalid_argument("the search is not valid UTF-8");
  if (cp_count(text) > kMaxQueryChars) {
    return invalid_argument("a search has at most " + std::to_string(kMaxQueryChars) +
                            " characters");
  }
  auto is_quote = [](char32_t c) {
    return c == '"' || c == 0xFF02 || c == 0x201C || c == 0x201D;
  };
  auto is_minus = [](char32_t c) { return c == '-' || c == 0xFF0D || c == 0x2212; };
  auto is_space = [](char32_t c) { return u_isUWhiteSpace(static_cast<UChar32>(c)) != 0; };

  Query q;
  std::size_t terms = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t at = i;
    char32_t c = next_cp(text, i);
    if (is_space(c)) continue;
    bool exclude = false;
    if (is_minus(c) && i < text.size()) {
      std::size_t j = i;
      char32_t d = next_cp(text, j);
      if (!is_space(d)) {
        exclude = true;
        at = i;
        c = next_cp(text, i);
      }
    }
    std::string_view raw;
    if (is_quote(c)) {
      std::size_t begin = i, end = text.size();
      while (i < text.size()) {
        std::size_t k = i;
        if (is_quote(next_cp(text, i))) {
          end = k;
          break;
        }
      }
      raw = text.substr(begin, end - begin);
    } else {
      std::size_t end = text.size();
      while (i < text.size()) {
        std::size_t k = i;
        if (is_space(next_cp(text, i))) {
          end = k;
          break;
        }
      }
      raw = text.substr(at, end - at);
    }
    std::string t = term_form(raw);
    if (t.empty()) continue;
    if (++terms > kMaxQueryTerms) {
      return invalid_argument("a search has at most " + std::to_string(kMaxQueryTerms) +
                              " words");
    }
    auto& list = exclude ? q.excluded : q.terms;
    if (std::find(list.begin(), list.end(), t) == list.end()) list.push_back(std::move(t));
  }
  if (q.terms.empty()) {
    return invalid_argument(terms == 0 ? "the search is empty"
                                       : "a search needs a word that is not excluded (-)");
  }
  for (const auto& t : q.terms) {
    if (term_patterns(t).empty()) {
      return invalid_argument("a search word needs a letter, a digit or a Japanese character");
    }
  }
  return q;
}

std::vector<Span> find_matches(std::string_view text, const std::vector<std::string>& terms,
                               std::size_t max_spans) {
  Form f = make_form(text, true);
  std::vector<Span> spans;
  for (const auto& term : terms) {
    std::string_view t = term;
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    if (t.empty()) continue;
    // Search with the term as given (its leading space makes a word match only at a word's
    // start), highlight without the space.
    std::size_t skip = term.size() - t.size();
    for (std::size_t pos = f.text.find(term); pos != std::string::npos;
         pos = f.text.find(term, pos + 1)) {
      std::size_t b = pos + skip, e = pos + term.size();
      while (e > b && f.text[e - 1] == ' ') --e;
      if (b >= e) continue;
      spans.push_back({f.from[b], f.to[e - 1]});
      if (spans.size() > 4 * max_spans) break;
    }
  }
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin || (a.begin == b.begin && a.end > b.end); });
  std::vector<Span> merged;
  for (const auto& s : spans) {
    if (!merged.empty() && s.begin <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, s.end);
    } else {
      merged.push_back(s);
    }
  }
  if (merged.size() > max_spans) merged.resize(max_spans);
  return merged;
}

std::vector<SnippetPiece> snippet(std::string_view text_in, const std::vector<std::string>& terms,
                                  std::size_t max_chars) {
  std::string fixed;
  std::string_view text = text_in;
  if (!valid_utf8(text)) {
    fixed = repaired(text);
    text = fixed;
  }
  auto spans = find_matches(text, terms);
  // Start a little before the first match, so that it shows with what leads to it.
  std::size_t start = 0;
  if (!spans.empty()) {
    std::size_t lead = max_chars / 4;
    start = spans.front().begin;
    while (start > 0 && lead > 0) {
      --start;
      while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
      --lead;
    }
  }
  std::vector<SnippetPiece> out;
  auto add = [&](std::string_view s, bool hit) {
    if (s.empty()) return;
    if (!out.empty() && out.back().hit == hit) {
      out.back().text += s;
    } else {
      out.push_back({std::string(s), hit});
    }
  };
  // Leading white space of the window goes.
  while (start < text.size()) {
    std::size_t j = start;
    char32_t c = next_cp(text, j);
    if (!u_isUWhiteSpace(static_cast<UChar32>(c))) break;
    start = j;
  }
  if (start > 0) add("…", false);
  std::size_t chars = 0, i = start, s = 0;
  bool in_space = false;
  while (i < text.size() && chars < max_chars) {
    std::size_t at = i;
    char32_t c = next_cp(text, i);
    while (s < spans.size() && spans[s].end <= at) ++s;
    bool hit = s < spans.size() && spans[s].begin <= at && at < spans[s].end;
    if (u_isUWhiteSpace(static_cast<UChar32>(c)) || u_iscntrl(static_cast<UChar32>(c))) {
      if (!in_space) add(" ", hit), ++chars;
      in_space = true;
      continue;
    }
    in_space = false;
    add(text.substr(at, i - at), hit);
    ++chars;
  }
  // Trailing white space goes too.
  if (!out.empty() && !out.back().hit) {
    auto& t = out.back().text;
    while (!t.empty() && t.back() == ' ') t.pop_back();
    if (t.empty()) out.pop_back();
  }
  if (i < text.size()) add("…", false);
  return out;
}

double relevance(std::string_view normalized, const std::vector<std::string>& terms) {
  double score = 0;
  for (const auto& t : terms) {
    if (t.empty()) continue;
    int n = 0;
    for (std::size_t p = normalized.find(t); p != std::string_view::npos && n < 20;
         p = normalized.find(t, p + t.size())) {
      ++n;
    }
    score += std::log1p(n) * static_cast<double>(cp_count(t));
  }
  return score / std::log2(2.0 + static_cast<double>(cp_count(normalized)) / 16.0);
}

}  // namespace tonari::search
