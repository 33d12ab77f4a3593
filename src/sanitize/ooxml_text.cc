// The text of an OOXML package. The small parts that say where the text is ([Content_Types]
// .xml, relationships, the workbook's sheet list, the presentation's slide list) are read
// whole with pugixml; the parts that hold it (a document body, a sheet, sharedStrings) are
// scanned as they inflate by XmlText, a state machine over the bytes that keeps nothing
// but the text, a stack of one small code per open element and a few bytes of an unfinished
// name or entity: a part of any size costs the same memory, and reading stops as soon as
// the text is long enough.
//
// What counts as text, in every format: the character data of elements named t (w:t,
// a:t, an Excel string's t), a line break at the end of a paragraph (p) or an Excel
// string (si, is) and for br and cr, a tab for a tab inside a run. Not read: the
// mc:Fallback copy of an mc:Choice (a text box would come twice), Excel's phonetic
// readings (rPh), field instructions and deleted text (instrText, delText: not t).
#include <pugixml.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "sanitize/opc.h"
#include "sanitize/text_extract.h"
#include "sanitize/zip_archive.h"

namespace tonari::sanitize::text {
namespace {

using opc::local_name;
using opc::part_key;

// Deeper than this, a part is abandoned (with the text it gave so far); the sanitizer
// refuses such parts anyway (ooxml.cc).
constexpr std::size_t kMaxDepth = 1000;
// Parts read whole (content types, relationships, workbook, presentation) may be this big.
constexpr std::uint64_t kMaxIndexPartBytes = 8 << 20;

class XmlText {
 public:
  XmlText(std::string& out, std::size_t max) : out_(out), max_(max) {}

  // Scans the next bytes of the part. False when the text is full or the part is too deep:
  // the caller stops reading.
  bool feed(std::string_view bytes) {
    for (const char ch : bytes) {
      if (!step(ch)) return false;
    }
    return true;
  }
  bool full() const { return out_.size() >= max_; }
  bool too_deep() const { return too_deep_; }
  // Ends the part's text with a line break.
  void end_part() { line_break(); }

 private:
  enum class State { text, lt, name, attrs, end_name, bang, comment, cdata, pi, decl, entity };
  enum class Code : unsigned char { other, t, skip, run, para };

  bool collecting() const { return in_t_ > 0 && skipping_ == 0; }

  void line_break() {
    if (!out_.empty() && out_.back() != '\n') out_ += '\n';
  }

  static Code code_of(std::string_view local) {
    if (local == "t") return Code::t;
    if (local == "Fallback" || local == "rPh") return Code::skip;
    if (local == "r") return Code::run;
    if (local == "p" || local == "si" || local == "is") return Code::para;
    return Code::other;
  }

  // An element whose start tag ended; `empty` for <x/>. A line break or a tab counts
  // where it starts (PowerPoint's a:br holds run properties).
  bool open(bool empty) {
    const std::string_view local = local_name(name_);
    if (skipping_ == 0) {
      if (local == "br" || local == "cr") {
        if (!out_.empty()) out_ += '\n';
      } else if (local == "tab" && !stack_.empty() && stack_.back() == Code::run) {
        out_ += '\t';
      }
    }
    if (empty) return true;
    if (stack_.size() >= kMaxDepth) {
      too_deep_ = true;
      return false;
    }
    const Code c = code_of(local);
    stack_.push_back(c);
    if (c == Code::t) ++in_t_;
    if (c == Code::skip) ++skipping_;
    return true;
  }

  void close() {
    if (stack_.empty()) return;  // not well-formed: ignored
    const Code c = stack_.back();
    stack_.pop_back();
    if (c == Code::t) --in_t_;
    if (c == Code::skip) --skipping_;
    if (c == Code::para && skipping_ == 0) line_break();
  }

  void put(char ch) {
    if (collecting()) out_ += ch;
  }

  void put_code_point(std::uint32_t c) {
    if (!collecting()) return;
    if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) c = 0xFFFD;
    if (c < 0x80) {
      out_ += static_cast<char>(c);
    } else if (c < 0x800) {
      out_ += static_cast<char>(0xC0 | (c >> 6));
      out_ += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out_ += static_cast<char>(0xE0 | (c >> 12));
      out_ += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out_ += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out_ += static_cast<char>(0xF0 | (c >> 18));
      out_ += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out_ += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out_ += static_cast<char>(0x80 | (c & 0x3F));
    }
  }

  void entity() {
    const std::string_view e = buf_;
    if (e == "lt") return put('<');
    if (e == "gt") return put('>');
    if (e == "amp") return put('&');
    if (e == "quot") return put('"');
    if (e == "apos") return put('\'');
    if (e.size() >= 2 && e[0] == '#') {
      const bool hex = e[1] == 'x' || e[1] == 'X';
      std::uint32_t c = 0;
      const std::string_view digits = e.substr(hex ? 2 : 1);
      if (digits.empty()) return;
      for (const char d : digits) {
        const int v = d >= '0' && d <= '9' ? d - '0'
                      : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
                      : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10
                                                    : -1;
        if (v < 0) return;
        c = c * (hex ? 16 : 10) + static_cast<std::uint32_t>(v);
        if (c > 0x10FFFF) c = 0x110000;  // stays out of range, never overflows
      }
      put_code_point(c);
    }
    // Any other entity: an XML part defines none (a DTD is refused), so it is dropped.
  }

  // One byte. Names and entities are kept up to a few bytes; a longer one is cut (a
  // name nothing here looks for, an entity that is dropped).
  bool step(char ch) {
    switch (state_) {
      case State::text:
        if (ch == '<') {
          state_ = State::lt;
        } else if (ch == '&') {
          buf_.clear();
          state_ = State::entity;
        } else {
          put(ch);
        }
        break;
      case State::entity:
        if (ch == ';') {
          entity();
          state_ = State::text;
        } else if (buf_.size() < 12) {
          buf_ += ch;
        }
        break;
      case State::lt:
        name_.clear();
        if (ch == '/') {
          state_ = State::end_name;
        } else if (ch == '!') {
          buf_.clear();
          state_ = State::bang;
        } else if (ch == '?') {
          state_ = State::pi;
          tail_ = 0;
        } else {
          name_ += ch;
          state_ = State::name;
        }
        break;
      case State::name:
        if (ch == '>') {
          state_ = State::text;
          if (!open(false)) return false;
        } else if (ch == '/' || ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
          slash_ = ch == '/';
          quote_ = 0;
          state_ = State::attrs;
        } else if (name_.size() < 64) {
          name_ += ch;
        }
        break;
      case State::attrs:
        if (quote_ != 0) {
          if (ch == quote_) quote_ = 0;
        } else if (ch == '"' || ch == '\'') {
          quote_ = ch;
          slash_ = false;
        } else if (ch == '>') {
          state_ = State::text;
          if (!open(slash_)) return false;
        } else if (ch == '/') {
          slash_ = true;
        } else if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
          slash_ = false;
        }
        break;
      case State::end_name:
        if (ch == '>') {
          close();
          state_ = State::text;
        }
        break;
      case State::bang: {
        // "<!--", "<![CDATA[" or a declaration, told apart by the first bytes.
        buf_ += ch;
        const std::string_view seen = buf_;
        if (seen == "--") {
          state_ = State::comment;
          tail_ = 0;
        } else if (seen == "[CDATA[") {
          state_ = State::cdata;
          tail_ = 0;
        } else if (!std::string_view("--").starts_with(seen) && !std::string_view("[CDATA[").starts_with(seen)) {
          state_ = ch == '>' ? State::text : State::decl;
          tail_ = static_cast<std::size_t>(std::count(buf_.begin(), buf_.end(), '['));
        }
        break;
      }
      case State::comment:  // until "-->"
        if (ch == '>' && tail_ >= 2) {
          state_ = State::text;
        } else {
          tail_ = ch == '-' ? tail_ + 1 : 0;
        }
        break;
      case State::cdata:  // until "]]>"; the brackets held back until it is known they are text
        if (ch == ']') {
          if (++tail_ > 2) {
            put(']');
            tail_ = 2;
          }
        } else if (ch == '>' && tail_ == 2) {
          state_ = State::text;
        } else {
          for (; tail_ > 0; --tail_) put(']');
          put(ch);
        }
        break;
      case State::pi:  // until "?>"
        if (ch == '>' && tail_ == 1) state_ = State::text;
        tail_ = ch == '?' ? 1 : 0;
        break;
      case State::decl:  // until '>' outside an internal subset [...]
        if (ch == '[') ++tail_;
        if (ch == ']' && tail_ > 0) --tail_;
        if (ch == '>' && tail_ == 0) state_ = State::text;
        break;
    }
    return !full();
  }

  std::string& out_;
  const std::size_t max_;
  State state_ = State::text;
  std::string name_, buf_;
  std::vector<Code> stack_;
  std::size_t in_t_ = 0, skipping_ = 0, tail_ = 0;
  char quote_ = 0;
  bool slash_ = false;
  bool too_deep_ = false;
};

struct Rel {
  std::string id, type, target_key;
};

// The r:id of a sheet or slide entry (a prefixed attribute named id; p:sldId also has a
// plain id, a number).
std::string_view rel_id(pugi::xml_node n) {
  for (pugi::xml_attribute a : n.attributes()) {
    const std::string_view name = a.name();
    if (name.find(':') != std::string_view::npos && local_name(name) == "id") return a.value();
  }
  return {};
}

class Package {
 public:
  Package(const Limits& limits, std::size_t max, Deadline deadline)
      : limits_(limits), max_(max), deadline_(deadline) {}

  Extracted run(const std::string& path) {
    zipio::ArchiveBudget budget;
    if (auto bad = zip_.open(path, limits_)) return {"", "the package cannot be read: " + bad->reason};
    for (const zipio::Entry& e : zip_.entries()) {
      if (!e.is_dir) parts_.emplace(part_key(e.name), &e);
    }
    const std::vector<Rel> package_rels = rels_of("");
    std::string main;
    for (const Rel& r : package_rels) {
      if (r.type == "officeDocument" && main.empty()) main = r.target_key;
    }
    if (main.empty() || !parts_.count(main)) return {"", "no main part"};
    const std::string type = content_type(main);
    if (type.find("wordprocessingml") != std::string::npos || type.find("ms-word") != std::string::npos) {
      word(main);
    } else if (type.find("spreadsheetml") != std::string::npos || type.find("ms-excel") != std::string::npos) {
      excel(main);
    } else if (type.find("presentationml") != std::string::npos || type.find("ms-powerpoint") != std::string::npos) {
      powerpoint(main);
    } else {
      return {"", "not a Word, Excel or PowerPoint document"};
    }
    return {std::move(text_), std::move(note_)};
  }

 private:
  bool done() {
    if (text_.size() >= max_) return true;
    if (std::chrono::steady_clock::now() >= deadline_) {
      if (note_.empty()) note_ = "out of time";
      return true;
    }
    return false;
  }

  // A part read whole for its structure (never one that holds the text).
  std::optional<pugi::xml_document> index_part(const std::string& key) {
    auto it = parts_.find(key);
    if (it == parts_.end() || it->second->size > kMaxIndexPartBytes) return std::nullopt;
    std::string data;
    if (zip_.read_all(*it->second, &data)) return std::nullopt;
    std::optional<pugi::xml_document> doc(std::in_place);
    if (!doc->load_buffer(data.data(), data.size(), pugi::parse_default, pugi::encoding_auto)) return std::nullopt;
    return doc;
  }

  std::string content_type(const std::string& key) {
    auto doc = index_part("[content_types].xml");
    if (!doc) return "";
    for (pugi::xml_node n : doc->document_element().children()) {
      if (local_name(n.name()) == "Override" && part_key(n.attribute("PartName").value()) == key)
        return n.attribute("ContentType").value();
    }
    return "";
  }

  // The relationships of part `source` ("" for the package) that stay inside it.
  std::vector<Rel> rels_of(const std::string& source) {
    const std::size_t slash = source.rfind('/');
    const std::string rels = slash == std::string::npos
                                 ? "_rels/" + source + ".rels"
                                 : source.substr(0, slash + 1) + "_rels/" + source.substr(slash + 1) + ".rels";
    std::vector<Rel> out;
    auto doc = index_part(source.empty() ? "_rels/.rels" : rels);
    if (!doc) return out;
    for (pugi::xml_node n : doc->document_element().children()) {
      if (local_name(n.name()) != "Relationship") continue;
      if (std::string_view(n.attribute("TargetMode").value()) == "External") continue;
      auto key = opc::resolve_target(source, n.attribute("Target").value());
      if (!key) continue;
      out.push_back({n.attribute("Id").value(), opc::rel_type_suffix(n.attribute("Type").value()), *key});
    }
    return out;
  }

  // Streams one part through XmlText.
  void scan(const std::string& key) {
    auto it = parts_.find(key);
    if (it == parts_.end() || !scanned_.insert(key).second || done()) return;
    XmlText xml(text_, max_);
    bool first = true, utf16 = false;
    auto bad = zip_.read(*it->second, [&](const char* p, std::size_t n) {
      if (first && n >= 2) {
        // UTF-16 parts are legal but rare (Office writes UTF-8); not scanned here.
        const auto b0 = static_cast<unsigned char>(p[0]), b1 = static_cast<unsigned char>(p[1]);
        utf16 = (b0 == 0xFF && b1 == 0xFE) || (b0 == 0xFE && b1 == 0xFF) || b0 == 0 || b1 == 0;
        if (utf16) return false;
      }
      first = false;
      return xml.feed(std::string_view(p, n)) && std::chrono::steady_clock::now() < deadline_;
    });
    xml.end_part();
    if (utf16 && note_.empty()) note_ = "a UTF-16 part was skipped";
    if (xml.too_deep() && note_.empty()) note_ = "a part nests elements too deeply; its text is partial";
    if (bad && !xml.full() && !utf16 && !xml.too_deep() && std::chrono::steady_clock::now() < deadline_ &&
        note_.empty())
      note_ = "a part cannot be read: " + bad->reason;
  }

  void word(const std::string& main) {
    scan(main);
    for (const Rel& r : rels_of(main)) {
      if (r.type == "header" || r.type == "footer" || r.type == "footnotes" || r.type == "endnotes") scan(r.target_key);
    }
  }

  void excel(const std::string& main) {
    const std::vector<Rel> rels = rels_of(main);
    std::vector<std::string> sheets;
    if (auto wb = index_part(main)) {
      for (pugi::xml_node list : wb->document_element().children()) {
        if (local_name(list.name()) != "sheets") continue;
        for (pugi::xml_node s : list.children()) {
          if (local_name(s.name()) != "sheet") continue;
          if (text_.size() < max_) text_.append(s.attribute("name").value()).append("\n");
          for (const Rel& r : rels) {
            if (!r.id.empty() && r.id == rel_id(s)) sheets.push_back(r.target_key);
          }
        }
      }
    }
    for (const Rel& r : rels) {
      if (r.type == "sharedStrings") scan(r.target_key);
    }
    for (const std::string& s : sheets) scan(s);
    for (const Rel& r : rels) {  // sheets the list did not name
      if (r.type == "worksheet") scan(r.target_key);
    }
  }

  void powerpoint(const std::string& main) {
    const std::vector<Rel> rels = rels_of(main);
    if (auto pres = index_part(main)) {
      for (pugi::xml_node list : pres->document_element().children()) {
        if (local_name(list.name()) != "sldIdLst") continue;
        for (pugi::xml_node s : list.children()) {
          for (const Rel& r : rels) {
            if (!r.id.empty() && r.id == rel_id(s) && r.type == "slide") scan(r.target_key);
          }
        }
      }
    }
    for (const Rel& r : rels) {  // slides the list did not name
      if (r.type == "slide") scan(r.target_key);
    }
  }

  const Limits& limits_;
  const std::size_t max_;
  const Deadline deadline_;
  zipio::Reader zip_;
  std::map<std::string, const zipio::Entry*> parts_;
  std::set<std::string> scanned_;
  std::string text_, note_;
};

}  // namespace

Extracted ooxml_text(const std::string& path, const Limits& limits, std::size_t max, Deadline deadline) {
  return Package(limits, max, deadline).run(path);
}

}  // namespace tonari::sanitize::text
