#include "app/node.h"

#include <boost/asio/post.hpp>
#include <filesystem>
#include <stdexcept>

#include "core/thread_name.h"

namespace tonari::app {

Node::Node(const Config& cfg) {
  auto lock = DataDirLock::acquire(cfg.data_dir, false);
  if (!lock.ok()) throw std::runtime_error(lock.status().message());
  data_lock.emplace(std::move(*lock));
  store = std::make_unique<store::sqlite::SqliteStore>(store::sqlite::Options{
      (std::filesystem::path(cfg.data_dir) / kDatabaseFile).string(), cfg.synchronous, 1024});
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
