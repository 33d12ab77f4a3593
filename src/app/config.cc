#include "app/config.h"

#include <toml++/toml.h>

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
  if (auto v = t["store"]["synchronous"].value<std::string>()) cfg.synchronous = *v;
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
  if (auto v = t["limits"]["login_failures_per_window"].value<int64_t>()) {
    cfg.limits.login_failures_per_window = static_cast<int>(*v);
  }
  if (auto v = t["limits"]["read_flush_ms"].value<int64_t>()) cfg.limits.read_flush_period_ms = *v;
  if (auto v = t["security"]["session_ttl_days"].value<int64_t>()) {
    cfg.limits.session_ttl_ms = *v * 24 * 3600 * 1000;
  }
  // `cookie_secure` is the older name of `public_https`.
  if (auto v = t["security"]["cookie_secure"].value<bool>()) cfg.server.edge.public_https = *v;
  if (auto v = t["security"]["public_https"].value<bool>()) cfg.server.edge.public_https = *v;
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
  return {};
}

}  // namespace tonari::app
