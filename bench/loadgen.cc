// tonari-loadgen: starts a fresh tonari per workload on loopback, drives it through the
// public REST + WebSocket API, and prints one JSON line per workload and a table.
//   tonari-loadgen --tonari build/tonari --config bench/bench.toml [--only 1,2,3] [--scale 0.1]
//                  [--repeat N]   (each workload N times, a fresh server each; the table shows medians)
// (--only 6 runs ingest alone; 7 needs 6 to fill the store and runs both; 8 is the loopback
// floor: ingest's load against a server that only answers, floor.cc; 9 is a login burst;
// 10 and 11 are 1 and 2 on a cluster of 2 nodes on PostgreSQL + NATS, 12 is ingest (6) into
// one node on PostgreSQL: scripts/test-pg.sh and test-nats.sh start those, --scripts DIR;
// 13 is an action stamp answered by everyone in a 5,000-member room; 14 and 15 search a
// million messages on SQLite and on one PostgreSQL node; 16 is a 安否確認 for 20,000 staff,
// 5,000 connected.)
//   tonari-loadgen --floor-server   (that server; the loadgen starts it itself)
#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <vector>
#include <set>
#include <sstream>
#include <string_view>

#include "floor.h"
#include "stats.h"
#include "workloads.h"

namespace json = boost::json;

namespace {

void raise_fd_limit() {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
}

std::string num(const json::value& v) {
  char buf[32];
  if (v.is_double()) {
    // Small ratios (action.updated frames per member per answer, ~0.012) keep 4 digits.
    const double d = v.as_double();
    std::snprintf(buf, sizeof buf, d != 0 && std::fabs(d) < 0.1 ? "%.4f" : "%.2f", d);
  } else if (v.is_int64()) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v.as_int64()));
  } else {
    return json::serialize(v);
  }
  return buf;
}

// The figure `key` of each run that has it as a number.
std::vector<double> numbers(const std::vector<const json::object*>& runs, std::string_view key) {
  std::vector<double> v;
  for (const auto* r : runs) {
    if (auto it = r->find(key); it != r->end() && it->value().is_number()) {
      v.push_back(it->value().to_number<double>());
    }
  }
  return v;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The table's row for a result: its workload, and for all-staff its size, since the
// 5,000 and 18,000 points are two rows, not two runs of one.
std::string row_of(const json::object& r) {
  std::string w = r.contains("workload") ? std::string(r.at("workload").as_string()) : "?";
  if (w == "all_staff" && r.contains("members")) w += " " + num(r.at("members"));
  return w;
}

// The targets (docs/performance.md, "Where the targets stand"), read against the
// table's medians.
struct Target {
  const char* row;
  const char* figure;
  const char* what;
  bool at_most;  // the figure must be at most `bound`, else at least
  double bound;
  const char* unit;
};
constexpr Target kTargets[] = {
    {"department_rooms", "p99_ms", "department rooms, send -> receive p99", true, 2, "ms"},
    {"max_fanout", "deliveries_per_s", "maximum fanout, deliveries", false, 150000, "/s"},
    {"all_staff 5000", "last_receiver_p99_ms", "all-staff 5,000, last receiver p99", true, 100, "ms"},
    {"idle_and_reconnect_storm", "private_per_connection_kib", "memory per idle connection", true, 8, "KiB"},
    {"idle_and_reconnect_storm", "storm_seconds", "reconnect storm of 18,000", true, 5, "s"},
    {"ingest", "acked_per_s", "ingest, acked messages", false, 50000, "/s"},
    {"history", "p99_ms", "history p99", true, 10, "ms"},
    {"ingest_postgres", "acked_per_s", "ingest into PostgreSQL, acked messages", false, 10000, "/s"},
    {"safety", "banner_max_ms", "安否確認, banner to the last of 5,000 connected", true, 2000, "ms"},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--floor-server") return bench::run_floor_server();
  bench::Settings s;
  s.server.binary = "build/tonari";
  s.server.config = "bench/bench.toml";
  std::set<int> only;
  int repeat = 1;
  for (int i = 1; i < argc; i += 2) {
    std::string k = argv[i];
    if (i + 1 == argc || k == "--help") {
      std::cerr << "usage: tonari-loadgen [--tonari BIN] [--config TOML] [--only 1,2,...]"
                   " [--scale F] [--server-cpu N] [--loadgen-cpu N] [--ingest-cpus shared|pinned]"
                   " [--repeat N]\n";
      return k == "--help" ? 0 : 2;
    }
    std::string v = argv[i + 1];
    if (k == "--tonari") s.server.binary = v;
    else if (k == "--config") s.server.config = v;
    else if (k == "--scale") s.scale = std::stod(v);
    else if (k == "--server-cpu") s.server.cpu = std::stoi(v);
    else if (k == "--loadgen-cpu") s.loadgen_cpu = std::stoi(v);
    else if (k == "--ingest-cpus") s.ingest_shares_cores = v != "pinned";
    else if (k == "--repeat") repeat = std::max(1, std::stoi(v));
    else if (k == "--scripts") s.topology.scripts = v;
    else if (k == "--only") {
      std::stringstream ss(v);
      for (std::string n; std::getline(ss, n, ',');) only.insert(std::stoi(n));
    } else {
      std::cerr << "unknown option " << k << '\n';
      return 2;
    }
  }
  raise_fd_limit();
  bench::pin_to(s.loadgen_cpu);
  auto want = [&](int n) { return only.empty() || only.count(n); };

  std::vector<json::object> results;
  // Each result also says what share of the machine's CPU time the hypervisor gave to
  // others meanwhile (steal): this VM's speed varies, and its tails with it. And how fast
  // the CPU was around the workload (bench::machine_probe_ms: the same work's time, taken
  // before and after; a slower machine shows a larger figure). One probe ends a window and
  // starts the next. Ingest and history run in one server and share one window.
  bench::StealMeter steal;
  double probe_before = bench::machine_probe_ms();
  auto emit = [&](std::vector<json::object> window) {
    const double stolen = steal.fraction();
    const double probe_after = bench::machine_probe_ms();
    for (auto& o : window) {
      if (stolen >= 0) o["machine_steal_fraction"] = stolen;
      o["machine_probe_ms"] = (probe_before + probe_after) / 2;
      std::cout << json::serialize(o) << std::endl;
      results.push_back(std::move(o));
    }
    steal = bench::StealMeter();
    probe_before = probe_after;
  };
  try {
    for (int run = 0; run < repeat; ++run) {
      if (want(1)) emit({bench::department_rooms(s)});
      if (want(2)) emit({bench::max_fanout(s)});
      if (want(3)) {
        emit({bench::all_staff(s, 5000)});
        emit({bench::all_staff(s, 18000)});
      }
      if (want(4) || want(5)) emit({bench::idle_and_storm(s)});
      if (want(6) || want(7)) {
        s.history = want(7);
        auto both = bench::ingest_and_history(s);
        std::vector<json::object> window;
        if (both.contains("ingest")) {
          window.push_back(both["ingest"].as_object());
          if (both.contains("history")) window.push_back(both["history"].as_object());
        } else {
          window.push_back(std::move(both));
        }
        emit(std::move(window));
      }
      if (want(8)) emit({bench::loopback_floor(s)});
      if (want(9)) emit({bench::login_burst(s)});
      if (want(13)) emit({bench::action_stamp(s)});
      if (want(14)) emit({bench::search(s)});
      if (want(16)) emit({bench::safety(s)});
      if (want(10) || want(11) || want(12) || want(15)) {
        bench::Settings c = s;
        c.topology.nodes = 2;
        if (want(10)) emit({bench::department_rooms(c)});
        if (want(11)) emit({bench::max_fanout(c)});
        if (want(12)) {
          c.topology.nodes = 1;
          c.topology.bus = false;
          c.history = false;
          json::object r = bench::ingest_and_history(c);
          emit({r.contains("ingest") ? r["ingest"].as_object() : r});
        }
        if (want(15)) {
          c.topology.nodes = 1;
          c.topology.bus = false;
          emit({bench::search(c)});
        }
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "tonari-loadgen: " << e.what() << '\n';
    return 1;
  }

  // The table: each workload once, with the median of each figure over its runs (this
  // VM's speed drifts between runs, so with --repeat the median is the figure to quote; each
  // run's own line is above).
  std::cout << "\n";
  std::vector<std::string> order;
  std::map<std::string, std::vector<const json::object*>> runs;
  for (auto& r : results) {
    const std::string w = row_of(r);
    if (!runs.contains(w)) order.push_back(w);
    runs[w].push_back(&r);
  }
  for (const auto& w : order) {
    const auto& rs = runs[w];
    std::cout << w;
    if (rs.size() > 1) std::cout << " (median of " << rs.size() << " runs)";
    std::cout << "\n";
    for (auto& kv : *rs.front()) {
      if (kv.key() == "workload") continue;
      const std::vector<double> v = numbers(rs, kv.key());
      json::value shown = kv.value();
      if (rs.size() > 1 && v.size() == rs.size() && kv.value().is_number()) {
        const double m = median(v);
        shown = kv.value().is_int64() ? json::value(std::llround(m)) : json::value(m);
      }
      std::printf("  %-36s %s\n", std::string(kv.key()).c_str(), num(shown).c_str());
    }
  }
  // Ingest read against the floor of the same run: the VM's speed drifts from day to day,
  // the share of the floor much less (docs/performance.md, the loopback floor).
  if (runs.contains("ingest") && runs.contains("loopback_floor")) {
    const double floor = median(numbers(runs["loopback_floor"], "acked_per_s"));
    if (floor > 0) {
      std::printf("\ningest / loopback floor                %.1f %%\n",
                  100.0 * median(numbers(runs["ingest"], "acked_per_s")) / floor);
    }
  }
  // The cluster against one SQLite node of the same run (the goal: per node, at
  // least half of what one SQLite node delivers).
  auto ratio = [&](const char* what, const char* cluster_row, const char* cluster_figure,
                   const char* single_row, const char* single_figure) {
    if (!runs.contains(cluster_row) || !runs.contains(single_row)) return;
    const double single = median(numbers(runs[single_row], single_figure));
    if (single > 0) {
      std::printf("%-38s %.2f\n", what, median(numbers(runs[cluster_row], cluster_figure)) / single);
    }
  };
  std::printf("\n");
  ratio("cluster fanout per node / SQLite node", "cluster_max_fanout", "deliveries_per_s_per_node",
        "max_fanout", "deliveries_per_s");
  ratio("cluster department p99 / SQLite node", "cluster_department_rooms", "p99_ms",
        "department_rooms", "p99_ms");
  ratio("ingest PostgreSQL / SQLite", "ingest_postgres", "acked_per_s", "ingest", "acked_per_s");
  // Each target this run measured, against its median. Read them with each workload's
  // machine_steal_fraction and machine_probe_ms: on a slow VM every timed figure is worse.
  bool header = false;
  for (const Target& t : kTargets) {
    if (!runs.contains(t.row)) continue;
    const std::vector<double> v = numbers(runs[t.row], t.figure);
    if (v.empty()) continue;
    if (!header) {
      std::printf("\ntargets (medians above)\n");
      header = true;
    }
    const double m = median(v);
    const bool met = t.at_most ? m <= t.bound : m >= t.bound;
    std::printf("  %-40s %12.2f %-4s %s %-9g %s\n", t.what, m, t.unit, t.at_most ? "<=" : ">=",
                t.bound, met ? "met" : "missed");
  }
  if (header) {
    // How fast the machine was: every timed figure above moves with it.
    std::vector<const json::object*> all;
    for (const auto& r : results) all.push_back(&r);
    const std::vector<double> steal = numbers(all, "machine_steal_fraction");
    std::printf("  (machine: probe median %.0f ms, larger is slower; steal up to %.1f %%)\n",
                median(numbers(all, "machine_probe_ms")),
                steal.empty() ? 0.0 : 100.0 * *std::max_element(steal.begin(), steal.end()));
  }
  return 0;
}
