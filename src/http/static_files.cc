#include "http/static_files.h"

#include <zlib.h>

#include "core/text_limits.h"

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_map>

namespace tonari::http {
namespace {

namespace fs = std::filesystem;

const char* content_type(const fs::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".webmanifest") return "application/manifest+json";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

bool compressible(const std::string& type) {
  return type.rfind("text/", 0) == 0 || type.find("json") != std::string::npos ||
         type == "image/svg+xml";
}

const char* const kNotBuilt =
    "<!doctype html><html lang=\"ja\"><meta charset=\"utf-8\"><title>tonari</title>"
    "<body><h1>tonari</h1><p>API server is running. The web client is not built "
    "(run <code>make run</code>).</p></body></html>";

std::string gzip(const std::string& in) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END ? out : std::string();
}

std::string etag_of(const std::string& body) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : body) h = (h ^ c) * 1099511628211ULL;
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

// A file as served: read once, compressed once, revalidated by its modification time.
struct Entry {
  fs::file_time_type mtime;
  std::string body;
  std::string gz;  // empty if not worth compressing
  std::string etag;
  std::string type;
};

class Cache {
 public:
  // The entry for `p`, or nullptr if it cannot be read.
  std::shared_ptr<const Entry> get(const fs::path& p) {
    std::error_code ec;
    auto mtime = fs::last_write_time(p, ec);
    if (ec) return nullptr;
    {
      std::lock_guard lock(mu_);
      auto it = entries_.find(p.string());
      if (it != entries_.end() && it->second->mtime == mtime) return it->second;
    }
    std::ifstream in(p, std::ios::binary);
    if (!in) return nullptr;
    std::ostringstream ss;
    ss << in.rdbuf();
    auto e = std::make_shared<Entry>();
    e->mtime = mtime;
    e->body = ss.str();
    e->type = content_type(p);
    e->etag = etag_of(e->body);
    if (compressible(e->type) && e->body.size() > 512) {
      e->gz = gzip(e->body);
      if (e->gz.size() >= e->body.size()) e->gz.clear();
    }
    std::lock_guard lock(mu_);
    entries_[p.string()] = e;
    return e;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Entry>> entries_;  // guarded by mu_
};

bool accepts_gzip(const Request& req) {
  return req.header("accept-encoding").find("gzip") != std::string_view::npos;
}

}  // namespace

Handler static_files(std::string root_dir) {
  auto cache = std::make_shared<Cache>();
  return [root = fs::path(root_dir), cache](Request& req) -> boost::asio::awaitable<Response> {
    std::string rel = req.path;
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    fs::path p = (root / rel).lexically_normal();
    const std::string root_s = root.lexically_normal().string();
    const bool inside = p.string().compare(0, root_s.size(), root_s) == 0 &&
                        rel.find("..") == std::string::npos;
    std::error_code ec;
    if (!inside || rel.empty() || !fs::is_regular_file(p, ec)) {
      // Client-side routes (no file extension) get the app; missing assets get 404.
      if (inside && fs::path(rel).has_extension()) {
        co_return json_error(404, "not_found", "no such file: " + text::printable(req.path));
      }
      p = root / "index.html";
      rel = "index.html";
    }
    auto entry = cache->get(p);
    Response res;
    if (!entry) {
      if (rel != "index.html") co_return json_error(404, "not_found", "no such file");
      res.body = kNotBuilt;
      res.content_type = "text/html; charset=utf-8";
      co_return res;
    }
    const bool hashed = rel.rfind("assets/", 0) == 0;
    res.content_type = entry->type;
    res.headers.emplace_back("Cache-Control", hashed ? "public, max-age=31536000, immutable"
                                                     : "no-cache");
    res.headers.emplace_back("ETag", entry->etag);
    res.headers.emplace_back("Vary", "Accept-Encoding");
    if (req.header("if-none-match") == entry->etag) {
      res.status = 304;
      co_return res;
    }
    if (!entry->gz.empty() && accepts_gzip(req)) {
      res.body = entry->gz;
      res.headers.emplace_back("Content-Encoding", "gzip");
    } else {
      res.body = entry->body;
    }
    co_return res;
  };
}

}  // namespace tonari::http
