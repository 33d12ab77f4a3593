// The HTTP side of sending a file: Range requests (one range) and Content-Disposition
// with the original name (RFC 6266 filename*, an ASCII fallback for old clients).
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace tonari::api {

struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// The part of a file of `size` bytes that a Range header asks for: nullopt to send the
// whole file (no header, another unit, several ranges, or a header that cannot be parsed:
// RFC 9110 lets a server ignore those); range_not_satisfiable for a range that starts past
// the end (or a suffix of 0 bytes). Forms: bytes=a-b, bytes=a-, bytes=-n.
std::optional<Result<ByteRange>> parse_range(std::string_view header, std::uint64_t size);

// `attachment` or `inline`, with filename="<ASCII fallback>" and filename*=UTF-8''<name
// percent-encoded>. The fallback keeps printable ASCII other than '"', '\\' and '%', drops
// other characters, and is "file" + the extension when nothing of the name is left.
std::string content_disposition(bool as_inline, std::string_view name);

// Whether an If-None-Match header value names `etag` (a quoted tag, "*" or a list).
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace tonari::api
