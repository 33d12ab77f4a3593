#include "app/node.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "core/thread_name.h"
#include "services/crypto.h"

namespace tonari::app {

bool is_postgres_url(const std::string& url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

std::string load_device_key(const std::string& data_dir) {
  std::filesystem::create_directories(data_dir);
  const std::filesystem::path path = std::filesystem::path(data_dir) / "device.key";
  if (int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600); fd >= 0) {
    const std::string key = services::random_token();
    const bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
                    ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot write " + path.string());
  }
  std::ifstream in(path, std::ios::binary);
  std::string key((std::istreambuf_iterator<char>(in)), {});
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (key.size() < 32) {
    throw std::runtime_error(path.string() + ": the known-device key must hold at least 32 bytes");
  }
  return key;
}

Node::Node(const Config& cfg) : blocking(std::max(cfg.limits.login.verifiers, 1)) {
  auto lock = DataDirLock::acquire(cfg.data_dir, false);
  if (!lock.ok()) throw std::runtime_error(lock.status().message());
  data_lock.emplace(std::move(*lock));
  if (is_postgres_url(cfg.store_url)) {
    // The cluster's record; the data directory stays this node's own (its lock above).
    store = std::make_unique<store::postgres::PgStore>(
        store::postgres::Options{.conninfo = cfg.store_url, .pool_size = cfg.store_pool});
  } else if (!cfg.store_url.empty()) {
    throw std::runtime_error("store " + cfg.store_url +
                             ": expected sqlite:DIR or postgres://... (postgresql://...)");
  } else {
    auto sqlite_store = std::make_unique<store::sqlite::SqliteStore>(store::sqlite::Options{
        (std::filesystem::path(cfg.data_dir) / kDatabaseFile).string(), cfg.synchronous, 1024});
    sqlite = sqlite_store.get();
    store = std::move(sqlite_store);
  }
  bus.subscribe([this](const bus::Event& e) { hub.on_event(e); });
  ctx = std::make_unique<services::Context>(services::Context{
      *store, bus, clock,
      [this](std::function<void()> work) { boost::asio::post(blocking, std::move(work)); },
      cfg.limits});
  user_limits = std::make_unique<services::UserLimits>(cfg.user_limits);
  accounts = std::make_unique<services::Accounts>(*ctx);
  receipts = std::make_unique<services::ReadReceipts>(*ctx);
  rooms = std::make_unique<services::Rooms>(*ctx);
  messages = std::make_unique<services::Messages>(*ctx, *receipts);
  boost::asio::post(housekeeping, [] { name_this_thread("tonari-hk"); });
}

Node::~Node() {
  shutdown();
  store.reset();
}

void Node::shutdown() {
  blocking.join();
  housekeeping.join();
  store->shutdown();
}

}  // namespace tonari::app
