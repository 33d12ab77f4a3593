#include "services/search.h"

#include <optional>
#include <unordered_map>

#include "services/files.h"
#include "services/policies.h"

namespace tonari::services {

std::vector<search::SnippetPiece> highlight(std::string_view text,
                                            const std::vector<search::Span>& spans) {
  std::vector<search::SnippetPiece> out;
  std::size_t at = 0;
  for (const search::Span& s : spans) {
    if (s.begin < at || s.end <= s.begin || s.end > text.size()) continue;  // not find_matches'
    if (s.begin > at) out.push_back({std::string(text.substr(at, s.begin - at)), false});
    out.push_back({std::string(text.substr(s.begin, s.end - s.begin)), true});
    at = s.end;
  }
  if (at < text.size()) out.push_back({std::string(text.substr(at)), false});
  return out;
}

Result<SearchResults> Search::search(const Actor& actor, Zone zone, const SearchParams& p) {
  if (!enabled_) return Status(Code::unavailable, "search is off");
  if (p.limit < 1 || p.limit > 100) return invalid_argument("limit: 1 to 100");
  if (p.from < 0 || p.to < 0) return invalid_argument("from, to: times in ms since the epoch");
  auto q = search::parse_query(p.q);
  if (!q.ok()) {
    // parse_query says which rule the text breaks; anything else it might say is still
    // about the query, never about the server.
    return q.status().code() == Code::invalid_argument ? q.status()
                                                       : invalid_argument(q.status().message());
  }
  TONARI_RETURN_IF_ERROR(ctx_.take_search(actor.user.id));

  // The rooms the actor may read now: membership as it is at this moment, so that a user
  // who left a room no longer finds its messages (nor learns how many there were).
  auto rooms = ctx_.store.rooms_for_user(actor.user.id);
  if (!rooms.ok()) return rooms.status();
  std::unordered_map<RoomId, const RoomSummary*> readable;
  store::SearchQuery sq;
  sq.tenant = actor.user.tenant;
  for (const RoomSummary& s : *rooms) {
    const Member m{actor.user.id, s.role, s.read_seq};
    if (!policy::can_read_room(actor.user, s.room, m).is_ok()) continue;
    readable.emplace(s.room.id, &s);
    if (!p.room || p.room == s.room.id) sq.rooms.push_back(s.room.id);
  }
  if (p.room && sq.rooms.empty()) return not_found("room " + std::to_string(p.room) + " not found");
  SearchResults out;
  if (sq.rooms.empty()) return out;  // in no room: nothing to find
  sq.terms = std::move(q->terms);
  sq.excluded = std::move(q->excluded);
  sq.kind = p.kind;
  sq.has_file = p.has_file;
  sq.sender = p.sender;
  sq.from = p.from;
  sq.to = p.to;
  sq.relevance = p.relevance;
  sq.after = p.after;
  sq.limit = p.limit;
  auto page = ctx_.store.search(sq);
  if (!page.ok()) return page.status();

  std::optional<Result<FilePolicy>> policy;  // read once, for the first file hit that needs it
  out.next = std::move(page->next);
  out.results.reserve(page->hits.size());
  for (store::SearchHit& hit : page->hits) {
    auto room = readable.find(hit.room);
    if (room == readable.end()) continue;  // never: the store searched sq.rooms only
    SearchResult r;
    r.room_name = room->second->display_name;
    r.room_kind = room->second->room.kind;
    switch (hit.kind) {
      case store::SearchHit::Kind::message:
        r.snippet = search::snippet(hit.text, sq.terms);
        break;
      case store::SearchHit::Kind::note:
        r.title = highlight(hit.title, search::find_matches(hit.title, sq.terms));
        r.snippet = search::snippet(hit.text, sq.terms);
        break;
      case store::SearchHit::Kind::file: {
        r.title = highlight(hit.title, search::find_matches(hit.title, sq.terms));
        if (hit.text.empty()) break;
        if (zone == Zone::internet && !policy) policy = load_file_policy(ctx_.store, actor.user.tenant);
        const FilePolicy* pol = policy && policy->ok() ? &**policy : nullptr;
        if (may_show_file_text(actor, zone, hit.file, pol)) {
          r.snippet = search::snippet(hit.text, sq.terms);
        }
        break;
      }
    }
    hit.text.clear();
    hit.text.shrink_to_fit();
    r.hit = std::move(hit);
    out.results.push_back(std::move(r));
  }
  return out;
}

bool Search::may_show_file_text(const Actor& actor, Zone zone, FileId file,
                                const FilePolicy* policy) {
  // The text was extracted from what the LGWAN zone gets of a ready file: there, it is the
  // file itself. The Internet zone may be kept to viewing LGWAN files (internet_download =
  // view), and an Office file it may not view must not be read through its snippet.
  if (zone == Zone::lgwan) return true;
  if (!policy) return false;  // a policy that cannot be read: the stricter answer
  auto f = ctx_.store.file(file);
  if (!f.ok()) return false;
  const std::optional<Member> member = Member{actor.user.id};
  const FileAccess a{actor.user, zone, member, *f, policy->internet_download};
  return decide_file_access(a, FileWhat::inline_view).ok();
}

}  // namespace tonari::services
