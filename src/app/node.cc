#include "app/node.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "bus/nats_bus.h"
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
    auto pg_store = std::make_unique<store::postgres::PgStore>(
        store::postgres::Options{.conninfo = cfg.store_url,
                                 .pool_size = cfg.store_pool,
                                 .search_index = cfg.search_index});
    postgres = pg_store.get();
    store = std::move(pg_store);
  } else if (!cfg.store_url.empty()) {
    throw std::runtime_error("store " + cfg.store_url +
                             ": expected sqlite:DIR or postgres://... (postgresql://...)");
  } else {
    auto sqlite_store = std::make_unique<store::sqlite::SqliteStore>(store::sqlite::Options{
        .path = (std::filesystem::path(cfg.data_dir) / kDatabaseFile).string(),
        .synchronous = cfg.synchronous,
        .max_batch = 1024,
        .search_index = cfg.search_index});
    sqlite = sqlite_store.get();
    store = std::move(sqlite_store);
  }
  {
    auto id = services::wait_for<std::int64_t>(
        [&](auto cb) { store->claim_node_id(clock.now_ms(), std::move(cb)); });
    if (!id.ok()) throw std::runtime_error("claiming a node id: " + id.status().message());
    node_id = *id;
  }
  if (cfg.bus_url.empty()) {
    bus = std::make_unique<bus::InProcessBus>();
  } else {
    // A NATS server that does not answer yet is no reason to refuse: nodes and NATS start
    // in any order under systemd, this node serves its own clients meanwhile, and the bus
    // fills what it missed from the store once connected. A URL the client refuses is.
    bus::NatsOptions options{.url = cfg.bus_url, .node_id = node_id};
    options.tls_ca = cfg.bus_tls_ca;
    options.tls_cert = cfg.bus_tls_cert;
    options.tls_key = cfg.bus_tls_key;
    auto nats = bus::NatsBus::open(*store, std::move(options));
    if (!nats.ok()) throw std::runtime_error(nats.status().message());
    bus = std::move(*nats);
  }
  hub.set_bus(bus.get());
  // Events the bus lost that the store does not give back (membership changes of rooms
  // not followed here, logouts): every connection checks its session and its rooms.
  bus->on_lost([this] {
    boost::asio::post(housekeeping, [this] {
      for (const auto& c : hub.connections()) {
        c->recheck_session();
        c->recheck_rooms();
      }
    });
  });
  bus->subscribe([this](const bus::Event& e) { hub.on_event(e); });
  services::Limits limits = cfg.limits;
  if (!cfg.bus_url.empty()) {
    // The login throttle's counts are shared over the bus: every node hashes with this key.
    auto key = services::wait_for<std::string>([&](auto cb) {
      store->ensure_secret("login_throttle_key", services::random_token(), std::move(cb));
    });
    if (!key.ok()) throw std::runtime_error("the login throttle's key: " + key.status().message());
    limits.login.throttle_key = std::move(*key);
    // Known-device tokens too: one made on any node is good on every other.
    auto device_key = services::wait_for<std::string>([&](auto cb) {
      store->ensure_secret("device_key", services::random_token(), std::move(cb));
    });
    if (!device_key.ok()) {
      throw std::runtime_error("the known-device key: " + device_key.status().message());
    }
    limits.login.device_key = std::move(*device_key);
  }
  ctx = std::make_unique<services::Context>(services::Context{
      *store, *bus, clock,
      [this](std::function<void()> work) { boost::asio::post(blocking, std::move(work)); },
      std::move(limits)});
  user_limits = std::make_unique<services::UserLimits>(cfg.user_limits);
  if (!cfg.bus_url.empty()) {
    // The per-user rates are the cluster's: what users took here goes out every 100 ms
    // (serve's ticker), what they took elsewhere is charged here.
    user_limits->share();
    bus->on_notice(kLimitsTopic, [this](std::string_view notice) {
      user_limits->apply_notice(notice, clock.now_ms());
    });
  }
  accounts = std::make_unique<services::Accounts>(*ctx);
  receipts = std::make_unique<services::ReadReceipts>(*ctx);
  rooms = std::make_unique<services::Rooms>(*ctx);
  messages = std::make_unique<services::Messages>(*ctx, *receipts);
  reactions = std::make_unique<services::Reactions>(*ctx);
  tallies = std::make_unique<services::ActionTallies>(*ctx);
  actions = std::make_unique<services::Actions>(*ctx, *tallies);
  acks = std::make_unique<services::Acks>(*ctx, *tallies);
  notes = std::make_unique<services::Notes>(*ctx);
  pins = std::make_unique<services::Pins>(*ctx);
  search = std::make_unique<services::Search>(*ctx, cfg.search_index);
  safety_tallies = std::make_unique<services::SafetyTallies>(*ctx);
  safety = std::make_unique<services::Safety>(*ctx, *safety_tallies);
  {
    files::FilesConfig fc = cfg.files;
    if (fc.dir.empty()) fc.dir = (std::filesystem::path(cfg.data_dir) / "files").string();
    blobs = std::make_unique<files::BlobStore>(fc.dir);
    uploads = std::make_unique<files::Uploads>(*blobs);
    files = std::make_unique<services::Files>(
        *ctx, *blobs, *uploads, fc,
        [this](std::function<void()> work) { boost::asio::post(file_io, std::move(work)); });
    for (int i = 0; i < 2; ++i) boost::asio::post(file_io, [] { name_this_thread("tonari-files"); });
    // Sanitizing jobs: started by `serve` (FileJobs::start), woken by each new file. A
    // single process frees every lease when it starts; a cluster's nodes let them expire.
    file_jobs = std::make_unique<services::FileJobs>(
        *ctx, *blobs, services::FileJobs::Options{fc, node_id, cfg.bus_url.empty()});
    files->set_created_hook([this](const FileInfo&) { file_jobs->notify(); });
  }
  boost::asio::post(housekeeping, [] { name_this_thread("tonari-hk"); });
}

Node::~Node() {
  shutdown();
  store.reset();
}

void Node::shutdown() {
  // Running workers are killed, their jobs left to the next start (the lease).
  if (file_jobs) file_jobs->stop();
  blocking.join();
  housekeeping.join();
  file_io.join();
  store->shutdown();
  bus->shutdown();
}

Status follow_org(Node& node, const User& user, std::optional<DeptId> old_dept) {
  auto r = services::wait_for<bool>([&](auto cb) {
    node.rooms->sync_user(user, old_dept, [cb = std::move(cb)](Status st) mutable {
      if (!st.is_ok()) return cb(st);
      cb(true);
    });
  });
  return r.status();
}

Status sync_rooms(Node& node, TenantId tenant) {
  auto r = services::wait_for<bool>([&](auto cb) {
    node.rooms->sync_tenant(tenant, [cb = std::move(cb)](Status st) mutable {
      if (!st.is_ok()) return cb(st);
      cb(true);
    });
  });
  return r.status();
}

}  // namespace tonari::app
