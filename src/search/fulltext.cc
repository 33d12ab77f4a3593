#include "search/fulltext.h"

namespace tonari::search {

// TODO(i22): stub, replaced by the implementation.
std::string normalize(std::string_view text) { return std::string(text); }
void index_tokens(std::string_view, const std::function<void(std::string_view)>&) {}
std::vector<std::string> index_tokens(std::string_view) { return {}; }
std::vector<TokenPattern> term_patterns(std::string_view) { return {}; }
Result<Query> parse_query(std::string_view) { return Status(Code::internal, "stub"); }
std::vector<Span> find_matches(std::string_view, const std::vector<std::string>&, std::size_t) {
  return {};
}
std::vector<SnippetPiece> snippet(std::string_view, const std::vector<std::string>&,
                                  std::size_t) {
  return {};
}
double relevance(std::string_view, const std::vector<std::string>&) { return 0; }

}  // namespace tonari::search
