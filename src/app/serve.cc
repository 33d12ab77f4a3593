#include "app/serve.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "api/api.h"
#include "bus/nats_bus.h"
#include "app/demo_seed.h"
#include "app/heap.h"
#include "app/node.h"
#include "core/thread_name.h"
#include "http/server.h"
#include "http/static_files.h"
#include "log/log.h"
#include "services/crypto.h"

namespace tonari::app {
namespace {

namespace asio = boost::asio;

std::string default_web_root() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "web/dist";
  return (exe.parent_path().parent_path() / "web" / "dist").string();
}

std::string metrics_text(Node& node, http::Server& server, api::Deps& deps) {
  std::ostringstream o;
  auto metric = [&](const char* name, const char* type, const char* help, auto value) {
    o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n'
      << name << ' ' << value << '\n';
  };
  auto& s = server.stats();
  metric("tonari_http_requests_total", "counter", "HTTP requests handled.", s.requests.load());
  metric("tonari_http_connections", "gauge", "Open HTTP connections.", s.open_http.load());
  metric("tonari_ws_connections", "gauge", "Open WebSocket connections.", s.open_ws.load());
  metric("tonari_connections_refused_total", "counter",
         "Connections refused over max_connections or max_connections_per_address.",
         s.refused_connections.load());
  metric("tonari_ws_slow_consumer_closes_total", "counter",
         "WebSocket connections closed for not keeping up.", s.slow_consumer_closes.load());
  metric("tonari_ws_frames_received_total", "counter", "WebSocket frames received.",
         deps.metrics.ws_frames_in.load());
  metric("tonari_messages_posted_total", "counter", "Messages committed.",
         deps.metrics.messages_posted.load());
  metric("tonari_logins_ok_total", "counter", "Successful logins.", deps.metrics.logins_ok.load());
  metric("tonari_logins_failed_total", "counter", "Refused logins.",
         deps.metrics.logins_failed.load());
  {
    const services::LoginStats ls = node.accounts->login_stats();
    metric("tonari_login_throttled_total", "counter",
           "Login attempts refused by the throttle (429).", ls.throttled);
    metric("tonari_login_busy_total", "counter",
           "Login attempts refused because the verification queue was full (503).", ls.busy);
    metric("tonari_login_queue", "gauge", "Logins waiting for a password check.", ls.queued);
    metric("tonari_login_throttle_entries", "gauge", "Entries in the login throttle's table.",
           ls.throttle_entries);
    metric("tonari_login_throttle_evictions_total", "counter",
           "Throttle entries dropped because the table was full.", ls.throttle_evictions);
  }
  const store::CommitStats* commits = node.sqlite ? &node.sqlite->writer_stats()
                                      : node.postgres ? &node.postgres->commit_stats()
                                                      : nullptr;
  if (commits) {  // the store's writer(s)
    const store::CommitStats& w = *commits;
    metric("tonari_store_commits_total", "counter", "Group commits (transactions).", w.batches.load());
    metric("tonari_store_jobs_total", "counter", "Writes applied in group commits.", w.jobs.load());
    {
      // Read `batches` first: a batch counted in a bucket is then always in the count too
      // (one counted in a bucket but not yet in `batches` is capped away).
      const auto batches = w.batches.load();
      o << "# HELP tonari_store_commit_seconds Group commits by duration: BEGIN through the "
           "jobs' SQL to the end of COMMIT or ROLLBACK (fsync included).\n"
           "# TYPE tonari_store_commit_seconds histogram\n";
      std::uint64_t upto = 0;  // batches within this bucket's bound: cumulative
      for (std::size_t b = 0; b < store::kCommitBuckets; ++b) {
        upto = std::min<std::uint64_t>(upto + w.commit_in[b].load(), batches);
        o << "tonari_store_commit_seconds_bucket{le=\"" << store::kCommitBucketsMs[b] / 1000
          << "\"} " << upto << '\n';
      }
      o << "tonari_store_commit_seconds_bucket{le=\"+Inf\"} " << batches << '\n'
        << "tonari_store_commit_seconds_sum " << std::fixed << std::setprecision(6)
        << w.commit_us_total.load() / 1e6 << std::defaultfloat << '\n'
        << "tonari_store_commit_seconds_count " << batches << '\n';
    }
    metric("tonari_store_failed_commits_total", "counter", "Group commits that failed.",
           w.failed_commits.load());
  }
  if (node.sqlite) {  // SQLite's write-ahead log
    auto& w = node.sqlite->writer_stats();
    metric("tonari_store_wal_frames", "gauge", "Frames in the write-ahead log.", w.wal_frames.load());
    metric("tonari_store_wal_checkpointed_frames", "gauge",
           "Frames of the write-ahead log already copied into the database.",
           w.wal_checkpointed.load());
    metric("tonari_store_wal_catch_ups_total", "counter",
           "Checkpoints the writer ran itself so that a long write-ahead log starts over.",
           w.wal_catch_ups.load());
    metric("tonari_search_index_merging", "gauge",
           "1 while the full-text index has segments to merge once the writer is idle.",
           node.sqlite->index_merge_owed() ? 1 : 0);
  }
  if (node.sqlite || node.postgres) {
    metric("tonari_search_unindexed_documents", "gauge",
           "Search documents written but not yet in the full-text index (about); searches "
           "read them one by one meanwhile.",
           node.sqlite ? node.sqlite->unindexed_documents() : node.postgres->unindexed_documents());
  }
  metric("tonari_hub_rooms", "gauge", "Rooms with live subscribers on this node.",
         node.hub.room_count());
  {
    const bus::Stats b = node.bus->stats();
    metric("tonari_bus_published_total", "counter", "Events this node published.", b.published);
    metric("tonari_bus_publish_failures_total", "counter",
           "Events not handed to NATS (buffer full while disconnected); other nodes fill them "
           "from the store.", b.publish_failures);
    metric("tonari_bus_received_total", "counter", "Events received from other nodes.",
           b.received);
    metric("tonari_bus_dropped_duplicates_total", "counter",
           "Room events dropped because they were delivered already.", b.dropped_duplicates);
    metric("tonari_bus_gap_fills_total", "counter",
           "Gaps and lost tails in a room's events, filled from the store.", b.gap_fills);
    metric("tonari_bus_events_filled_total", "counter",
           "Room events read from the store and delivered.", b.events_filled);
    metric("tonari_bus_fill_failures_total", "counter",
           "Store reads for a fill or a check that failed (retried).", b.fill_failures);
    metric("tonari_bus_overflow_drops_total", "counter",
           "Room events dropped on a full delivery queue (filled from the store).",
           b.overflow_drops);
    metric("tonari_bus_reconnects_total", "counter", "Connections to NATS restored.",
           b.reconnects);
    metric("tonari_bus_connected", "gauge", "1 while connected to NATS (always, in-process).",
           b.connected ? 1 : 0);
  }
  {
    const services::FileJobStats& j = node.file_jobs->stats();
    metric("tonari_file_jobs_total", "counter", "Sanitizing jobs ended (the file's state recorded).",
           j.jobs.load());
    metric("tonari_file_jobs_ready_total", "counter", "Jobs that made a file ready for LGWAN users.",
           j.ready.load());
    metric("tonari_file_jobs_withheld_total", "counter",
           "Jobs that withheld a file from LGWAN users (sanitizer_failed included).", j.withheld.load());
    metric("tonari_file_jobs_blocked_total", "counter", "Jobs that blocked a file for everyone.",
           j.blocked.load());
    metric("tonari_file_jobs_failed_total", "counter",
           "Jobs whose worker crashed, hung, ran out of memory or answered nonsense (sanitizer_failed).",
           j.failed.load());
    metric("tonari_file_jobs_lost_total", "counter",
           "Jobs another node finished after this node's lease ran out.", j.lost.load());
    metric("tonari_file_jobs_running", "gauge", "Sanitizer workers running now.", j.running.load());
    metric("tonari_file_job_seconds_total", "counter", "Time of ended jobs, claim to commit.",
           j.job_ms.load() / 1000.0);
    metric("tonari_file_worker_peak_rss_bytes", "gauge",
           "The largest peak resident memory of a sanitizer worker so far.", j.peak_rss_kb.load() * 1024);
  }
  // What the process has allocated and not freed, and what the allocator holds in memory
  // beyond that (free pages and its own metadata): what a connection costs, apart from the
  // allocator's slack.
  const HeapStats heap = heap_stats();
  metric("tonari_heap_in_use_bytes", "gauge", "Heap memory allocated and in use.", heap.in_use);
  metric("tonari_heap_free_bytes", "gauge",
         "Memory the allocator holds resident beyond what is in use.", heap.free);
  return o.str();
}

// Acts on the revocations after `up_to` (accounts disabled, by `tonari admin` or on another
// node): their users' cached sessions are forgotten and their live connections here
// recheck their session, closing with 4001. `up_to` becomes the last one acted on; a failed
// read (or allocation) leaves the rest for the next call. On the housekeeping thread.
void act_on_revocations(Node& node, std::int64_t& up_to) {
  try {
    for (;;) {
      auto r = node.store->revocations_after(up_to, 1000);
      if (!r.ok() || r->empty()) return;
      for (const auto& rev : *r) {
        node.accounts->forget_user(rev.user);
        for (const auto& c : node.hub.connections_of(rev.user)) c->recheck_session();
        up_to = rev.id;
      }
    }
  } catch (const std::exception& e) {
    log::error("revocations.failed", {{"error", e.what()}, {"up_to", up_to}});
  }
}

// Housekeeping: flushes coalesced read receipts and action tallies (on the housekeeping
// thread: the counts are store reads; not on the blocking pool, where a login rush queues
// password hashes),
// expires cached session rows and acts on revocations every second, and
// purges expired sessions every hour. The flushes run every 10 ms while read receipts or
// answers flow (ReadReceipts::active, ActionTallies::active) and every 100 ms otherwise. In a cluster it also sends the
// per-user rates' tokens taken here to the other nodes, every 100 ms.
// Each room is flushed at most once per period, when it falls due: a short tick spreads the
// rooms' flushes out, where a 100 ms tick gathered a tenth of a second's rooms into one
// burst of `reads` frames that every message arriving meanwhile waited behind (bench
// workload 1: p99 5-6 ms with the 100 ms tick, about 2 ms with this one).
asio::awaitable<void> ticker(Node& node, bool clustered) {
  using std::chrono::milliseconds;
  using Tick = std::chrono::steady_clock;
  auto next_limits_notice = Tick::now();  // clustered: the rates' tokens taken here
  asio::steady_timer t(co_await asio::this_coro::executor);
  auto flushing = std::make_shared<std::atomic<bool>>(false);
  auto next_cache_expiry = Tick::now() + std::chrono::seconds(1);
  auto next_purge = Tick::now();
  auto revoking = std::make_shared<std::atomic<bool>>(false);
  auto revoked_up_to = std::make_shared<std::int64_t>(0);  // the revoking task's alone
  for (;;) {
    const bool busy = node.receipts->active() || node.tallies->active() || node.safety_tallies->active();
    t.expires_after(busy ? milliseconds(10) : milliseconds(100));
    auto [ec] = co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    if (!flushing->exchange(true)) {
      asio::post(node.housekeeping, [&node, flushing] {
        node.receipts->flush_due();
        node.tallies->flush_due();
        node.safety_tallies->flush_due();
        flushing->store(false);
      });
    }
    const auto now = Tick::now();
    if (clustered && now >= next_limits_notice) {
      next_limits_notice = now + milliseconds(100);
      if (std::string n = node.user_limits->take_notice(); !n.empty()) {
        node.bus->publish_notice(kLimitsTopic, std::move(n));
      }
    }
    if (now >= next_cache_expiry) {
      next_cache_expiry = now + std::chrono::seconds(1);
      node.accounts->expire_cache(node.clock.now_ms());
      if (!revoking->exchange(true)) {
        asio::post(node.housekeeping, [&node, revoking, revoked_up_to] {
          act_on_revocations(node, *revoked_up_to);
          revoking->store(false);
        });
      }
    }
    if (now >= next_purge) {
      next_purge = now + std::chrono::hours(1);
      node.store->purge_sessions(node.clock.now_ms(), [](Result<std::int64_t>) {});
      // Uploads left unfinished for a day, on the housekeeping thread (directory scans).
      asio::post(node.housekeeping, [&node] {
        if (int n = node.files->purge_uploads(node.clock.now_ms()); n > 0) {
          log::info("files.uploads_purged", {{"count", n}});
        }
      });
    }
  }
}

}  // namespace

int serve(const Config& cfg_in) {
  Config cfg = cfg_in;
  if (cfg.listeners.empty()) cfg.listeners.push_back(http::ListenerConfig{});
  if (cfg.web_root.empty()) cfg.web_root = default_web_root();
  if (std::string err = log::configure(cfg.log); !err.empty()) {
    std::cerr << "tonari: " << err << '\n';
    return 2;
  }
  log::info("server.start", {{"data", cfg.data_dir},
                             {"threads", cfg.threads},
                             {"synchronous", cfg.synchronous},
                             {"web_root", cfg.web_root},
                             {"demo", cfg.demo},
                             {"max_body_bytes", cfg.server.max_body_bytes},
                             {"max_connections", cfg.server.max_connections},
                             {"max_connections_per_address", cfg.server.max_connections_per_address},
                             {"trusted_proxies", cfg.server.edge.trusted_proxies.size()},
                             {"public_https", cfg.server.edge.public_https},
                             {"log_format", cfg.log.format},
                             {"log_file", cfg.log.file}});
  if (!services::init_crypto()) {
    log::error("server.failed", {{"error", "libsodium failed to initialize"}});
    std::cerr << "tonari: libsodium failed to initialize\n";
    return 1;
  }

  // Declared first so that it is destroyed last: connections held by the hub close their
  // sockets while their io_context still exists.
  asio::io_context ioc(cfg.threads);
  // The data directory's lock (data_dir.h) before anything in it is touched: a restore at
  // work holds it exclusively, and its device.key must not be made meanwhile. Held until
  // `node` (which takes its own) is gone.
  auto dir_lock = DataDirLock::acquire(cfg.data_dir, false);
  if (!dir_lock.ok()) {
    log::error("server.failed", {{"error", dir_lock.status().message()}});
    std::cerr << "tonari: " << dir_lock.status().message() << '\n';
    return 1;
  }
  try {
    cfg.limits.login.device_key = load_device_key(cfg.data_dir);
  } catch (const std::exception& e) {
    log::error("server.failed", {{"error", e.what()}});
    std::cerr << "tonari: " << e.what() << '\n';
    return 1;
  }
  Node node(cfg);
  if (cfg.demo) {
    if (std::string err = seed_demo(node); !err.empty()) {
      log::error("server.failed", {{"error", "seeding the demo municipality failed: " + err}});
      std::cerr << "tonari: seeding the demo municipality failed: " << err << '\n';
      return 1;
    }
  }

  node.ctx->user_limits = node.user_limits.get();

  http::Router router;
  api::Deps deps{*node.accounts, *node.rooms,   *node.messages,        node.hub,
                 *node.bus,      node.clock,    cfg.api,               {},
                 node.user_limits.get(),        node.node_id,          node.files.get(),
                 node.reactions.get(),          node.actions.get(),    node.notes.get(),
                 node.pins.get(),               node.search.get(),     node.safety.get(),
                 node.acks.get()};
  log::info("server.node", {{"node", node.node_id},
                            {"bus", cfg.bus_url.empty() ? "in-process" : bus::redacted_url(cfg.bus_url)}});
  api::Api api(deps);
  api.install(router);
  http::ServerLimits limits = cfg.server;
  limits.io_threads = cfg.threads;
  // An upload chunk may be larger than other bodies.
  limits.large_bodies.push_back(
      {"PUT", "/api/uploads/", static_cast<std::size_t>(node.files->chunk_bytes())});
  // A note's body (30,000 characters) has its own limit, whatever max_body_bytes is.
  for (const char* method : {"POST", "PUT"}) {
    limits.large_bodies.push_back({method, "/api/rooms/*/notes", api::kNoteBodyBytes});
  }
  http::Server server(ioc, router, api.upgrade_handler(), limits);

  router.add("GET", "/healthz", [&node](http::Request&) -> asio::awaitable<http::Response> {
    Status st = node.store->ping();
    if (!st.is_ok()) co_return http::json_error(503, "unavailable", "store does not answer");
    co_return http::Response{200, R"({"status":"ok"})", "application/json; charset=utf-8", {}};
  });
  router.add("GET", "/metrics", [&](http::Request& req) -> asio::awaitable<http::Response> {
    // Operational figures are for the internal network, not for the Internet side.
    if (req.zone == http::Zone::internet) co_return http::json_error(404, "not_found", "no such endpoint: /metrics");
    co_return http::Response{200, metrics_text(node, server, deps),
                             "text/plain; version=0.0.4; charset=utf-8", {}};
  });
  router.set_fallback(http::static_files(cfg.web_root));

  std::vector<std::string> bound;
  try {
    bound = server.start(cfg.listeners);
  } catch (const std::exception& e) {
    log::error("server.failed", {{"error", std::string("cannot listen: ") + e.what()}});
    std::cerr << "tonari: cannot listen: " << e.what() << '\n';
    return 1;
  }
  for (std::size_t i = 0; i < bound.size(); ++i) {
    log::info("server.listening", {{"address", bound[i]}, {"zone", http::zone_name(cfg.listeners[i].zone)}});
    std::cout << "tonari listening on http://" << bound[i]
              << " zone=" << http::zone_name(cfg.listeners[i].zone) << std::endl;
  }
  if (cfg.demo) {
    std::string url = "http://" + bound.front();
    if (cfg.listeners.front().address == "127.0.0.1") {
      url = "http://localhost:" + bound.front().substr(bound.front().rfind(':') + 1);
    }
    std::cout << "\n  tonari demo: さくら市 (fictional) is ready.\n"
              << "  Open " << url << " and log in with\n"
              << "    municipality code (自治体コード): " << kDemoTenantCode << "\n"
              << "    login id (ログインID):           tanaka   (also sato, suzuki, ito; yamada = IT admin)\n"
              << "    password (パスワード):           " << kDemoPassword << "\n";
    for (std::size_t i = 0; i < bound.size(); ++i) {
      if (cfg.listeners[i].zone != http::Zone::internet) continue;
      std::string net = "http://" + bound[i];
      if (cfg.listeners[i].address == "127.0.0.1") {
        net = "http://localhost:" + bound[i].substr(bound[i].rfind(':') + 1);
      }
      std::cout << "  From the Internet zone (a phone in the field): " << net
                << "\n  (files sent from there reach LGWAN users sanitized: 無害化)\n";
      break;
    }
    std::cout << std::endl;
  }

  asio::co_spawn(ioc, ticker(node, !cfg.bus_url.empty()), asio::detached);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signo) {
    log::info("server.stopping", {{"signal", signo}});
    std::cout << "tonari: shutting down" << std::endl;
    server.stop();
    ioc.stop();
  });
  log::info("server.ready");
  std::cout << "tonari ready" << std::endl;

  // The sanitizing jobs. Before the hand-off below: start() waits for the store (freeing
  // the leases of a single process), whose callbacks must not wait for I/O threads that
  // do not run yet.
  node.file_jobs->start();

  // Writes' callbacks (acks, events to the hub) run on the I/O threads, so that the
  // store's single writer thread only writes (docs/performance.md, ingest). Set after the
  // demo seeding above, which waits for its writes before the I/O threads run.
  node.store->hand_off_callbacks([&ioc](std::function<void()> work) { asio::post(ioc, std::move(work)); });

  std::vector<std::thread> threads;
  // This (main) thread keeps the process name, "tonari"; the others are tonari-io.
  for (int i = 1; i < cfg.threads; ++i) {
    threads.emplace_back([&ioc] {
      name_this_thread("tonari-io");
      ioc.run();
    });
  }
  ioc.run();
  for (auto& t : threads) t.join();
  // Queued writes are committed (and their callbacks run) while the API layer they call
  // back into still exists.
  node.shutdown();
  log::info("server.stopped");
  return 0;
}

}  // namespace tonari::app
