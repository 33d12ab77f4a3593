#include "app/config.h"

#include <toml++/toml.h>

#include <cctype>
#include <cstdint>
#include <functional>

#include "store/sqlite/db.h"

namespace tonari::app {

bool parse_listen(const std::string& spec, http::ListenerConfig& out) {
  std::size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon + 1 >= spec.size()) return false;
  std::string host = spec.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  if (host.empty()) return false;
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(spec.substr(colon + 1), &used);
    if (used != spec.size() - colon - 1 || port > 65535) return false;
  } catch (const std::exception&) {
    return false;
  }
  out.address = host;
  out.port = static_cast<unsigned short>(port);
  return true;
}

namespace {

// [login]: the throttle, the known-device tokens and the verification queue.
std::string load_login(const toml::table& t, services::LoginLimits& login) {
  const toml::node_view<const toml::node> l = t["login"];
  struct IntKey {
    const char* name;
    std::int64_t min, max, scale;
    std::function<void(std::int64_t)> set;
  };
  auto& p = login.throttle;
  const std::int64_t day = 24LL * 3600 * 1000;
  const IntKey keys[] = {
      {"pair_free_failures", 1, 1000, 1, [&](auto v) { p.pair_free = static_cast<int>(v); }},
      {"login_free_failures", 1, 1000000, 1, [&](auto v) { p.login_free = static_cast<int>(v); }},
      {"address_free_failures", 1, 1000000, 1, [&](auto v) { p.address_free = static_cast<int>(v); }},
      {"first_delay_ms", 1, 3600000, 1, [&](auto v) { p.first_delay_ms = v; }},
      {"max_delay_seconds", 1, 86400, 1000, [&](auto v) { p.max_delay_ms = v; }},
      {"pair_forgive_seconds", 1, 86400, 1000, [&](auto v) { p.pair_forgive_ms = v; }},
      {"login_forgive_seconds", 1, 86400, 1000, [&](auto v) { p.login_forgive_ms = v; }},
      {"address_forgive_seconds", 1, 86400, 1000, [&](auto v) { p.address_forgive_ms = v; }},
      {"throttle_entries", 16, 100000000, 1, [&](auto v) { p.max_entries = static_cast<std::size_t>(v); }},
      {"verifiers", 1, 256, 1, [&](auto v) { login.verifiers = static_cast<int>(v); }},
      {"queue", 0, 1000000, 1, [&](auto v) { login.queue = static_cast<std::size_t>(v); }},
      {"queue_wait_ms", 1, 600000, 1, [&](auto v) { login.queue_wait_ms = v; }},
      {"device_days", 1, 3650, day, [&](auto v) { login.device_ttl_ms = v; }},
  };
  for (const IntKey& k : keys) {
    if (!l[k.name]) continue;
    auto v = l[k.name].value<std::int64_t>();
    if (!v || *v < k.min || *v > k.max) {
      return "login." + std::string(k.name) + " must be an integer from " + std::to_string(k.min) +
             " to " + std::to_string(k.max);
    }
    k.set(*v * k.scale);
  }
  return {};
}

// [files]: uploads, the blob store and the sanitizing jobs.
std::string load_files(const toml::table& t, files::FilesConfig& f) {
  const toml::node_view<const toml::node> l = t["files"];
  if (!l) return {};
  if (l["dir"]) {
    auto v = l["dir"].value<std::string>();
    if (!v) return "files.dir must be a string";
    f.dir = *v;
  }
  if (l["sanitizer"]) {
    auto v = l["sanitizer"].value<std::string>();
    if (!v) return "files.sanitizer must be a string";
    f.sanitizer = *v;
  }
  if (l["test_hooks"]) {
    auto v = l["test_hooks"].value<bool>();
    if (!v) return "files.test_hooks must be true or false";
    f.test_hooks = *v;
  }
  struct IntKey {
    const char* name;
    std::int64_t min, max;
    std::function<void(std::int64_t)> set;
  };
  const IntKey keys[] = {
      {"max_file_bytes", 1, 1ll << 40, [&](auto v) { f.max_file_bytes = v; }},
      {"chunk_bytes", 64 * 1024, 256ll << 20, [&](auto v) { f.chunk_bytes = v; }},
      {"workers", 0, 256, [&](auto v) { f.workers = static_cast<int>(v); }},
      {"job_seconds", 1, 86400, [&](auto v) { f.job_seconds = static_cast<int>(v); }},
      {"worker_memory_mb", 64, 1 << 20, [&](auto v) { f.worker_memory_mb = static_cast<int>(v); }},
  };
  for (const IntKey& k : keys) {
    if (!l[k.name]) continue;
    auto v = l[k.name].value<std::int64_t>();
    if (!v || *v < k.min || *v > k.max) {
      return "files." + std::string(k.name) + " must be an integer from " + std::to_string(k.min) +
             " to " + std::to_string(k.max);
    }
    k.set(*v);
  }
  return {};
}

}  // namespace

std::string load_toml(const std::string& path, Config& cfg) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return path + ": " + std::string(e.description());
  }
  if (auto v = t["data"].value<std::string>()) cfg.data_dir = *v;
  if (auto v = t["web_root"].value<std::string>()) cfg.web_root = *v;
  if (auto v = t["threads"].value<int64_t>()) cfg.threads = static_cast<int>(*v);
  if (auto v = t["log"]["format"].value<std::string>()) {
    if (*v != "json" && *v != "logfmt") return path + ": log.format must be json or logfmt";
    cfg.log.format = *v;
  }
  if (auto v = t["log"]["level"].value<std::string>()) {
    if (!log::parse_level(*v, cfg.log.level)) return path + ": log.level must be debug, info, warn or error";
  }
  if (auto v = t["log"]["file"].value<std::string>()) cfg.log.file = *v;
  if (auto v = t["store"]["synchronous"].value<std::string>()) {
    const char* mode = store::sqlite::synchronous_mode(*v);
    if (!mode) return path + ": store.synchronous must be OFF, NORMAL, FULL or EXTRA";
    cfg.synchronous = mode;
  }
  if (auto v = t["store"]["url"].value<std::string>()) cfg.store_url = *v;
  if (auto v = t["store"]["pool"].value<int64_t>()) {
    if (*v < 1 || *v > 256) return path + ": store.pool must be 1 to 256";
    cfg.store_pool = static_cast<int>(*v);
  }
  if (auto v = t["bus"]["url"].value<std::string>()) cfg.bus_url = *v;
  if (auto v = t["bus"]["tls_ca"].value<std::string>()) cfg.bus_tls_ca = *v;
  if (auto v = t["bus"]["tls_cert"].value<std::string>()) cfg.bus_tls_cert = *v;
  if (auto v = t["bus"]["tls_key"].value<std::string>()) cfg.bus_tls_key = *v;
  if (cfg.bus_tls_cert.empty() != cfg.bus_tls_key.empty()) {
    return path + ": bus.tls_cert and bus.tls_key go together";
  }
  if (auto* arr = t["listen"].as_array()) {
    cfg.listeners.clear();
    for (auto& node : *arr) {
      auto* l = node.as_table();
      if (!l) return path + ": [[listen]] entries must be tables";
      http::ListenerConfig lc;
      lc.address = (*l)["address"].value_or(std::string("127.0.0.1"));
      lc.port = static_cast<unsigned short>((*l)["port"].value_or(int64_t{8080}));
      std::string zone = (*l)["zone"].value_or(std::string("lgwan"));
      if (zone != "lgwan" && zone != "internet") return path + ": zone must be lgwan or internet";
      lc.zone = zone == "internet" ? http::Zone::internet : http::Zone::lgwan;
      cfg.listeners.push_back(lc);
    }
  }
  if (auto v = t["limits"]["max_body_bytes"].value<int64_t>()) cfg.server.max_body_bytes = *v;
  if (auto v = t["limits"]["max_message_chars"].value<int64_t>()) cfg.limits.max_message_chars = *v;
  if (auto v = t["limits"]["ws_queue_frames"].value<int64_t>()) cfg.server.ws.max_queue_frames = *v;
  if (auto v = t["limits"]["ws_queue_bytes"].value<int64_t>()) cfg.server.ws.max_queue_bytes = *v;
  if (auto v = t["limits"]["ws_idle_timeout_seconds"].value<int64_t>()) {
    if (*v < 1 || *v > 3600) return path + ": limits.ws_idle_timeout_seconds must be 1..3600";
    cfg.server.ws.idle_timeout_seconds = static_cast<int>(*v);
  }
  if (auto v = t["limits"]["read_flush_ms"].value<int64_t>()) cfg.limits.read_flush_period_ms = *v;
  // Bounds (docs/operations.md, "Limits"). Counts must be >= 0 (0: no limit where the
  // table says so); rates may be fractions.
  auto count = [&](const char* key, std::int64_t lo, std::int64_t hi, auto& out) -> std::string {
    auto node = t["limits"][key];
    if (!node) return {};
    auto v = node.value<int64_t>();
    if (!v || *v < lo || *v > hi) {
      return path + ": limits." + key + " must be an integer from " + std::to_string(lo) +
             " to " + std::to_string(hi);
    }
    out = static_cast<std::remove_reference_t<decltype(out)>>(*v);
    return {};
  };
  auto rate = [&](const char* key, double& out) -> std::string {
    auto node = t["limits"][key];
    if (!node) return {};
    auto v = node.value<double>();
    if (!v || *v < 0) return path + ": limits." + key + " must be a number >= 0";
    out = *v;
    return {};
  };
  for (const std::string& err : {
           count("max_connections", 0, 10'000'000, cfg.server.max_connections),
           count("max_connections_per_address", 0, 10'000'000, cfg.server.max_connections_per_address),
           count("ws_per_user", 0, 100'000, cfg.user_limits.ws_per_user),
           count("max_room_members", 0, 10'000'000, cfg.limits.max_room_members),
           count("members_per_batch", 1, 100'000, cfg.limits.members_per_batch),
           rate("message_burst", cfg.user_limits.message_burst),
           rate("messages_per_second", cfg.user_limits.messages_per_second),
           rate("write_burst", cfg.user_limits.write_burst),
           rate("writes_per_second", cfg.user_limits.writes_per_second),
           rate("search_burst", cfg.user_limits.search_burst),
           rate("searches_per_second", cfg.user_limits.searches_per_second)}) {
    if (!err.empty()) return err;
  }
  // A bucket that holds less than one token would refuse everything, or (as the limiter
  // reads it) nothing: either way not what was meant.
  if (cfg.user_limits.messages_per_second > 0 && cfg.user_limits.message_burst < 1) {
    return path + ": limits.message_burst must be at least 1 while messages_per_second is set";
  }
  if (cfg.user_limits.writes_per_second > 0 && cfg.user_limits.write_burst < 1) {
    return path + ": limits.write_burst must be at least 1 while writes_per_second is set";
  }
  if (cfg.user_limits.searches_per_second > 0 && cfg.user_limits.search_burst < 1) {
    return path + ": limits.search_burst must be at least 1 while searches_per_second is set";
  }
  if (auto node = t["search"]["index"]) {
    auto v = node.value<bool>();
    if (!v) return path + ": search.index must be true or false";
    cfg.search_index = *v;
  }
  if (auto v = t["security"]["session_ttl_days"].value<int64_t>()) {
    cfg.limits.session_ttl_ms = *v * 24 * 3600 * 1000;
  }
  // `cookie_secure` is the older name of `public_https`.
  if (auto v = t["security"]["cookie_secure"].value<bool>()) cfg.server.edge.public_https = *v;
  if (auto v = t["security"]["public_https"].value<bool>()) cfg.server.edge.public_https = *v;
  if (auto v = t["security"]["forwarded_header"].value<std::string>()) {
    std::string h = *v;
    for (char& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (h == "x-forwarded-for") {
      cfg.server.edge.forwarded_header = http::ForwardedHeader::x_forwarded_for;
    } else if (h == "forwarded") {
      cfg.server.edge.forwarded_header = http::ForwardedHeader::forwarded;
    } else {
      return path + ": security.forwarded_header must be X-Forwarded-For or Forwarded";
    }
  }
  if (auto* node = t["security"]["trusted_proxies"].node()) {
    auto* arr = node->as_array();
    std::vector<std::string> cidrs;
    for (std::size_t i = 0; arr && i < arr->size(); ++i) {
      if (auto s = (*arr)[i].value<std::string>()) cidrs.push_back(*s);
      else arr = nullptr;
    }
    if (!arr) return path + ": security.trusted_proxies must be a list of strings";
    auto proxies = http::TrustedProxies::parse(cidrs);
    if (!proxies.ok()) return path + ": security." + proxies.status().message();
    cfg.server.edge.trusted_proxies = std::move(*proxies);
  }
  if (auto* arr = t["security"]["allowed_origins"].as_array()) {
    for (auto& node : *arr) {
      if (auto s = node.value<std::string>()) cfg.api.allowed_origins.push_back(*s);
    }
  }
  if (auto v = t["security"]["argon2_opslimit"].value<int64_t>()) cfg.limits.pwhash_opslimit = *v;
  if (auto v = t["security"]["argon2_memlimit"].value<int64_t>()) cfg.limits.pwhash_memlimit = *v;
  if (std::string err = load_login(t, cfg.limits.login); !err.empty()) return path + ": " + err;
  if (std::string err = load_files(t, cfg.files); !err.empty()) return path + ": " + err;
  return {};
}

}  // namespace tonari::app
