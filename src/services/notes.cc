#include "services/notes.h"

#include <string>

#include "services/access.h"
#include "services/events.h"
#include "services/policies.h"
#include "services/text_checks.h"

namespace tonari::services {
namespace {

bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool scheme_char(char c) { return ascii_alpha(c) || ascii_digit(c) || c == '+' || c == '-' || c == '.'; }
bool ascii_punct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

std::size_t run_of(std::string_view s, std::size_t i, char c) {
  std::size_t j = i;
  while (j < s.size() && s[j] == c) ++j;
  return j - i;
}

std::size_t line_end(std::string_view s, std::size_t i) {
  const std::size_t e = s.find('\n', i);
  return e == std::string_view::npos ? s.size() : e;
}

// A link destination starting at s[i] (CommonMark): "<...>" on one line, or the text up to
// white space or an unbalanced ')'. Sets `end` past it.
std::string_view destination(std::string_view s, std::size_t i, std::size_t& end) {
  if (i < s.size() && s[i] == '<') {
    std::size_t j = i + 1;
    while (j < s.size() && s[j] != '>' && s[j] != '\n') j += s[j] == '\\' && j + 1 < s.size() ? 2 : 1;
    end = std::min(j + 1, s.size());
    return s.substr(i + 1, std::min(j, s.size()) - i - 1);
  }
  std::size_t j = i;
  int depth = 0;
  while (j < s.size()) {
    const char c = s[j];
    if (static_cast<unsigned char>(c) <= ' ') break;
    if (c == '\\' && j + 1 < s.size()) {
      j += 2;
      continue;
    }
    if (c == '(') ++depth;
    if (c == ')' && depth-- == 0) break;
    ++j;
  }
  end = j;
  return s.substr(i, j - i);
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The entity at s[i] ('&'): its text decoded into `out` and its length, or 0 if it is none
// that can make a scheme (numeric ones, and the named ones that give ASCII the scheme
// grammar or a browser's URL parser cares about; none gives a letter).
std::size_t decode_entity(std::string_view s, std::size_t i, std::string& out) {
  const std::size_t semi = s.find(';', i);
  if (semi == std::string_view::npos || semi - i > 12) return 0;
  const std::string_view name = s.substr(i + 1, semi - i - 1);
  if (name.size() >= 2 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    std::uint32_t cp = 0;
    const std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    for (char c : digits) {
      int d = ascii_digit(c) ? c - '0' : -1;
      if (hex && d < 0 && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) d = (c | 0x20) - 'a' + 10;
      if (d < 0) return 0;
      cp = std::min<std::uint32_t>(cp * (hex ? 16 : 10) + d, 0x110000);
    }
    append_utf8(out, cp);
    return semi - i + 1;
  }
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"colon", ':'}, {"Tab", '\t'}, {"NewLine", '\n'}, {"plus", '+'}, {"period", '.'},
      {"amp", '&'},   {"sol", '/'},  {"quest", '?'},    {"num", '#'}};
  for (const auto& [n, c] : kNamed) {
    if (name == n) {
      out += c;
      return semi - i + 1;
    }
  }
  return 0;
}

// The scheme of link destination `dest` as a browser reads it once the Markdown renderer
// has decoded it (backslash escapes, entities), lower case; empty for a relative link. The
// URL parser drops tabs and line breaks anywhere and leading controls and spaces, so
// "java&Tab;script:" is "javascript:".
std::string link_scheme(std::string_view dest) {
  std::string decoded;
  for (std::size_t i = 0; i < dest.size(); ++i) {
    const char c = dest[i];
    if (c == '\\' && i + 1 < dest.size() && ascii_punct(dest[i + 1])) {
      decoded += dest[++i];
    } else if (const std::size_t len = c == '&' ? decode_entity(dest, i, decoded) : 0; len > 0) {
      i += len - 1;
    } else {
      decoded += c;
    }
  }
  std::string u;
  for (char c : decoded) {
    if (c != '\t' && c != '\n' && c != '\r') u += c;
  }
  std::size_t k = 0;
  while (k < u.size() && static_cast<unsigned char>(u[k]) <= ' ') ++k;
  const std::size_t start = k;
  if (k == u.size() || !ascii_alpha(u[k])) return {};
  while (k < u.size() && scheme_char(u[k])) ++k;
  if (k == u.size() || u[k] != ':') return {};
  std::string scheme = u.substr(start, k - start);
  for (char& c : scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return scheme;
}

}  // namespace

std::vector<std::string_view> note_link_targets(std::string_view s) {
  std::vector<std::string_view> out;
  char fence = 0;  // of the fenced code block we are in, if any
  std::size_t fence_len = 0;
  bool line_start = true;
  std::size_t i = 0;
  while (i < s.size()) {
    if (line_start) {
      line_start = false;
      std::size_t j = i;
      while (j < s.size() && s[j] == ' ' && j - i < 4) ++j;
      const bool indented = j - i >= 4;
      if (!indented && j < s.size() && (s[j] == '`' || s[j] == '~')) {
        const std::size_t len = run_of(s, j, s[j]);
        if (len >= 3 && (fence == 0 || (s[j] == fence && len >= fence_len))) {
          fence = fence == 0 ? s[j] : 0;
          fence_len = len;
          i = line_end(s, j);
          continue;
        }
      }
      if (fence) {
        i = line_end(s, i);
        continue;
      }
      // A reference definition: [label]: destination
      if (!indented && j < s.size() && s[j] == '[') {
        const std::size_t close = s.find(']', j);
        if (close != std::string_view::npos && close < line_end(s, j) && close + 1 < s.size() &&
            s[close + 1] == ':') {
          std::size_t d = close + 2;
          while (d < s.size() && (s[d] == ' ' || s[d] == '\t')) ++d;
          if (d < s.size() && s[d] == '\n') ++d;
          while (d < s.size() && (s[d] == ' ' || s[d] == '\t')) ++d;
          std::size_t end = d;
          out.push_back(destination(s, d, end));
          i = end;
          continue;
        }
      }
    }
    const char c = s[i];
    if (c == '\n') {
      line_start = true;
      ++i;
    } else if (c == '\\' && i + 1 < s.size() && s[i + 1] != '\n') {
      i += 2;
    } else if (c == '`') {
      // A code span: up to the next run of exactly as many backticks (else literal ones).
      const std::size_t len = run_of(s, i, '`');
      std::size_t j = i + len;
      std::size_t close = std::string_view::npos;
      while ((j = s.find('`', j)) != std::string_view::npos) {
        const std::size_t l = run_of(s, j, '`');
        if (l == len) {
          close = j + l;
          break;
        }
        j += l;
      }
      i = close != std::string_view::npos ? close : i + len;
    } else if (c == ']' && i + 1 < s.size() && s[i + 1] == '(') {
      std::size_t d = i + 2;
      while (d < s.size() && (s[d] == ' ' || s[d] == '\t' || s[d] == '\n')) ++d;
      std::size_t end = d;
      out.push_back(destination(s, d, end));
      i = end;
    } else if (c == '<' && i + 1 < s.size() && ascii_alpha(s[i + 1])) {
      // An autolink: <scheme:...> without spaces.
      std::size_t j = i + 1;
      while (j < s.size() && scheme_char(s[j])) ++j;
      std::size_t gt = j;
      while (gt < s.size() && s[gt] != '>' && s[gt] != '<' && static_cast<unsigned char>(s[gt]) > ' ') ++gt;
      if (j < s.size() && s[j] == ':' && j - i >= 3 && gt < s.size() && s[gt] == '>') {
        out.push_back(s.substr(i + 1, gt - i - 1));
        i = gt + 1;
      } else {
        ++i;
      }
    } else {
      ++i;
    }
  }
  return out;
}

Status check_note(std::string_view title, std::string_view body) {
  TONARI_RETURN_IF_ERROR(check_line(title, "title", kMaxNoteTitleChars));
  TONARI_RETURN_IF_ERROR(check_text(body, "body", kMaxNoteBodyChars));
  const auto links = note_link_targets(body);
  for (std::size_t i = 0; i < links.size(); ++i) {
    const std::string scheme = link_scheme(links[i]);
    if (scheme.empty() || scheme == "http" || scheme == "https" || scheme == "mailto") continue;
    return invalid_argument("note link " + std::to_string(i + 1) + ": scheme not allowed (\"" + scheme +
                            ":\"; links may be http, https, mailto or relative)");
  }
  return Status::ok();
}

// ---- Notes -------------------------------------------------------------------------------

namespace {

store::RoomRule edit_rule(const User& actor) {
  return [actor](const Room& room, const std::optional<Member>& m) {
    return policy::can_edit_notes(actor, room, m);
  };
}

}  // namespace

Result<std::vector<Note>> Notes::list(const Actor& actor, RoomId room) {
  TONARI_RETURN_IF_ERROR(member_room(ctx_, actor, room).status());
  return ctx_.store.notes(room);
}

Result<Note> Notes::get(const Actor& actor, RoomId room, NoteId note) {
  TONARI_RETURN_IF_ERROR(member_room(ctx_, actor, room).status());
  return ctx_.store.note(room, note);
}

Result<std::vector<NoteVersion>> Notes::versions(const Actor& actor, RoomId room, NoteId note) {
  TONARI_RETURN_IF_ERROR(member_room(ctx_, actor, room).status());
  return ctx_.store.note_versions(room, note);
}

Result<NoteVersion> Notes::version(const Actor& actor, RoomId room, NoteId note, std::int64_t v) {
  TONARI_RETURN_IF_ERROR(member_room(ctx_, actor, room).status());
  return ctx_.store.note_version(room, note, v);
}

void Notes::create(const Actor& actor, RoomId room, std::string title, std::string body,
                   store::Callback<Note> done) {
  if (Status st = check_note(title, body); !st.is_ok()) return done(st);
  if (Status st = ctx_.take_write(actor.user.id, "note"); !st.is_ok()) return done(st);
  store::NewNote n{room, actor.user.tenant, actor.user.id, std::move(title), std::move(body),
                   ctx_.clock.now_ms()};
  ctx_.store.create_note(std::move(n), edit_rule(actor.user),
                         [this, done = std::move(done)](Result<store::RoomChange> r) {
                           if (!r.ok()) return done(r.status());
                           publish_change(ctx_, *r);
                           if (!r->note) return done(internal_error("create_note: no note in the change"));
                           done(std::move(*r->note));
                         });
}

void Notes::update(const Actor& actor, RoomId room, NoteId note, std::string title,
                   std::string body, std::int64_t base_version, store::Callback<Note> done) {
  if (Status st = check_note(title, body); !st.is_ok()) return done(st);
  store::NoteEdit e{note, room, actor.user.tenant, actor.user.id, base_version,
                    std::move(title), std::move(body), 0, ctx_.clock.now_ms()};
  save(actor, std::move(e), std::move(done));
}

void Notes::restore(const Actor& actor, RoomId room, NoteId note, std::int64_t v,
                    std::int64_t base_version, store::Callback<Note> done) {
  auto old = version(actor, room, note, v);
  if (!old.ok()) return done(old.status());
  store::NoteEdit e{note, room, actor.user.tenant, actor.user.id, base_version,
                    std::move(old->title), std::move(old->body), v, ctx_.clock.now_ms()};
  save(actor, std::move(e), std::move(done));
}

void Notes::save(const Actor& actor, store::NoteEdit e, store::Callback<Note> done) {
  if (e.base_version < 1) return done(invalid_argument("base_version: the version the edit started from"));
  if (Status st = ctx_.take_write(actor.user.id, "note"); !st.is_ok()) return done(st);
  const RoomId room = e.room;
  const NoteId note = e.note;
  ctx_.store.update_note(std::move(e), edit_rule(actor.user),
                         [this, room, note, done = std::move(done)](Result<store::RoomChange> r) {
                           if (!r.ok()) return done(r.status());
                           if (r->created) publish_change(ctx_, *r);
                           if (r->note) return done(std::move(*r->note));
                           done(ctx_.store.note(room, note));  // a save that changed nothing
                         });
}

void Notes::remove(const Actor& actor, RoomId room, NoteId note, store::Callback<bool> done) {
  if (Status st = ctx_.take_write(actor.user.id, "note"); !st.is_ok()) return done(st);
  store::AuthorRule may = [user = actor.user](const Room& r, const std::optional<Member>& m,
                                              UserId creator) {
    return policy::can_delete_note(user, r, m, creator);
  };
  ctx_.store.delete_note(room, note, actor.user.id, ctx_.clock.now_ms(), std::move(may),
                         [this, done = std::move(done)](Result<store::RoomChange> r) {
                           if (!r.ok()) return done(r.status());
                           if (r->created) publish_change(ctx_, *r);
                           done(r->created);
                         });
}

}  // namespace tonari::services
