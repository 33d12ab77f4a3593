// Node: one tonari process's parts, built in dependency order — store, bus, hub, services
// — so that `serve` and the admin commands share the same wiring. src/app is the only
// place that knows every module.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <optional>

#include "app/config.h"
#include "app/data_dir.h"
#include "bus/bus.h"
#include "core/clock.h"
#include "files/blob_store.h"
#include "files/uploads.h"
#include "realtime/hub.h"
#include "services/accounts.h"
#include "services/acks.h"
#include "services/actions.h"
#include "services/file_jobs.h"
#include "services/files.h"
#include "services/messages.h"
#include "services/notes.h"
#include "services/pins.h"
#include "services/reactions.h"
#include "services/read_receipts.h"
#include "services/rooms.h"
#include "services/safety.h"
#include "services/search.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace tonari::app {

// True for a PostgreSQL store URL (postgres://... or postgresql://...).
bool is_postgres_url(const std::string& url);

// The bus notices of the per-user rates' tokens taken (services::UserLimits::take_notice).
inline constexpr const char* kLimitsTopic = "limits";

class Node {
 public:
  // Takes the data directory's shared lock (data_dir.h), then opens the store: PostgreSQL
  // when cfg.store_url names one (its schema must be migrated: `tonari admin migrate`),
  // else SQLite under cfg.data_dir (migrated as it opens); claims a node id, and sets up
  // the bus: in-process, or NATS at cfg.bus_url (whose server need not answer yet: the bus
  // keeps trying). Throws on failure (start-up only), e.g. while a restore works on the
  // directory.
  explicit Node(const Config& cfg);
  ~Node();

  // Stops the sanitizing jobs (killing running workers), finishes blocking and
  // housekeeping work, then applies every queued write (running its callbacks) and
  // stops the store's writer, then the bus's delivery. Call while everything the callbacks
  // use is still alive.
  void shutdown();

  std::optional<DataDirLock> data_lock;  // first in, last out: held while the store is open
  SystemClock clock;
  std::unique_ptr<store::Store> store;
  // The same store when it is SQLite (its writer's figures for /metrics), else null.
  store::sqlite::SqliteStore* sqlite = nullptr;
  // This process's id in the cluster (Store::claim_node_id), claimed at start-up: its
  // connections' tags are made from it, and the bus logs name the node by it.
  std::int64_t node_id = 0;
  // In-process, or NATS; the hub subscribes to it (through its sequencer, with NATS).
  std::unique_ptr<bus::Bus> bus;
  // The same store when it is PostgreSQL, else null.
  store::postgres::PgStore* postgres = nullptr;
  realtime::Hub hub;
  // Password hashing (each login's argon2id verify), on [login] verifiers threads (2 by
  // default): Accounts keeps each busy with its queue of waiting logins.
  boost::asio::thread_pool blocking;
  // The server's periodic work that must not wait behind that queue: read-receipt and
  // action-tally flushes (every 10-100 ms) and acting on revocations (a disabled account's
  // connections closed within a second). serve.cc's ticker posts them here.
  boost::asio::thread_pool housekeeping{1};
  // Per-user rates and WebSocket counts: `serve` puts them into ctx (the admin commands and
  // the demo seed act for the operator, not for a user, and are not limited).
  std::unique_ptr<services::UserLimits> user_limits;
  std::unique_ptr<services::Context> ctx;
  std::unique_ptr<services::Accounts> accounts;
  std::unique_ptr<services::ReadReceipts> receipts;
  std::unique_ptr<services::Rooms> rooms;
  std::unique_ptr<services::Messages> messages;
  // Working together: reactions, action stamps (their tallies published by the ticker),
  // notes and pins.
  std::unique_ptr<services::Reactions> reactions;
  std::unique_ptr<services::ActionTallies> tallies;
  std::unique_ptr<services::Actions> actions;
  std::unique_ptr<services::Acks> acks;  // 確認必須 (their counts published by the ticker too)
  std::unique_ptr<services::Notes> notes;
  std::unique_ptr<services::Pins> pins;
  // Full-text search (off with [search] index = false).
  std::unique_ptr<services::Search> search;
  // 安否確認 (its tallies published by the ticker, like the action stamps').
  std::unique_ptr<services::SafetyTallies> safety_tallies;
  std::unique_ptr<services::Safety> safety;
  // Files: the blob store and upload sessions in [files] dir (<data_dir>/files), and the
  // service over them, whose file I/O (chunks, hashing) runs on `file_io`'s threads.
  boost::asio::thread_pool file_io{2};
  std::unique_ptr<files::BlobStore> blobs;
  std::unique_ptr<files::Uploads> uploads;
  std::unique_ptr<services::Files> files;
  // The sanitizing jobs ([files] workers threads, each running tonari-sanitize processes).
  std::unique_ptr<services::FileJobs> file_jobs;
};

// Moves `user` in the official rooms that follow the org tree (services::Rooms::sync_user):
// a new user (`old_dept` nullopt) joins those of their department, a transferred one
// leaves those of the old. Waits for it (CLI, seeding).
Status follow_org(Node& node, const User& user, std::optional<DeptId> old_dept = std::nullopt);
// Every synced room of `tenant` gets the users it follows who are not members yet
// (services::Rooms::sync_tenant), waiting for it.
Status sync_rooms(Node& node, TenantId tenant);

// The secret of known-device tokens (services/known_devices.h), from DATA/device.key,
// made (random, mode 0600) if absent: once per data directory, so that tokens outlive a
// restart. Only `serve` calls it, so that an admin command run as another user never
// makes a file the server cannot read. Of two servers starting at once, the one that
// loses the O_EXCL race reads the other's. Throws on failure (start-up only).
std::string load_device_key(const std::string& data_dir);

}  // namespace tonari::app
