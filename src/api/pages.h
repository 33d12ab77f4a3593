// Paged member and reader lists: the `limit` and `cursor` query parameters, and the opaque
// cursor text that carries a keyset position (store::MemberKey) between two requests.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "http/types.h"
#include "store/store.h"

namespace tonari::api {

struct PageParams {
  store::MemberKey after;  // the start when no cursor was given
  int limit = 100;
};

// `limit` (1..500, default 100) and `cursor` (from a previous page's `next`; `after` is
// the same, the name the lists of reactors, answerers and pending members document) of
// `req`; invalid_argument naming the parameter otherwise.
Result<PageParams> page_params(const http::Request& req);

// The text of a cursor ("1.<sort key, hex>.<user id>": opaque to clients, versioned so
// that a later order can add columns) and its inverse.
std::string cursor_text(const store::MemberKey& key);
Result<store::MemberKey> parse_cursor(std::string_view text);

// A page's `next`: its cursor text, or null on the last page.
boost::json::value next_json(const store::MemberPage& page);
boost::json::value next_json(const std::optional<store::MemberKey>& next);

}  // namespace tonari::api
