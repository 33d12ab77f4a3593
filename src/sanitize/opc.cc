#include "sanitize/opc.h"

#include <cctype>
#include <string>
#include <vector>

namespace tonari::sanitize::opc {
namespace {

std::string ascii_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string_view local_name(std::string_view qname) {
  std::size_t colon = qname.find(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

std::string part_key(std::string_view name) {
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '%' && i + 2 < name.size() && std::isxdigit(static_cast<unsigned char>(name[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(name[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(name.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += name[i];
    }
  }
  return ascii_lower(std::move(out));
}

std::optional<std::string> resolve_target(std::string_view source, std::string_view target) {
  target = target.substr(0, target.find('#'));
  std::vector<std::string_view> segs;
  if (!target.empty() && target.front() == '/') {
    target.remove_prefix(1);
  } else {
    std::size_t slash = source.rfind('/');
    std::string_view dir = slash == std::string_view::npos ? std::string_view() : source.substr(0, slash);
    while (!dir.empty()) {
      std::size_t s = dir.find('/');
      segs.push_back(dir.substr(0, s));
      if (s == std::string_view::npos) break;
      dir.remove_prefix(s + 1);
    }
  }
  while (true) {
    std::size_t s = target.find('/');
    std::string_view seg = target.substr(0, s);
    if (seg == "..") {
      if (segs.empty()) return std::nullopt;
      segs.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segs.push_back(seg);
    }
    if (s == std::string_view::npos) break;
    target.remove_prefix(s + 1);
  }
  if (segs.empty()) return std::nullopt;
  std::string joined;
  for (std::string_view seg : segs) {
    if (!joined.empty()) joined += '/';
    joined += seg;
  }
  return part_key(joined);
}

std::string rel_type_suffix(std::string_view type) {
  std::size_t at = type.rfind("/relationships/");
  return std::string(at == std::string_view::npos ? type : type.substr(at + 15));
}

}  // namespace tonari::sanitize::opc
