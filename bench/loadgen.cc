// tonari-loadgen: starts a fresh tonari per workload on loopback, drives it through the
// public REST + WebSocket API, and prints one JSON line per workload and a table.
//   tonari-loadgen --tonari build/tonari --config bench/bench.toml [--only 1,2,3] [--scale 0.1]
// (--only 6 runs ingest alone; 7 needs 6 to fill the store and runs both.)
#include <sched.h>
#include <sys/resource.h>

#include <boost/json.hpp>
#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>

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
  if (v.is_double()) std::snprintf(buf, sizeof buf, "%.2f", v.as_double());
  else if (v.is_int64()) std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v.as_int64()));
  else return json::serialize(v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Settings s;
  s.server.binary = "build/tonari";
  s.server.config = "bench/bench.toml";
  std::set<int> only;
  for (int i = 1; i < argc; i += 2) {
    std::string k = argv[i];
    if (i + 1 == argc || k == "--help") {
      std::cerr << "usage: tonari-loadgen [--tonari BIN] [--config TOML] [--only 1,2,...]"
                   " [--scale F] [--server-cpu N] [--loadgen-cpu N] [--ingest-cpus shared|pinned]\n";
      return k == "--help" ? 0 : 2;
    }
    std::string v = argv[i + 1];
    if (k == "--tonari") s.server.binary = v;
    else if (k == "--config") s.server.config = v;
    else if (k == "--scale") s.scale = std::stod(v);
    else if (k == "--server-cpu") s.server.cpu = std::stoi(v);
    else if (k == "--loadgen-cpu") s.loadgen_cpu = std::stoi(v);
    else if (k == "--ingest-cpus") s.ingest_shares_cores = v != "pinned";
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
  // others meanwhile (steal): this VM's speed varies, and its tails with it.
  bench::StealMeter steal;
  auto emit = [&](json::object o) {
    if (const double f = steal.fraction(); f >= 0) o["machine_steal_fraction"] = f;
    steal = bench::StealMeter();
    std::cout << json::serialize(o) << std::endl;
    results.push_back(std::move(o));
  };
  try {
    if (want(1)) emit(bench::department_rooms(s));
    if (want(2)) emit(bench::max_fanout(s));
    if (want(3)) {
      emit(bench::all_staff(s, 5000));
      emit(bench::all_staff(s, 18000));
    }
    if (want(4) || want(5)) emit(bench::idle_and_storm(s));
    if (want(6) || want(7)) {
      s.history = want(7);
      auto both = bench::ingest_and_history(s);
      if (both.contains("ingest")) {
        emit(both["ingest"].as_object());
        if (both.contains("history")) emit(both["history"].as_object());
      } else {
        emit(both);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "tonari-loadgen: " << e.what() << '\n';
    return 1;
  }

  std::cout << "\n";
  for (auto& r : results) {
    std::cout << (r.contains("workload") ? std::string(r["workload"].as_string()) : "?") << "\n";
    for (auto& kv : r) {
      if (kv.key() == "workload") continue;
      std::printf("  %-36s %s\n", std::string(kv.key()).c_str(), num(kv.value()).c_str());
    }
  }
  return 0;
}
