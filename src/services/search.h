// Full-text search for a user: the query parsed (search/fulltext.h), the rooms the user may
// read now handed to the store as part of the query (never a filter on its results), and
// each hit dressed for a result list: its room's name, a snippet with the matches marked,
// a note's title or a file's name highlighted.
// Thread safety: all methods may be called from any thread.
#pragma once

#include <string>
#include <vector>

#include "search/fulltext.h"
#include "services/context.h"
#include "services/file_policy.h"

namespace tonari::services {

struct SearchParams {
  std::string q;       // the search box (search::parse_query)
  RoomId room = 0;     // only this room (one the user may read); 0: all of theirs
  UserId sender = 0;   // store::SearchQuery::sender
  TimeMs from = 0, to = 0;
  store::SearchQuery::Kind kind = store::SearchQuery::Kind::all;
  bool has_file = false;
  bool relevance = false;
  std::string after;   // SearchResults::next of the previous page
  int limit = 30;      // 1..100
};

struct SearchResult {
  store::SearchHit hit;          // hit.text is left empty: the snippet says what is needed
  std::string room_name;         // as the user's room list shows it (a 1:1 room: the peer)
  RoomKind room_kind = RoomKind::group;
  // A note's title or a file's name, whole, its matches marked; empty for a message.
  std::vector<search::SnippetPiece> title;
  // An excerpt around the first match (search::snippet); a file's text only where the
  // request's zone may have the file's content.
  std::vector<search::SnippetPiece> snippet;
};

struct SearchResults {
  std::vector<SearchResult> results;
  std::string next;  // opaque; empty on the last page
};

class Search {
 public:
  // `enabled` false ([search] index = false): every search is unavailable.
  Search(Context& ctx, bool enabled) : ctx_(ctx), enabled_(enabled) {}

  // One page of results, newest first (or by relevance). Errors: invalid_argument for a
  // query parse_query refuses (its message) or a limit outside 1..100; not_found for a
  // `room` the actor may not read; rate_limited over the user's search rate; unavailable
  // when search is off; store errors as they are.
  Result<SearchResults> search(const Actor& actor, Zone zone, const SearchParams& p);

 private:
  // Whether a file hit's text may be shown to a request from `zone`: the Internet zone
  // under internet_download = view gets no text of a file it could not view.
  bool may_show_file_text(const Actor& actor, Zone zone, FileId file, const FilePolicy* policy);

  Context& ctx_;
  const bool enabled_;
};

// `text` cut into pieces at `spans` (search::find_matches): plain and hit alternately, the
// whole text.
std::vector<search::SnippetPiece> highlight(std::string_view text,
                                            const std::vector<search::Span>& spans);

}  // namespace tonari::services
