// PDF: qpdf reads the file (recovering a damaged cross-reference table where it can; its
// parser decodes #xx escapes, so /J#61vaScript is /JavaScript), every object is walked —
// those in object streams and earlier revisions' survivors included — and the active
// content is cut out (see Disarm), then QPDFWriter writes a new file: one cross-reference
// table, no object streams, no incremental update, only the objects still reachable.
// policy.pdf == rasterize goes further: each page of that rebuilt file is rendered by
// poppler (vips pdfload, 150 dpi) and a new PDF holds nothing but one JPEG per page.
#include <qpdf/Pipeline.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>
#include <qpdf/QPDFWriter.hh>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "sanitize/detect.h"
#include "sanitize/outcomes.h"
#include "sanitize/sanitize.h"
#include "sanitize/vips_util.h"

namespace tonari::sanitize {
namespace {

constexpr double kRasterDpi = 150;
constexpr int kRasterQuality = 85;

// Keys that hold active content (scripts, actions run on open/close/view, embedded
// files, XFA forms, rich media), removed from every dictionary wherever they appear.
const std::set<std::string> kActiveKeys = {
    "/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch", "/SubmitForm", "/ImportData",
    "/GoToE", "/GoToR", "/RichMedia", "/RichMediaContent", "/RichMediaSettings", "/RichMediaExecute",
    "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/XFA", "/NeedsRendering", "/Collection"};
// Action types (/S) that run code, open files or reach out (and URI actions to anything but
// http, https and mailto): an action dictionary of one of these is removed, and with it the key or array entry that held it (/A, /Next, ...).
const std::set<std::string> kActiveActions = {
    "/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/GoToR",
    "/RichMediaExecute", "/Rendition", "/Movie", "/Sound", "/GoTo3DView"};
// Annotations that carry files or media players.
const std::set<std::string> kActiveAnnots = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"};

std::string name_at(QPDFObjectHandle dict, const char* key) {
  QPDFObjectHandle v = dict.getKey(key);
  return v.isName() ? v.getName() : "";
}

// A URI action stays only for web and mail addresses: file:, UNC paths (which leak
// Windows credentials to the server named) and javascript: go.
bool is_safe_uri(QPDFObjectHandle uri) {
  if (!uri.isString()) return false;
  std::string s = uri.getUTF8Value();
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0 || s.rfind("mailto:", 0) == 0;
}

// A dictionary or stream that is active content as a whole.
bool is_active(QPDFObjectHandle h) {
  QPDFObjectHandle d = h.isStream() ? h.getDict() : h;
  if (!d.isDictionary()) return false;
  const std::string action = name_at(d, "/S");
  if (kActiveActions.count(action)) return true;
  if (action == "/URI" && !is_safe_uri(d.getKey("/URI"))) return true;
  const std::string type = name_at(d, "/Type");
  if (type == "/EmbeddedFile") return true;
  return (type.empty() || type == "/Annot") && kActiveAnnots.count(name_at(d, "/Subtype"));
}

// Removes active content from a whole document: active indirect objects become null,
// active keys go from every dictionary, and every key or array entry that pointed at
// active content goes too (so an /Annots array keeps only the harmless annotations).
class Disarm {
 public:
  explicit Disarm(QPDF& pdf) : pdf_(pdf) {}

  int run() {
    const std::vector<QPDFObjectHandle> all = pdf_.getAllObjects();
    for (const auto& o : all)
      if (is_active(o)) active_.insert(o.getObjGen());
    for (const auto& og : active_) pdf_.replaceObject(og, QPDFObjectHandle::newNull());
    for (auto o : all)
      if (!active_.count(o.getObjGen())) clean(o);
    clean(pdf_.getTrailer());
    return removed_ + static_cast<int>(active_.size());
  }

 private:
  bool drops(QPDFObjectHandle v) const {
    return v.isIndirect() ? active_.count(v.getObjGen()) > 0 : is_active(v);
  }

  // Direct objects are cleaned where they sit; indirect ones have their own turn in run().
  void clean(QPDFObjectHandle h) {
    if (h.isStream()) h = h.getDict();
    if (h.isDictionary()) {
      for (const std::string& key : h.getKeys()) {
        QPDFObjectHandle v = h.getKey(key);
        if (kActiveKeys.count(key) || drops(v)) {
          h.removeKey(key);
          ++removed_;
        } else if (!v.isIndirect()) {
          clean(v);
        }
      }
    } else if (h.isArray()) {
      for (int i = h.getArrayNItems() - 1; i >= 0; --i) {
        QPDFObjectHandle v = h.getArrayItem(i);
        if (drops(v)) {
          h.eraseItem(i);
          ++removed_;
        } else if (!v.isIndirect()) {
          clean(v);
        }
      }
    }
  }

  QPDF& pdf_;
  std::set<QPDFObjGen> active_;
  int removed_ = 0;
};

// Files this sanitizer made, removed when it gives up (or, for temporaries, always).
struct Outputs {
  std::vector<std::string> paths;
  ~Outputs() {
    for (const auto& p : paths) ::unlink(p.c_str());
  }
  std::string add(const Job& job, const char* suffix) { return paths.emplace_back(output_path(job, suffix)); }
  void keep(const std::string& p) { std::erase(paths, p); }
};

void write_rebuilt(QPDF& pdf, const std::string& path) {
  QPDFWriter w(pdf, path.c_str());
  w.setObjectStreamMode(qpdf_o_disable);
  w.setLinearization(false);
  w.setPreserveEncryption(false);
  w.setCompressStreams(true);
  w.write();
}

// Points of page 1 as displayed (MediaBox, turned by /Rotate).
std::pair<int, int> page_size(QPDFPageObjectHelper page) {
  QPDFObjectHandle box = page.getMediaBox();
  if (!box.isRectangle()) return {0, 0};
  const auto r = box.getArrayAsRectangle();
  int w = static_cast<int>(std::lround(std::abs(r.urx - r.llx)));
  int h = static_cast<int>(std::lround(std::abs(r.ury - r.lly)));
  QPDFObjectHandle rotate = page.getAttribute("/Rotate", false);
  if (rotate.isInteger() && std::abs(rotate.getIntValue() / 90) % 2 == 1) std::swap(w, h);
  return {w, h};
}

// Feeds a rendered page's JPEG file to qpdf when the new PDF is written.
class JpegFile : public QPDFObjectHandle::StreamDataProvider {
 public:
  explicit JpegFile(std::string path) : path_(std::move(path)) {}
  void provideStreamData(QPDFObjGen const&, Pipeline* pipeline) override {
    std::ifstream f(path_, std::ios::binary);
    std::array<char, 65536> buf{};
    while (f.read(buf.data(), buf.size()) || f.gcount() > 0)
      pipeline->write(reinterpret_cast<unsigned char*>(buf.data()), static_cast<size_t>(f.gcount()));
    pipeline->finish();
  }

 private:
  std::string path_;
};

struct RenderedPage {
  std::string jpeg;
  int width, height, bands;
};

// Renders page `index` of `pdf_path` at kRasterDpi into a JPEG file of `outputs`.
std::optional<RenderedPage> render_page(const Job& job, Outputs& outputs, const std::string& pdf_path, int index,
                                        std::string* error) {
  VipsImage* raw = nullptr;
  if (vips_pdfload(pdf_path.c_str(), &raw, "page", index, "dpi", kRasterDpi, "access", VIPS_ACCESS_SEQUENTIAL,
                   nullptr) != 0) {
    *error = vips_error_text();
    return std::nullopt;
  }
  VImage page(raw);
  VImage rgb = to_srgb_opaque(page.get());
  const std::string path = outputs.add(job, ".page.jpg");
  if (!rgb || vips_jpegsave(rgb.get(), path.c_str(), "Q", kRasterQuality, "strip", TRUE, nullptr) != 0) {
    *error = vips_error_text();
    return std::nullopt;
  }
  return RenderedPage{path, rgb->Xsize, rgb->Ysize, rgb->Bands};
}

// An image-only PDF of `rebuilt`'s pages: each page one DCTDecode image XObject drawn over
// the whole page, sized as rendered (kRasterDpi). Nothing else: no text, fonts, links.
bool rasterize(const Job& job, Outputs& outputs, const std::string& rebuilt, int pages, const std::string& out,
               std::string* error) {
  QPDF doc;
  doc.emptyPDF();
  QPDFPageDocumentHelper helper(doc);
  for (int i = 0; i < pages; ++i) {
    const auto page = render_page(job, outputs, rebuilt, i, error);
    if (!page) return false;
    QPDFObjectHandle image = QPDFObjectHandle::newStream(&doc);
    QPDFObjectHandle dict = image.getDict();
    dict.replaceKey("/Type", QPDFObjectHandle::newName("/XObject"));
    dict.replaceKey("/Subtype", QPDFObjectHandle::newName("/Image"));
    dict.replaceKey("/Width", QPDFObjectHandle::newInteger(page->width));
    dict.replaceKey("/Height", QPDFObjectHandle::newInteger(page->height));
    dict.replaceKey("/ColorSpace", QPDFObjectHandle::newName(page->bands == 1 ? "/DeviceGray" : "/DeviceRGB"));
    dict.replaceKey("/BitsPerComponent", QPDFObjectHandle::newInteger(8));
    image.replaceStreamData(std::make_shared<JpegFile>(page->jpeg), QPDFObjectHandle::newName("/DCTDecode"),
                            QPDFObjectHandle::newNull());

    const double w = page->width * 72.0 / kRasterDpi, h = page->height * 72.0 / kRasterDpi;
    char draw[128];
    std::snprintf(draw, sizeof draw, "q %.3f 0 0 %.3f 0 0 cm /Im0 Do Q\n", w, h);
    QPDFObjectHandle xobjects = QPDFObjectHandle::newDictionary();
    xobjects.replaceKey("/Im0", image);
    QPDFObjectHandle resources = QPDFObjectHandle::newDictionary();
    resources.replaceKey("/XObject", xobjects);
    QPDFObjectHandle dict_page = QPDFObjectHandle::newDictionary();
    dict_page.replaceKey("/Type", QPDFObjectHandle::newName("/Page"));
    dict_page.replaceKey("/MediaBox", QPDFObjectHandle::newArray(QPDFObjectHandle::Rectangle(0, 0, w, h)));
    dict_page.replaceKey("/Resources", resources);
    dict_page.replaceKey("/Contents", QPDFObjectHandle::newStream(&doc, draw));
    helper.addPage(QPDFPageObjectHelper(doc.makeIndirectObject(dict_page)), false);
  }
  write_rebuilt(doc, out);
  return true;
}

std::string pdf_thumbnail(const Job& job, const std::string& path, int width, int height) {
  const int longest = std::max(width, height);
  const double scale = longest > 0 ? 480.0 / longest : 1.0;
  VipsImage* raw = nullptr;
  if (vips_pdfload(path.c_str(), &raw, "page", 0, "scale", scale, nullptr) != 0) {
    vips_error_clear();
    return "";
  }
  VImage first(raw);
  return write_thumbnail(job, first.get());
}

Result sanitize_pdf_checked(const Job& job, Outputs& outputs) {
  QPDF pdf;
  pdf.setSuppressWarnings(true);
  pdf.processFile(job.in.c_str());
  if (pdf.isEncrypted()) return withheld("encrypted", "the PDF is encrypted");
  std::vector<QPDFPageObjectHelper> pages = QPDFPageDocumentHelper(pdf).getAllPages();
  if (static_cast<std::int64_t>(pages.size()) > job.limits.max_pages)
    return withheld("unsupported_type", std::to_string(pages.size()) + " pages is over the limit of " +
                                            std::to_string(job.limits.max_pages));
  Result r;
  std::tie(r.width, r.height) = pages.empty() ? std::pair{0, 0} : page_size(pages.front());
  r.pages = static_cast<int>(pages.size());
  const int removed = Disarm(pdf).run();

  std::string out = outputs.add(job, ".pdf");
  write_rebuilt(pdf, out);
  r.detail = "rewritten; " + std::to_string(removed) + " active entries removed";
  if (pdf.anyWarnings()) r.detail += "; damaged file recovered";
  if (job.policy.pdf == Level::rasterize) {
    const std::string rebuilt = out;
    out = outputs.add(job, ".pdf");
    std::string error;
    if (!rasterize(job, outputs, rebuilt, r.pages, out, &error))
      return withheld("corrupt", "cannot render the pages: " + error);
    r.detail += "; pages rasterized at " + std::to_string(static_cast<int>(kRasterDpi)) + " dpi";
    // The images show the rebuilt file's pages: search finds the delivered copy by its text.
    if (job.depth == 0) {
      outputs.keep(rebuilt);
      r.text_source = rebuilt;
    }
  }
  outputs.keep(out);
  r.outcome = Outcome::sanitized;
  r.detected_type = "application/pdf";
  r.family = "pdf";
  r.output = out;
  r.output_type = "application/pdf";
  r.output_name = renamed(job.name, ".pdf");
  if (job.thumbnail && r.pages > 0) r.thumbnail = pdf_thumbnail(job, out, r.width, r.height);
  return r;
}

}  // namespace

Result sanitize_pdf(const Job& job) {
  vips_error_clear();
  Outputs outputs;
  try {
    return sanitize_pdf_checked(job, outputs);
  } catch (const QPDFExc& e) {
    if (e.getErrorCode() == qpdf_e_password) return withheld("encrypted", "the PDF needs a password");
    return withheld("corrupt", std::string("qpdf: ") + e.what());
  } catch (const std::exception& e) {
    return withheld("corrupt", std::string("qpdf: ") + e.what());
  }
}

}  // namespace tonari::sanitize
