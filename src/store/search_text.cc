#include "store/search_text.h"

#include <boost/json.hpp>
#include <vector>

#include "store/store.h"

namespace tonari::store {
namespace {

void append_action(std::string& out, std::string_view title,
                   const std::vector<std::string>& options) {
  if (!out.empty()) out += '\n';
  out += title;
  for (const std::string& o : options) {
    out += '\n';
    out += o;
  }
}

}  // namespace

std::string message_text(std::string_view body, const ActionSpec* action) {
  std::string out(body);
  if (action) append_action(out, action->title, action->options);
  return out;
}

std::string message_text(std::string_view body, std::string_view action_title,
                         std::string_view action_options_json) {
  std::string out(body);
  if (action_title.empty() && action_options_json.empty()) return out;
  std::vector<std::string> options;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(action_options_json, ec);
  if (!ec && v.is_array()) {
    for (const auto& o : v.as_array()) {
      if (o.is_string()) options.emplace_back(o.as_string());
    }
  }
  append_action(out, action_title, options);
  return out;
}

std::string titled(std::string_view title, std::string_view text) {
  std::string out;
  out.reserve(title.size() + 1 + text.size());
  out += title;
  out += '\n';
  out += text;
  return out;
}

std::string_view file_text(std::string_view text) {
  if (text.size() <= kMaxFileTextBytes) return text;
  std::size_t n = kMaxFileTextBytes;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;  // mid-character
  return text.substr(0, n);
}

}  // namespace tonari::store
