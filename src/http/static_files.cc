#include "http/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tonari::http {
namespace {

const char* content_type(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".webmanifest") return "application/manifest+json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

const char* const kNotBuilt =
    "<!doctype html><html lang=\"ja\"><meta charset=\"utf-8\"><title>tonari</title>"
    "<body><h1>tonari</h1><p>API server is running. The web client is not built "
    "(run <code>make run</code>).</p></body></html>";

bool read_file(const std::filesystem::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace

Handler static_files(std::string root) {
  namespace fs = std::filesystem;
  return [root = fs::path(root)](Request& req) -> boost::asio::awaitable<Response> {
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
        co_return json_error(404, "not_found", "no such file: " + req.path);
      }
      p = root / "index.html";
    }
    Response res;
    if (!read_file(p, res.body)) {
      if (p.filename() != "index.html") co_return json_error(404, "not_found", "no such file");
      res.body = kNotBuilt;
    }
    res.content_type = content_type(p);
    const bool hashed = rel.rfind("assets/", 0) == 0;
    res.headers.emplace_back("Cache-Control", hashed ? "public, max-age=31536000, immutable"
                                                     : "no-cache");
    if (res.content_type[0] == 't' && p.extension() == ".html") {
      res.headers.emplace_back(
          "Content-Security-Policy",
          "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
          "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    }
    co_return res;
  };
}

}  // namespace tonari::http
