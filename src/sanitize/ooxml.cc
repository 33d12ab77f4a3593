// OOXML packages (Word, Excel, PowerPoint; the macro-enabled ones become plain ones). The
// package is read through the checked ZIP reader (zip_archive.h), every XML part must be
// well-formed, active parts and relationships are removed, the XML that referred to them
// is fixed so that Office opens the result without a repair prompt, and a new package is
// written with the parts in their original order.
//
// What goes: VBA (vbaProject.bin, vbaData.xml, signatures), Excel 4.0 macro sheets and
// Auto_Open-style names, OLE objects and embedded packages (*/embeddings/), ActiveX
// (activeX/ parts, control elements), ribbon customizations (customUI/), external
// relationships other than web and mail hyperlinks (linked workbooks, attached templates,
// linked images, subdocuments, frames), external data (xl/connections.xml, query tables,
// Word mail merge), DDE and file-including fields (DDE, DDEAUTO, INCLUDETEXT,
// INCLUDEPICTURE, INCLUDE, IMPORT, LINK: replaced by their last result), Word's
// updateFields, DDE formulas in cells, PowerPoint actions that run programs, macros or OLE
// verbs. Excel's calcChain is dropped (Excel rebuilds it) since removed sheets and
// formulas leave it stale, and package signatures, which a rebuilt package breaks.
//
// Hyperlinks to http, https and mailto stay: they act only when a user clicks them and
// Office asks first, like a URL in a chat message, and documents of a municipality are
// full of them (例規集, forms). Other schemes (file:, UNC paths, ms-* protocol handlers)
// go, and with them the hyperlink element (its text stays).
//
// Pictures (every kept part typed image/*, under a media/ folder, or starting like an
// image) go through sanitize_image() like an uploaded photo: decoded, re-encoded without
// EXIF, GPS, XMP or text chunks, and put back under the same part name. The rebuilt
// format must be the part's own (content type and extension: JPEG stays JPEG, PNG stays
// PNG, GIF stays GIF, WebP stays WebP); a picture that would change format (HEIC, SVG ->
// PNG), is withheld (pixel_limit, corrupt) or is no image we decode withholds the whole
// package with the picture's reason and part name: fail closed, since a hole in a report
// is worse than a refusal that says why. All pictures of a package together may have at
// most kPackagePixelFactor * limits.max_pixels pixels.
// EMF and WMF pictures are dropped, with their relationships and the a:blip or
// v:imagedata that showed them (the frame stays, empty): they are record streams that
// the renderer replays (EMF+ included, a long history of parser bugs) and nothing here
// can rebuild them; they are too common (pasted charts, OLE previews) to refuse the
// document for. Audio and video withhold the package (unsupported_type).
#include <pugixml.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sanitize/detect.h"
#include "sanitize/opc.h"
#include "sanitize/runtime.h"
#include "sanitize/sanitize.h"
#include "sanitize/zip_archive.h"

namespace tonari::sanitize {
namespace {

using opc::local_name;
using opc::part_key;
using opc::rel_type_suffix;
using opc::resolve_target;
using zipio::Refusal;

constexpr std::string_view kRelNs[] = {
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships"};
constexpr std::string_view kWordNs[] = {
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main"};
constexpr std::string_view kSheetNs[] = {
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main"};
constexpr std::string_view kVmlNs = "urn:schemas-microsoft-com:vml";

// The main part's content type decides the kind of document and what it becomes.
struct MainType {
  std::string_view part_type;         // the main part's content type as found
  std::string_view clean_part_type;   // what it is rewritten to
  std::string_view package_type;      // the package's media type as found
  std::string_view clean_package_type;
  std::string_view ext;               // extension of the result
  char kind;                          // 'w'ord, e'x'cel, 'p'owerpoint
};

#define OXML "application/vnd.openxmlformats-officedocument."
constexpr MainType kMainTypes[] = {
    {OXML "wordprocessingml.document.main+xml", OXML "wordprocessingml.document.main+xml",
     OXML "wordprocessingml.document", OXML "wordprocessingml.document", "docx", 'w'},
    {"application/vnd.ms-word.document.macroEnabled.main+xml", OXML "wordprocessingml.document.main+xml",
     "application/vnd.ms-word.document.macroEnabled.12", OXML "wordprocessingml.document", "docx", 'w'},
    {OXML "wordprocessingml.template.main+xml", OXML "wordprocessingml.template.main+xml",
     OXML "wordprocessingml.template", OXML "wordprocessingml.template", "dotx", 'w'},
    {"application/vnd.ms-word.template.macroEnabledTemplate.main+xml", OXML "wordprocessingml.template.main+xml",
     "application/vnd.ms-word.template.macroEnabled.12", OXML "wordprocessingml.template", "dotx", 'w'},
    {OXML "spreadsheetml.sheet.main+xml", OXML "spreadsheetml.sheet.main+xml",
     OXML "spreadsheetml.sheet", OXML "spreadsheetml.sheet", "xlsx", 'x'},
    {"application/vnd.ms-excel.sheet.macroEnabled.main+xml", OXML "spreadsheetml.sheet.main+xml",
     "application/vnd.ms-excel.sheet.macroEnabled.12", OXML "spreadsheetml.sheet", "xlsx", 'x'},
    {OXML "spreadsheetml.template.main+xml", OXML "spreadsheetml.template.main+xml",
     OXML "spreadsheetml.template", OXML "spreadsheetml.template", "xltx", 'x'},
    {"application/vnd.ms-excel.template.macroEnabled.main+xml", OXML "spreadsheetml.template.main+xml",
     "application/vnd.ms-excel.template.macroEnabled.12", OXML "spreadsheetml.template", "xltx", 'x'},
    {"application/vnd.ms-excel.addin.macroEnabled.main+xml", OXML "spreadsheetml.sheet.main+xml",
     "application/vnd.ms-excel.addin.macroEnabled.12", OXML "spreadsheetml.sheet", "xlsx", 'x'},
    {OXML "presentationml.presentation.main+xml", OXML "presentationml.presentation.main+xml",
     OXML "presentationml.presentation", OXML "presentationml.presentation", "pptx", 'p'},
    {"application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml", OXML "presentationml.presentation.main+xml",
     "application/vnd.ms-powerpoint.presentation.macroEnabled.12", OXML "presentationml.presentation", "pptx", 'p'},
    {OXML "presentationml.slideshow.main+xml", OXML "presentationml.slideshow.main+xml",
     OXML "presentationml.slideshow", OXML "presentationml.slideshow", "ppsx", 'p'},
    {"application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml", OXML "presentationml.slideshow.main+xml",
     "application/vnd.ms-powerpoint.slideshow.macroEnabled.12", OXML "presentationml.slideshow", "ppsx", 'p'},
    {OXML "presentationml.template.main+xml", OXML "presentationml.template.main+xml",
     OXML "presentationml.template", OXML "presentationml.template", "potx", 'p'},
    {"application/vnd.ms-powerpoint.template.macroEnabled.main+xml", OXML "presentationml.template.main+xml",
     "application/vnd.ms-powerpoint.template.macroEnabled.12", OXML "presentationml.template", "potx", 'p'},
    {"application/vnd.ms-powerpoint.addin.macroEnabled.main+xml", OXML "presentationml.presentation.main+xml",
     "application/vnd.ms-powerpoint.addin.macroEnabled.12", OXML "presentationml.presentation", "pptx", 'p'},
};
#undef OXML

// Relationship types (the part after ".../relationships/") removed wherever they point.
const std::set<std::string, std::less<>> kRemovedRelTypes = {
    "vbaProject", "vbaProjectSignature", "vbaProjectSignatureAgile", "vbaProjectSignatureV3",
    "wordVbaData", "xlMacrosheet", "xlIntlMacrosheet", "externalLink", "externalLinkPath",
    "xlExternalLinkPath/xlPathMissing", "xlExternalLinkPath/xlStartup",
    "xlExternalLinkPath/xlLibrary", "xlExternalLinkPath/xlAlternateStartup", "connections",
    "queryTable", "attachedTemplate", "oleObject", "package", "control", "activeXControlBinary",
    "ui/extensibility", "ui/userCustomization", "keyMapCustomizations", "attachedToolbars",
    "subDocument", "frame", "calcChain",
    // Package signatures: they no longer match a rebuilt package.
    "digital-signature/origin", "digital-signature/signature", "digital-signature/certificate"};

// Word fields that run a program (DDE) or pull in another file when updated.
const std::set<std::string, std::less<>> kDangerousFields = {
    "DDE", "DDEAUTO", "INCLUDETEXT", "INCLUDEPICTURE", "INCLUDE", "IMPORT", "LINK"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == lower(prefix);
}

std::string_view prefix_of(std::string_view qname) {
  std::size_t colon = qname.find(':');
  return colon == std::string_view::npos ? std::string_view() : qname.substr(0, colon);
}

template <std::size_t N>
bool one_of(std::string_view s, const std::string_view (&set)[N]) {
  return std::find(std::begin(set), std::end(set), s) != std::end(set);
}

// The namespace URI bound to `prefix` at `node` (walks up the xmlns declarations).
std::string_view ns_uri(pugi::xml_node node, std::string_view prefix) {
  std::string want = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
  for (pugi::xml_node n = node; n; n = n.parent()) {
    if (n.type() != pugi::node_element) continue;
    if (auto a = n.attribute(want.c_str())) return a.value();
  }
  return {};
}

bool is_rel_attr(pugi::xml_node el, pugi::xml_attribute a) {
  std::string_view p = prefix_of(a.name());
  return !p.empty() && p != "xmlns" && one_of(ns_uri(el, p), kRelNs);
}

// "word/_rels/document.xml.rels" -> "word/document.xml"; "_rels/.rels" -> "" (the package).
std::optional<std::string> rels_source(std::string_view key) {
  std::size_t at = key.rfind("_rels/");
  if (at == std::string_view::npos || key.size() < 5 || key.substr(key.size() - 5) != ".rels") {
    return std::nullopt;
  }
  if (at != 0 && key[at - 1] != '/') return std::nullopt;
  std::string_view file = key.substr(at + 6);
  if (file.find('/') != std::string_view::npos) return std::nullopt;
  return std::string(key.substr(0, at)) + std::string(file.substr(0, file.size() - 5));
}

bool safe_hyperlink(std::string_view target) {
  return starts_with_ci(target, "http://") || starts_with_ci(target, "https://") ||
         starts_with_ci(target, "mailto:");
}

// The first word of a field instruction, upper-cased (" DDEAUTO c:\\..." -> "DDEAUTO").
std::string field_keyword(std::string_view instr) {
  std::size_t i = 0;
  while (i < instr.size() && (std::isspace(static_cast<unsigned char>(instr[i])) || instr[i] == '"')) ++i;
  std::string word;
  while (i < instr.size() && std::isalpha(static_cast<unsigned char>(instr[i]))) {
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(instr[i++])));
  }
  return word;
}

bool dangerous_field(std::string_view instr) { return kDangerousFields.count(field_keyword(instr)) != 0; }

// "[1]Sheet1!A1": a reference to an external workbook (by its externalReferences index).
bool has_external_ref(std::string_view formula) {
  for (std::size_t i = 0; i + 2 < formula.size(); ++i) {
    if (formula[i] != '[') continue;
    std::size_t j = i + 1;
    while (j < formula.size() && std::isdigit(static_cast<unsigned char>(formula[j]))) ++j;
    if (j > i + 1 && j < formula.size() && formula[j] == ']') return true;
  }
  return false;
}

// "cmd|'/c calc'!A0": a DDE reference (the only use of '|' outside string literals).
bool has_dde_ref(std::string_view formula) {
  bool in_string = false;
  for (char c : formula) {
    if (c == '"') in_string = !in_string;
    if (c == '|' && !in_string) return true;
  }
  return false;
}

// Whether a formula refers to the sheet `name` (Name!A1 or 'Na''me'!A1, any case).
bool refers_to_sheet(std::string_view formula, std::string_view name) {
  std::string f = lower(formula);
  std::string quoted = "'";
  for (char c : lower(name)) {
    quoted += c;
    if (c == '\'') quoted += '\'';
  }
  quoted += "'!";
  if (f.find(quoted) != std::string::npos) return true;
  std::string bare = lower(name) + "!";
  for (std::size_t at = f.find(bare); at != std::string::npos; at = f.find(bare, at + 1)) {
    unsigned char before = at == 0 ? ' ' : static_cast<unsigned char>(f[at - 1]);
    if (!(std::isalnum(before) || before == '_' || before == '.' || before >= 0x80)) return true;
  }
  return false;
}

constexpr unsigned kParse = pugi::parse_full | pugi::parse_ws_pcdata;

// Deeper elements than this refuse the part: the editors recurse, and real documents
// (tables nested in tables included) stay far below it.
constexpr int kMaxXmlDepth = 1000;

struct DepthCheck : pugi::xml_tree_walker {
  bool too_deep = false;
  bool for_each(pugi::xml_node&) override {
    too_deep = depth() > kMaxXmlDepth;
    return !too_deep;
  }
};

std::optional<Refusal> load_xml(pugi::xml_document& doc, const std::string& data, const std::string& name) {
  pugi::xml_parse_result res = doc.load_buffer(data.data(), data.size(), kParse, pugi::encoding_auto);
  if (!res) {
    return Refusal{"corrupt", "part '" + name + "' is not well-formed XML: " + res.description() +
                                  " at offset " + std::to_string(res.offset)};
  }
  for (pugi::xml_node n : doc.children()) {
    // OPC forbids DTDs; pugixml would not expand them, but the next reader might.
    if (n.type() == pugi::node_doctype) return Refusal{"corrupt", "part '" + name + "' has a DTD"};
  }
  if (!doc.document_element()) return Refusal{"corrupt", "part '" + name + "' has no root element"};
  DepthCheck depth;
  doc.traverse(depth);
  if (depth.too_deep) return Refusal{"corrupt", "part '" + name + "' nests elements too deeply"};
  return std::nullopt;
}

struct StringWriter : pugi::xml_writer {
  std::string out;
  void write(const void* data, std::size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
};

std::string save_xml(pugi::xml_document& doc) {
  for (pugi::xml_node n : doc.children()) {
    if (n.type() == pugi::node_declaration && n.attribute("encoding")) {
      n.attribute("encoding").set_value("UTF-8");  // a UTF-16 part is written as UTF-8
    }
  }
  StringWriter w;
  doc.save(w, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
  return std::move(w.out);
}

void remove_node(pugi::xml_node n) { n.parent().remove_child(n); }

bool has_element_child(pugi::xml_node n) {
  for (pugi::xml_node c : n.children()) {
    if (c.type() == pugi::node_element) return true;
  }
  return false;
}

// Moves `el`'s children (all but those named `drop`) to its place and removes it.
void unwrap(pugi::xml_node el, std::string_view drop = {}) {
  pugi::xml_node parent = el.parent();
  for (pugi::xml_node c = el.first_child(); c;) {
    pugi::xml_node next = c.next_sibling();
    if (drop.empty() || c.type() != pugi::node_element || local_name(c.name()) != drop) {
      parent.insert_move_before(c, el);
    }
    c = next;
  }
  parent.remove_child(el);
}

// Removes nodes none of which may be an ancestor of another one still to be removed.
void remove_all(const std::vector<pugi::xml_node>& nodes) {
  std::unordered_set<const void*> set;
  for (pugi::xml_node n : nodes) set.insert(n.internal_object());
  std::unordered_set<const void*> done;
  for (pugi::xml_node n : nodes) {
    bool covered = false;
    for (pugi::xml_node a = n.parent(); a && !covered; a = a.parent()) covered = set.count(a.internal_object()) != 0;
    if (covered || !done.insert(n.internal_object()).second) continue;
    remove_node(n);
  }
}

struct Stats {
  std::vector<std::string> parts;  // removed part names
  int relationships = 0;
  int fields = 0;
  int elements = 0;
  int images = 0;  // pictures re-encoded
};

// Edits one XML part: references to removed relationships (`removed_ids`, those of this
// part's .rels) and active content wherever it appears. Elements are matched by local
// name (OOXML uses them in one meaning each), relationship attributes by namespace.
class PartEditor {
 public:
  PartEditor(const std::set<std::string>& removed_ids, bool external_refs_removed, Stats& stats)
      : removed_ids_(removed_ids), external_refs_removed_(external_refs_removed), stats_(stats) {}

  // True if the document changed.
  bool run(pugi::xml_document& doc) {
    walk(doc.document_element());
    remove_all(deferred_);
    if (saw_fld_char_) neutralize_complex_fields(doc);
    return changed_;
  }

 private:
  enum class Action { keep, remove, unwrap };

  void removed(int n = 1) {
    stats_.elements += n;
    changed_ = true;
  }

  // Children first, so that an element's rule sees its subtree already cleaned.
  void walk(pugi::xml_node el) {
    for (pugi::xml_node c = el.first_child(); c;) {
      pugi::xml_node next = c.next_sibling();
      if (c.type() == pugi::node_element) walk(c);
      c = next;
    }
    if (!el.parent() || el.parent().type() == pugi::node_document) {
      rule(el);  // the root is never removed, only edited
      return;
    }
    switch (rule(el)) {
      case Action::keep:
        break;
      case Action::remove:
        remove_node(el);
        removed();
        break;
      case Action::unwrap:
        unwrap(el, "fldData");
        removed();
        break;
    }
  }

  Action rule(pugi::xml_node el) {
    std::string_view name = local_name(el.name());
    if (name == "fldChar") saw_fld_char_ = true;
    if (Action a = dangling_reference(el, name); a != Action::keep) return a;

    if (name == "object" && one_of(ns_uri(el, prefix_of(el.name())), kWordNs)) return ole_object(el);
    if (name == "OLEObject" || name == "control" || name == "controls" || name == "oleObjects" ||
        name == "externalReferences") {
      return Action::remove;
    }
    if (name == "oleObj") {
      defer_frame(el);
      return Action::keep;
    }
    if ((name == "attachedTemplate" || name == "updateFields" || name == "mailMerge") &&
        one_of(ns_uri(el, prefix_of(el.name())), kWordNs)) {
      return Action::remove;
    }
    if (name == "hlinkClick" || name == "hlinkHover" || name == "hlinkMouseOver") {
      std::string_view action = el.attribute("action").value();
      if (starts_with_ci(action, "ppaction://program") || starts_with_ci(action, "ppaction://macro") ||
          starts_with_ci(action, "ppaction://ole")) {
        return Action::remove;
      }
    }
    if (name == "fldSimple") {
      for (pugi::xml_attribute a : el.attributes()) {
        if (local_name(a.name()) == "instr" && dangerous_field(a.value())) {
          ++stats_.fields;
          return Action::unwrap;
        }
      }
    }
    if (name == "f" && one_of(ns_uri(el, prefix_of(el.name())), kSheetNs)) return formula(el);
    if (name == "hyperlinks" && !has_element_child(el)) return Action::remove;  // needs one
    if (name == "AlternateContent") {
      for (pugi::xml_node c : el.children()) {
        if (c.type() == pugi::node_element && has_element_child(c)) return Action::keep;
      }
      return Action::remove;  // every Choice and Fallback emptied
    }
    if (name == "table" && std::string_view(el.attribute("tableType").value()) == "queryTable") {
      el.remove_attribute("tableType");
      el.remove_attribute("connectionId");
      changed_ = true;
    }
    if (name == "tableColumn" && el.remove_attribute("queryTableFieldId")) changed_ = true;
    return Action::keep;
  }

  // An element that names a removed relationship. Most go; a hyperlink keeps its text;
  // a linked (not embedded) picture keeps the element and loses the link.
  Action dangling_reference(pugi::xml_node el, std::string_view name) {
    if (removed_ids_.empty()) return Action::keep;
    for (pugi::xml_attribute a = el.first_attribute(); a;) {
      pugi::xml_attribute next = a.next_attribute();
      if (removed_ids_.count(a.value()) != 0 && is_rel_attr(el, a)) {
        if (local_name(a.name()) == "link") {
          el.remove_attribute(a);
          changed_ = true;
        } else if (name == "hyperlink") {
          return Action::unwrap;
        } else if (name == "oleObj") {
          defer_frame(el);
          return Action::keep;
        } else {
          return Action::remove;
        }
      }
      a = next;
    }
    return Action::keep;
  }

  // A PowerPoint OLE object lives in a graphicFrame: the whole frame goes.
  void defer_frame(pugi::xml_node el) {
    pugi::xml_node frame = el;
    while (frame && local_name(frame.name()) != "graphicFrame") frame = frame.parent();
    deferred_.push_back(frame ? frame : el);
    removed();
  }

  // w:object (an OLE object or ActiveX control in Word). Its VML preview picture stays,
  // as a w:pict; without one the object goes.
  Action ole_object(pugi::xml_node el) {
    bool has_vml = false;
    for (pugi::xml_node c : el.children()) {
      if (c.type() == pugi::node_element && ns_uri(c, prefix_of(c.name())) == kVmlNs) has_vml = true;
    }
    if (!has_vml) return Action::remove;
    for (pugi::xml_node c = el.first_child(); c;) {
      pugi::xml_node next = c.next_sibling();
      if (c.type() == pugi::node_element && ns_uri(c, prefix_of(c.name())) != kVmlNs) {
        el.remove_child(c);
      } else if (c.type() == pugi::node_element) {
        for (pugi::xml_attribute a = c.first_attribute(); a;) {
          pugi::xml_attribute na = a.next_attribute();
          if (local_name(a.name()) == "ole") c.remove_attribute(a);
          a = na;
        }
      }
      c = next;
    }
    while (el.first_attribute()) el.remove_attribute(el.first_attribute());
    std::string_view p = prefix_of(el.name());
    el.set_name((p.empty() ? std::string("pict") : std::string(p) + ":pict").c_str());
    removed();
    return Action::keep;
  }

  // A cell formula that is a DDE reference, or names a removed external workbook
  // ([1]Sheet1!A1), goes; the cell keeps its cached value. Shared formulas that follow a
  // removed master go with it.
  Action formula(pugi::xml_node el) {
    std::string_view si = el.attribute("si").value();
    bool shared = std::string_view(el.attribute("t").value()) == "shared" && !si.empty();
    if (shared && removed_shared_.count(std::string(si)) != 0) return Action::remove;
    std::string_view text = el.child_value();
    if (!has_dde_ref(text) && !(external_refs_removed_ && has_external_ref(text))) return Action::keep;
    if (shared) removed_shared_.insert(std::string(si));
    return Action::remove;
  }

  // Complex fields: fldChar begin, instruction (instrText, nested fields), fldChar
  // separate, result, fldChar end; possibly over several runs and paragraphs. A field
  // whose instruction (or a field nested in it) is dangerous keeps only its result.
  struct Field {
    std::string instr;
    bool in_result = false;
    bool dangerous = false;
    std::vector<pugi::xml_node> instr_nodes;  // begin..separate, end, and the instruction's contents
    std::vector<pugi::xml_node> all_nodes;
  };

  void neutralize_complex_fields(pugi::xml_document& doc) {
    std::vector<Field> stack;
    std::vector<pugi::xml_node> doomed;
    visit_fields(doc.document_element(), stack, doomed);
    while (!stack.empty()) finish_field(stack, doomed);  // unterminated: judged as they stand
    if (doomed.empty()) return;
    std::vector<pugi::xml_node> runs;
    for (pugi::xml_node n : doomed) runs.push_back(n.parent());
    remove_all(doomed);
    removed(static_cast<int>(doomed.size()));
    // Runs left with nothing but their properties go too.
    std::vector<pugi::xml_node> empty;
    std::unordered_set<const void*> gone;
    for (pugi::xml_node n : doomed) gone.insert(n.internal_object());
    for (pugi::xml_node r : runs) {
      bool inside_removed = false;
      for (pugi::xml_node a = r; a && !inside_removed; a = a.parent()) inside_removed = gone.count(a.internal_object()) != 0;
      if (inside_removed || local_name(r.name()) != "r") continue;
      bool content = false;
      for (pugi::xml_node c : r.children()) {
        if (c.type() == pugi::node_element && local_name(c.name()) != "rPr") content = true;
      }
      if (!content) empty.push_back(r);
    }
    std::sort(empty.begin(), empty.end(), [](pugi::xml_node a, pugi::xml_node b) {
      return a.internal_object() < b.internal_object();
    });
    empty.erase(std::unique(empty.begin(), empty.end()), empty.end());
    remove_all(empty);
  }

  void visit_fields(pugi::xml_node el, std::vector<Field>& stack, std::vector<pugi::xml_node>& doomed) {
    bool in_run = local_name(el.name()) == "r";
    for (pugi::xml_node c : el.children()) {
      if (c.type() != pugi::node_element) continue;
      std::string_view name = local_name(c.name());
      if (name == "fldChar") {
        std::string_view type;
        for (pugi::xml_attribute a : c.attributes()) {
          if (local_name(a.name()) == "fldCharType") type = a.value();
        }
        if (type == "begin") {
          stack.emplace_back();
        } else if (stack.empty()) {
          continue;  // a stray separate or end
        }
        stack.back().instr_nodes.push_back(c);
        stack.back().all_nodes.push_back(c);
        if (type == "separate") stack.back().in_result = true;
        if (type == "end") finish_field(stack, doomed);
        continue;
      }
      if (!stack.empty() && (name == "instrText" || name == "delInstrText")) {
        Field& f = stack.back();
        if (!f.in_result) {
          f.instr += c.child_value();
          f.instr_nodes.push_back(c);
        }
        f.all_nodes.push_back(c);
        continue;
      }
      if (in_run && !stack.empty() && name != "rPr") {
        Field& f = stack.back();
        if (!f.in_result) f.instr_nodes.push_back(c);
        f.all_nodes.push_back(c);
      }
      visit_fields(c, stack, doomed);
    }
  }

  void finish_field(std::vector<Field>& stack, std::vector<pugi::xml_node>& doomed) {
    Field f = std::move(stack.back());
    stack.pop_back();
    f.dangerous = f.dangerous || dangerous_field(f.instr);
    if (!stack.empty() && !stack.back().in_result) {
      // Nested in the parent's instruction: it is part of what the parent would run.
      Field& parent = stack.back();
      parent.instr_nodes.insert(parent.instr_nodes.end(), f.all_nodes.begin(), f.all_nodes.end());
      parent.all_nodes.insert(parent.all_nodes.end(), f.all_nodes.begin(), f.all_nodes.end());
      parent.dangerous = parent.dangerous || f.dangerous;
      return;
    }
    if (!stack.empty()) {
      stack.back().all_nodes.insert(stack.back().all_nodes.end(), f.all_nodes.begin(), f.all_nodes.end());
    }
    if (f.dangerous) {
      doomed.insert(doomed.end(), f.instr_nodes.begin(), f.instr_nodes.end());
      ++stats_.fields;
    }
  }

  const std::set<std::string>& removed_ids_;
  bool external_refs_removed_;
  Stats& stats_;
  bool changed_ = false;
  bool saw_fld_char_ = false;
  std::vector<pugi::xml_node> deferred_;
  std::set<std::string> removed_shared_;
};

// The workbook part: sheets whose relationship was removed (macro sheets), the names that
// start macros or refer to removed sheets or external workbooks, and the views that
// index sheets. Returns a refusal if no sheet is left.
std::optional<Refusal> edit_workbook(pugi::xml_document& doc, const std::set<std::string>& removed_ids,
                                     bool external_refs_removed, Stats& stats, bool& changed) {
  pugi::xml_node root = doc.document_element();
  pugi::xml_node sheets;
  std::vector<pugi::xml_node> sheet_nodes;
  for (pugi::xml_node c : root.children()) {
    if (c.type() == pugi::node_element && local_name(c.name()) == "sheets") sheets = c;
  }
  std::vector<int> new_index;
  std::vector<std::string> gone_names;
  int kept = 0;
  for (pugi::xml_node s : sheets.children()) {
    if (s.type() != pugi::node_element || local_name(s.name()) != "sheet") continue;
    bool gone = false;
    for (pugi::xml_attribute a : s.attributes()) {
      if (removed_ids.count(a.value()) != 0 && is_rel_attr(s, a)) gone = true;
    }
    if (gone) {
      gone_names.push_back(s.attribute("name").value());
      sheet_nodes.push_back(s);
      new_index.push_back(-1);
    } else {
      new_index.push_back(kept++);
    }
  }
  if (!sheet_nodes.empty() && kept == 0) return Refusal{"corrupt", "workbook has no sheet left without macros"};
  for (pugi::xml_node s : sheet_nodes) remove_node(s);
  stats.elements += static_cast<int>(sheet_nodes.size());
  if (!sheet_nodes.empty()) changed = true;

  std::vector<pugi::xml_node> empty_lists;
  auto remap = [&](pugi::xml_attribute a) {
    if (!a || sheet_nodes.empty()) return;
    int i = a.as_int(-1);
    if (i >= 0 && i < static_cast<int>(new_index.size())) a.set_value(std::max(new_index[i], 0));
  };
  for (pugi::xml_node c : root.children()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view name = local_name(c.name());
    if (name == "bookViews") {
      for (pugi::xml_node v : c.children()) {
        remap(v.attribute("activeTab"));
        remap(v.attribute("firstSheet"));
      }
    }
    if (name != "definedNames") continue;
    std::vector<pugi::xml_node> drop;
    for (pugi::xml_node d : c.children()) {
      if (d.type() != pugi::node_element) continue;
      std::string n = lower(d.attribute("name").value());
      if (n.rfind("_xlnm.", 0) == 0) n.erase(0, 6);
      bool bad = n.rfind("auto_open", 0) == 0 || n.rfind("auto_close", 0) == 0 ||
                 n.rfind("auto_activate", 0) == 0 || n.rfind("auto_deactivate", 0) == 0;
      for (const std::string& g : gone_names) bad = bad || refers_to_sheet(d.child_value(), g);
      bad = bad || has_dde_ref(d.child_value()) || (external_refs_removed && has_external_ref(d.child_value()));
      if (pugi::xml_attribute local = d.attribute("localSheetId"); local && !sheet_nodes.empty()) {
        int i = local.as_int(-1);
        if (i >= 0 && i < static_cast<int>(new_index.size())) {
          if (new_index[i] < 0) bad = true;
          else local.set_value(new_index[i]);
        }
      }
      if (bad) drop.push_back(d);
    }
    for (pugi::xml_node d : drop) remove_node(d);
    stats.elements += static_cast<int>(drop.size());
    if (!drop.empty()) changed = true;
    if (!has_element_child(c)) empty_lists.push_back(c);
  }
  for (pugi::xml_node c : empty_lists) remove_node(c);
  return std::nullopt;
}

struct Part {
  std::string name;  // as stored (UTF-8)
  std::string key;   // part_key(name)
  std::string data;
  std::string type;  // content type
  bool removed = false;
};

struct Rel {
  std::string id;
  std::string type;  // rel_type_suffix of Type
  std::string target;
  bool external = false;
  std::string target_key;  // internal target, resolved; empty if it leaves the package
  bool removed = false;
};

struct RelsFile {
  std::size_t part = 0;
  std::string source;  // key of the source part; "" for the package
  std::vector<Rel> rels;
};

// What a part is as a picture or other media (by content type, extension, folder and
// first bytes; any of them is enough).
enum class Media { none, image, vector, av };

// All pictures of one package together: this many times limits.max_pixels.
constexpr std::int64_t kPackagePixelFactor = 10;

std::string extension_of(const std::string& key) {
  std::size_t dot = key.rfind('.');
  std::size_t slash = key.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  return key.substr(dot + 1);
}

bool head_is(const std::string& d, std::size_t at, std::string_view magic) {
  return d.size() >= at + magic.size() && std::string_view(d).substr(at, magic.size()) == magic;
}

Media media_kind(const Part& p) {
  const std::string type = lower(p.type);
  const std::string ext = extension_of(p.key);
  const std::string& d = p.data;
  static const std::set<std::string, std::less<>> kVectorTypes = {
      "image/x-emf", "image/emf", "image/x-wmf", "image/wmf", "image/x-emz", "image/x-wmz",
      "application/x-msmetafile"};
  static const std::set<std::string, std::less<>> kVectorExts = {"emf", "wmf", "emz", "wmz"};
  if (kVectorTypes.count(type) != 0 || kVectorExts.count(ext) != 0 ||
      (head_is(d, 0, std::string_view("\x01\0\0\0", 4)) && head_is(d, 40, " EMF")) ||  // EMF header
      head_is(d, 0, "\xd7\xcd\xc6\x9a") ||                                            // placeable WMF
      head_is(d, 0, std::string_view("\x01\0\x09\0", 4)) || head_is(d, 0, std::string_view("\x02\0\x09\0", 4))) {
    return Media::vector;
  }
  static const std::set<std::string, std::less<>> kAvExts = {
      "mp3", "mp4", "m4a", "m4v", "wav", "wma", "wmv", "avi", "mov", "mpg", "mpeg", "mid", "midi",
      "aif", "aiff", "au", "ogg", "oga", "ogv", "webm", "asf", "3gp", "flac", "aac"};
  if (type.rfind("audio/", 0) == 0 || type.rfind("video/", 0) == 0 || kAvExts.count(ext) != 0) return Media::av;
  const bool in_media = p.key.rfind("media/", 0) == 0 || p.key.find("/media/") != std::string::npos;
  if (type.rfind("image/", 0) == 0 || in_media || head_is(d, 0, "\xff\xd8\xff") ||
      head_is(d, 0, "\x89PNG\r\n\x1a\n") || head_is(d, 0, "GIF8") ||
      (head_is(d, 0, "RIFF") && head_is(d, 8, "WEBP")) || head_is(d, 4, "ftyp") ||
      head_is(d, 0, "II*") || head_is(d, 0, "MM\0*")) {
    return Media::image;
  }
  return Media::none;
}

// image/jpg and other spellings Office writes, to the type sanitize_image() names.
std::string canonical_image_type(const std::string& type) {
  std::string t = lower(type);
  if (t == "image/jpg" || t == "image/pjpeg") return "image/jpeg";
  if (t == "image/x-png") return "image/png";
  return t;
}

std::string image_type_of_extension(const std::string& ext) {
  if (ext == "jpeg" || ext == "jpg" || ext == "jpe" || ext == "jfif") return "image/jpeg";
  if (ext == "png") return "image/png";
  if (ext == "gif") return "image/gif";
  if (ext == "webp") return "image/webp";
  return "";
}

// Removes a file of out_dir when it goes out of scope.
struct Unlinker {
  std::string path;
  ~Unlinker() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove(path, ec);
  }
};

class Sanitizer {
 public:
  explicit Sanitizer(const Job& job) : job_(job) {}

  Result run(const std::string& detected_type);

 private:
  std::optional<Refusal> read();
  std::optional<Refusal> read_content_types();
  std::optional<Refusal> read_relationships();
  std::optional<Refusal> find_main();
  bool removable_part(const Part& p) const;
  bool removable_rel(const Rel& r) const;
  void decide_removals();
  std::optional<Refusal> sanitize_media();
  std::optional<Refusal> sanitize_picture(Part& p, std::int64_t& pixel_budget);
  std::optional<Refusal> rewrite_rels();
  std::optional<Refusal> edit_parts();
  std::optional<Refusal> rewrite_content_types();
  std::optional<Refusal> write(const std::string& out);
  Part* find(const std::string& key) {
    auto it = by_key_.find(key);
    return it == by_key_.end() ? nullptr : &parts_[it->second];
  }

  const Job& job_;
  std::vector<Part> parts_;
  std::unordered_map<std::string, std::size_t> by_key_;
  std::map<std::string, std::string> defaults_;   // extension (lower) -> type
  std::map<std::string, std::string> overrides_;  // part key -> type
  std::vector<RelsFile> rels_files_;
  const MainType* main_ = nullptr;
  std::string main_key_;
  std::map<std::string, std::set<std::string>> removed_ids_;  // source key -> ids
  bool external_refs_removed_ = false;
  Stats stats_;
};

std::optional<Refusal> Sanitizer::read() {
  zipio::Reader in;
  if (auto bad = in.open(job_.in, job_.limits)) return bad;
  for (const zipio::Entry& e : in.entries()) {
    if (e.is_dir) continue;  // OPC has no directories
    Part p;
    p.name = e.name;
    p.key = part_key(e.name);
    if (by_key_.count(p.key) != 0) return Refusal{"corrupt", "part '" + e.name + "' twice (names differ in case)"};
    if (auto bad = in.read_all(e, &p.data)) return bad;
    by_key_[p.key] = parts_.size();
    parts_.push_back(std::move(p));
  }
  return std::nullopt;
}

std::optional<Refusal> Sanitizer::read_content_types() {
  Part* ct = find("[content_types].xml");
  if (ct == nullptr) return Refusal{"corrupt", "no [Content_Types].xml: not an OOXML package"};
  pugi::xml_document doc;
  if (auto bad = load_xml(doc, ct->data, ct->name)) return bad;
  for (pugi::xml_node n : doc.document_element().children()) {
    std::string_view name = local_name(n.name());
    if (name == "Default") {
      defaults_[lower(n.attribute("Extension").value())] = n.attribute("ContentType").value();
    } else if (name == "Override") {
      overrides_[part_key(n.attribute("PartName").value())] = n.attribute("ContentType").value();
    }
  }
  for (Part& p : parts_) {
    if (auto it = overrides_.find(p.key); it != overrides_.end()) {
      p.type = it->second;
      continue;
    }
    std::size_t dot = p.key.rfind('.');
    std::size_t slash = p.key.rfind('/');
    if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) {
      if (auto it = defaults_.find(p.key.substr(dot + 1)); it != defaults_.end()) p.type = it->second;
    }
  }
  return std::nullopt;
}

std::optional<Refusal> Sanitizer::read_relationships() {
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    auto source = rels_source(parts_[i].key);
    if (!source) continue;
    pugi::xml_document doc;
    if (auto bad = load_xml(doc, parts_[i].data, parts_[i].name)) return bad;
    RelsFile rf;
    rf.part = i;
    rf.source = *source;
    for (pugi::xml_node n : doc.document_element().children()) {
      if (n.type() != pugi::node_element || local_name(n.name()) != "Relationship") continue;
      Rel r;
      r.id = n.attribute("Id").value();
      r.type = rel_type_suffix(n.attribute("Type").value());
      r.target = n.attribute("Target").value();
      r.external = lower(n.attribute("TargetMode").value()) == "external";
      if (!r.external) r.target_key = resolve_target(rf.source, r.target).value_or("");
      rf.rels.push_back(std::move(r));
    }
    rels_files_.push_back(std::move(rf));
  }
  return std::nullopt;
}

std::optional<Refusal> Sanitizer::find_main() {
  for (const RelsFile& rf : rels_files_) {
    if (!rf.source.empty()) continue;
    for (const Rel& r : rf.rels) {
      if (r.type != "officeDocument" || r.external) continue;
      Part* p = find(r.target_key);
      if (p == nullptr) return Refusal{"corrupt", "main part '" + r.target + "' is missing"};
      for (const MainType& t : kMainTypes) {
        if (p->type == t.part_type) {
          main_ = &t;
          main_key_ = p->key;
          return std::nullopt;
        }
      }
      return Refusal{"unsupported_type", "not a Word, Excel or PowerPoint document: main part is " +
                                             (p->type.empty() ? std::string("untyped") : p->type)};
    }
  }
  return Refusal{"corrupt", "no officeDocument relationship: not an OOXML document"};
}

bool Sanitizer::removable_part(const Part& p) const {
  if (p.key == "[content_types].xml" || rels_source(p.key)) return false;
  std::vector<std::string_view> segs;
  std::string_view rest = p.key;
  while (true) {
    std::size_t s = rest.find('/');
    segs.push_back(rest.substr(0, s));
    if (s == std::string_view::npos) break;
    rest.remove_prefix(s + 1);
  }
  std::string_view base = segs.back();
  if (base == "vbaproject.bin" || base == "vbadata.xml" || base.rfind("vbaprojectsignature", 0) == 0) return true;
  if (segs.front() == "customui") return true;
  for (std::size_t i = 0; i + 1 < segs.size(); ++i) {
    std::string_view s = segs[i];
    if (s == "embeddings" || s == "activex" || s == "macrosheets" || s == "externallinks" || s == "querytables") {
      return true;
    }
  }
  if (segs.front() == "xl" && base == "connections.xml") return true;
  if (media_kind(p) == Media::vector) return true;
  std::string type = lower(p.type);
  for (std::string_view bad : {"vbaproject", "vbadata", "activex", "macrosheet", "externallink",
                               "spreadsheetml.connections", "querytable", "oleobject",
                               "keymapcustomizations", "attachedtoolbars", "calcchain",
                               "digital-signature"}) {
    if (type.find(bad) != std::string::npos) return true;
  }
  return main_->kind == 'x' && base.rfind("calcchain", 0) == 0;
}

bool Sanitizer::removable_rel(const Rel& r) const {
  if (kRemovedRelTypes.count(r.type) != 0) return true;
  if (r.external) return !(r.type == "hyperlink" && safe_hyperlink(r.target));
  return r.target_key.empty();  // internal, but pointing outside the package
}

// Marks parts and relationships to remove, until nothing changes: a removed part's .rels
// goes with it, a relationship to a removed part goes, and a part every relationship to
// which was removed goes (a macro sheet's drawings, a ribbon's images).
void Sanitizer::decide_removals() {
  for (Part& p : parts_) p.removed = removable_part(p);
  for (bool changed = true; changed;) {
    changed = false;
    for (RelsFile& rf : rels_files_) {
      Part& rp = parts_[rf.part];
      if (rp.removed) continue;
      if (!rf.source.empty()) {
        const Part* src = find(rf.source);
        if (src == nullptr || src->removed) {
          rp.removed = changed = true;
          continue;
        }
      }
      for (Rel& r : rf.rels) {
        if (r.removed) continue;
        const Part* target = r.external ? nullptr : find(r.target_key);
        if (removable_rel(r) || (target != nullptr && target->removed)) r.removed = changed = true;
      }
    }
    std::unordered_map<std::string, int> incoming, kept;
    for (const RelsFile& rf : rels_files_) {
      for (const Rel& r : rf.rels) {
        if (r.external || r.target_key.empty()) continue;
        ++incoming[r.target_key];
        if (!r.removed && !parts_[rf.part].removed) ++kept[r.target_key];
      }
    }
    for (Part& p : parts_) {
      if (p.removed || p.key == "[content_types].xml" || rels_source(p.key)) continue;
      if (incoming[p.key] > 0 && kept[p.key] == 0) p.removed = changed = true;
    }
  }
  for (const Part& p : parts_) {
    if (!p.removed) continue;
    stats_.parts.push_back(p.name);
    if (p.key.find("externallinks/") != std::string::npos || lower(p.type).find("externallink") != std::string::npos) {
      external_refs_removed_ = true;
    }
  }
}

std::optional<Refusal> Sanitizer::sanitize_media() {
  std::int64_t pixel_budget = kPackagePixelFactor * job_.limits.max_pixels;
  for (Part& p : parts_) {
    if (p.removed || p.key == "[content_types].xml" || rels_source(p.key)) continue;
    switch (media_kind(p)) {
      case Media::none: case Media::vector: break;  // vector pictures were removed already
      case Media::av:
        return Refusal{"unsupported_type", "part '" + p.name + "' is audio or video (" +
                                               (p.type.empty() ? std::string("untyped") : p.type) + ")"};
      case Media::image:
        if (auto bad = sanitize_picture(p, pixel_budget)) return bad;
        break;
    }
  }
  return std::nullopt;
}

// One picture through sanitize_image(), from and to a file in out_dir (the only place the
// confined worker may write); the rebuilt bytes replace the part's.
std::optional<Refusal> Sanitizer::sanitize_picture(Part& p, std::int64_t& pixel_budget) {
  auto refusal = [&p](const std::string& reason, const std::string& why) {
    return Refusal{reason, "part '" + p.name + "': " + why};
  };
  std::string error;
  if (!init_runtime(&error)) return refusal("sanitizer_failed", error);  // tests call sanitize_ooxml() directly
  const std::string declared = canonical_image_type(p.type);
  const std::string by_ext = image_type_of_extension(extension_of(p.key));
  Unlinker in{output_path(job_, ".part")};
  {
    std::ofstream f(in.path, std::ios::binary | std::ios::trunc);
    f.write(p.data.data(), static_cast<std::streamsize>(p.data.size()));
    if (!f.flush()) return refusal("sanitizer_failed", "cannot write a temporary file");
  }
  const Detected d = detect(in.path);
  switch (d.kind) {
    case Kind::jpeg: case Kind::png: case Kind::gif: case Kind::webp: case Kind::heic: case Kind::svg: break;
    default: return refusal("unsupported_type", "no image sanitizer for " + d.mime);
  }
  // What sanitize_image() makes of it (image.cc): refused before decoding if not the same.
  const std::string rebuilt = d.kind == Kind::heic ? "image/jpeg" : d.kind == Kind::svg ? "image/png" : d.mime;
  if (rebuilt != declared || rebuilt != by_ext) {
    return refusal("unsupported_type", d.mime + " would become " + rebuilt + " under the type " +
                                           (p.type.empty() ? std::string("(none)") : p.type) +
                                           " and extension ." + extension_of(p.key));
  }
  Job sub;
  sub.in = in.path;
  sub.name = p.name;
  sub.out_dir = job_.out_dir;
  sub.policy = job_.policy;
  sub.limits = job_.limits;
  sub.limits.max_pixels = std::min(job_.limits.max_pixels, pixel_budget);
  sub.depth = job_.depth + 1;
  sub.thumbnail = false;
  Result r = sanitize_image(sub, d.mime);
  Unlinker out{r.output};
  Unlinker thumb{r.thumbnail};
  if (r.outcome != Outcome::sanitized) {
    std::string why = r.detail;
    if (r.reason == "pixel_limit" && sub.limits.max_pixels < job_.limits.max_pixels) {
      why += " (what is left of the package's " + std::to_string(kPackagePixelFactor * job_.limits.max_pixels) +
             " pixels for all its pictures)";
    }
    return refusal(r.reason.empty() ? "corrupt" : r.reason, why);
  }
  // Office trusts the content type, a viewer may trust the extension: both must still
  // name what the part now holds.
  if (r.output_type != declared || r.output_type != by_ext) {
    return refusal("unsupported_type", d.mime + " would become " + r.output_type + " under the type " +
                                           (p.type.empty() ? std::string("(none)") : p.type) +
                                           " and extension ." + extension_of(p.key));
  }
  std::ifstream f(r.output, std::ios::binary);
  std::string data(std::istreambuf_iterator<char>(f), {});
  if (data.empty()) return refusal("sanitizer_failed", "cannot read the re-encoded image");
  pixel_budget -= std::int64_t{r.width} * std::max(r.height, 1);
  p.data = std::move(data);
  ++stats_.images;
  return std::nullopt;
}

std::optional<Refusal> Sanitizer::rewrite_rels() {
  for (const RelsFile& rf : rels_files_) {
    Part& rp = parts_[rf.part];
    if (rp.removed) continue;
    std::set<std::string> ids;
    for (const Rel& r : rf.rels) {
      if (r.removed) ids.insert(r.id);
    }
    if (ids.empty()) continue;
    pugi::xml_document doc;
    if (auto bad = load_xml(doc, rp.data, rp.name)) return bad;
    std::vector<pugi::xml_node> drop;
    for (pugi::xml_node n : doc.document_element().children()) {
      if (n.type() == pugi::node_element && ids.count(n.attribute("Id").value()) != 0) drop.push_back(n);
    }
    for (pugi::xml_node n : drop) remove_node(n);
    stats_.relationships += static_cast<int>(drop.size());
    rp.data = save_xml(doc);
    removed_ids_[rf.source].insert(ids.begin(), ids.end());
  }
  return std::nullopt;
}

bool is_xml_part(const Part& p) {
  std::string type = lower(p.type);
  std::size_t dot = p.key.rfind('.');
  std::string ext = dot == std::string::npos ? "" : p.key.substr(dot + 1);
  return ext == "xml" || ext == "vml" || (type.size() >= 4 && type.substr(type.size() - 4) == "+xml") ||
         type == "application/xml" || type == "text/xml";
}

std::optional<Refusal> Sanitizer::edit_parts() {
  static const std::set<std::string> kNone;
  for (Part& p : parts_) {
    if (p.removed || p.key == "[content_types].xml" || rels_source(p.key) || !is_xml_part(p)) continue;
    pugi::xml_document doc;
    if (auto bad = load_xml(doc, p.data, p.name)) {
      // Legacy VML drawings are often not well-formed XML; Office reads them leniently.
      // They stay as they are (their references to removed parts are inert).
      if (p.key.size() > 4 && p.key.substr(p.key.size() - 4) == ".vml") continue;
      return bad;
    }
    auto ids = removed_ids_.find(p.key);
    const std::set<std::string>& removed = ids == removed_ids_.end() ? kNone : ids->second;
    bool changed = false;
    if (main_->kind == 'x' && p.key == main_key_) {
      if (auto bad = edit_workbook(doc, removed, external_refs_removed_, stats_, changed)) return bad;
    }
    PartEditor editor(removed, external_refs_removed_, stats_);
    if (editor.run(doc)) changed = true;
    if (changed) p.data = save_xml(doc);
  }
  return std::nullopt;
}

std::optional<Refusal> Sanitizer::rewrite_content_types() {
  Part* ct = find("[content_types].xml");
  pugi::xml_document doc;
  if (auto bad = load_xml(doc, ct->data, ct->name)) return bad;
  // Extensions that a kept part gets its type from (it has no Override).
  std::set<std::string> used;
  for (const Part& p : parts_) {
    if (p.removed || overrides_.count(p.key) != 0) continue;
    std::size_t dot = p.key.rfind('.');
    std::size_t slash = p.key.rfind('/');
    if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) used.insert(p.key.substr(dot + 1));
  }
  std::vector<pugi::xml_node> drop;
  for (pugi::xml_node n : doc.document_element().children()) {
    if (n.type() != pugi::node_element) continue;
    std::string_view name = local_name(n.name());
    if (name == "Default") {
      std::string ext = lower(n.attribute("Extension").value());
      if (ext != "rels" && ext != "xml" && used.count(ext) == 0) drop.push_back(n);
    } else if (name == "Override") {
      const Part* p = find(part_key(n.attribute("PartName").value()));
      if (p == nullptr || p->removed) {
        drop.push_back(n);
        continue;
      }
      pugi::xml_attribute type = n.attribute("ContentType");
      for (const MainType& t : kMainTypes) {
        if (type.value() == t.part_type && t.part_type != t.clean_part_type) {
          type.set_value(std::string(t.clean_part_type).c_str());
        }
      }
    }
  }
  for (pugi::xml_node n : drop) remove_node(n);
  ct->data = save_xml(doc);
  return std::nullopt;
}

std::optional<Refusal> Sanitizer::write(const std::string& out) {
  std::int64_t bytes = 0;
  for (const Part& p : parts_) {
    if (!p.removed) bytes += static_cast<std::int64_t>(p.data.size());
  }
  if (bytes > job_.limits.max_output_bytes) {
    return Refusal{"archive_limits", "rebuilt package over " + std::to_string(job_.limits.max_output_bytes) + " bytes"};
  }
  zipio::Writer w;
  if (auto bad = w.open(out)) return bad;
  std::time_t mtime = zipio::fixed_mtime();
  for (const Part& p : parts_) {
    if (p.removed) continue;
    if (auto bad = w.add_buffer(p.name, p.data, mtime)) return bad;
  }
  return w.close();
}

std::string replace_extension(const std::string& name, std::string_view ext) {
  std::size_t slash = name.rfind('/');
  std::size_t dot = name.rfind('.');
  std::string base = (dot == std::string::npos || (slash != std::string::npos && dot < slash)) ? name : name.substr(0, dot);
  if (base.empty()) base = "document";
  return base + "." + std::string(ext);
}

std::string summary(const Stats& s) {
  std::string d = "removed " + std::to_string(s.parts.size()) + " parts";
  for (std::size_t i = 0; i < s.parts.size() && i < 8; ++i) d += (i == 0 ? " (" : ", ") + s.parts[i];
  if (!s.parts.empty()) d += s.parts.size() > 8 ? ", ...)" : ")";
  d += ", " + std::to_string(s.relationships) + " relationships, " + std::to_string(s.fields) +
       " fields, " + std::to_string(s.elements) + " elements; " + std::to_string(s.images) +
       " pictures re-encoded";
  return d;
}

Result Sanitizer::run(const std::string& detected_type) {
  Result r;
  r.family = "office";
  r.detected_type = detected_type;
  auto refuse = [&r](const Refusal& why) {
    r.outcome = Outcome::withheld;
    r.reason = why.reason;
    r.detail = why.detail;
    return r;
  };
  if (job_.policy.office == Level::rasterize) {
    // 画像化 of Office files needs LibreOffice, which this confined worker cannot start.
    return refuse({"no_converter", "rasterizing Office documents needs a converter this worker does not run"});
  }
  zipio::ArchiveBudget budget;
  if (auto bad = read()) return refuse(*bad);
  if (auto bad = read_content_types()) return refuse(*bad);
  if (auto bad = read_relationships()) return refuse(*bad);
  if (auto bad = find_main()) return refuse(*bad);
  r.detected_type = main_->package_type;
  decide_removals();
  if (Part* main = find(main_key_); main->removed) {
    return refuse({"corrupt", "main part '" + main->name + "' would be removed"});
  }
  if (auto bad = sanitize_media()) return refuse(*bad);
  if (auto bad = rewrite_rels()) return refuse(*bad);
  if (auto bad = edit_parts()) return refuse(*bad);
  if (auto bad = rewrite_content_types()) return refuse(*bad);
  std::string out = output_path(job_, "." + std::string(main_->ext));
  if (auto bad = write(out)) {
    std::error_code ec;
    std::filesystem::remove(out, ec);
    return refuse(*bad);
  }
  r.outcome = Outcome::sanitized;
  r.output = out;
  r.output_type = main_->clean_package_type;
  r.output_name = replace_extension(job_.name, main_->ext);
  r.detail = summary(stats_);
  return r;
}

}  // namespace

Result sanitize_ooxml(const Job& job, const std::string& detected_type) {
  try {
    return Sanitizer(job).run(detected_type);
  } catch (const std::exception& e) {
    Result r;
    r.family = "office";
    r.detected_type = detected_type;
    r.reason = "sanitizer_failed";
    r.detail = std::string("OOXML sanitizer: ") + e.what();
    return r;
  }
}

}  // namespace tonari::sanitize
