// Names inside OOXML packages (Open Packaging Conventions): part names, relationship
// targets and types, XML local names. Private to src/sanitize: ooxml.cc (the sanitizer)
// and ooxml_text.cc (text extraction) use them. Pure functions, safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tonari::sanitize::opc {

// "w:t" -> "t"; a name without a prefix is returned as it is.
std::string_view local_name(std::string_view qname);

// The key a part name compares by: no leading '/', percent-escapes decoded, ASCII lower
// case (OPC part names compare case-insensitively).
std::string part_key(std::string_view name);

// The key of the part a relationship of `source` (a part name, "" for the package) points
// at (`target` relative to source's folder, or absolute; a "#fragment" dropped), or
// nothing when the target leaves the package.
std::optional<std::string> resolve_target(std::string_view source, std::string_view target);

// A relationship's Type after ".../relationships/" ("officeDocument", "header", ...), for
// the transitional and the strict namespaces alike; the whole Type if it has no such part.
std::string rel_type_suffix(std::string_view type);

}  // namespace tonari::sanitize::opc
