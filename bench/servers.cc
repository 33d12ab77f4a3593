#include "servers.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <sqlite3.h>

namespace bench {
namespace {

// Runs a shell command; returns its first line of output. Throws if it fails.
std::string run_line(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + cmd);
  std::array<char, 512> buf{};
  std::string out;
  if (fgets(buf.data(), buf.size(), p)) out = buf.data();
  while (fgets(buf.data(), buf.size(), p)) {
  }
  if (pclose(p) != 0) throw std::runtime_error(cmd + " failed");
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// utime + stime (+ what waited-for children used, with `children`) of a process, in ticks.
long long process_ticks(pid_t pid, bool children) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), {});
  auto close_paren = s.rfind(')');
  if (close_paren == std::string::npos) return 0;
  std::istringstream rest(s.substr(close_paren + 2));
  std::string field;
  long long sum = 0;
  for (int i = 3; i <= 17 && rest >> field; ++i) {
    if (i == 14 || i == 15 || (children && (i == 16 || i == 17))) sum += std::stoll(field);
  }
  return sum;
}

std::string comm_of(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/comm");
  std::string c;
  std::getline(f, c);
  return c;
}

}  // namespace

Servers::Servers(const ServerOptions& o, const Topology& t) : scripts_(t.scripts) {
  if (t.nodes <= 0 || o.floor) {
    nodes_.push_back(std::make_unique<ServerProcess>(o));
    return;
  }
  char tmpl[] = "/tmp/tonari-bench-cluster-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  // PostgreSQL runs as the postgres user when we are root: it must reach its directory.
  chmod(dir_.c_str(), 0755);
  try {
    // They float over every core, as a database and a bus of their own would: started from
    // here they would inherit the generator's pinning to its core.
    const std::string every_core = "taskset -c 0-" + std::to_string(std::thread::hardware_concurrency() - 1) + " ";
    // PostgreSQL's buffers as a database server's would be, a share of its memory, not the
    // tests' 128 MB: this VM drops file pages from its cache within seconds of their last
    // use (DAMON's pageout), so what does not fit PostgreSQL's own buffers is read from the
    // disk again (workload 15's first search of each term took 56-186 ms with 128 MB).
    // In huge pages, as a database server's should be (test-pg.sh says why); the
    // environment's TEST_PG_HUGE_PAGES=0 measures without them.
    pg_url_ = run_line("TEST_PG_SHARED_BUFFERS=1GB TEST_PG_HUGE_PAGES=${TEST_PG_HUGE_PAGES:-1} " + every_core + scripts_ + "/test-pg.sh start " + dir_ + "/pg");
    if (t.bus) nats_url_ = run_line(every_core + scripts_ + "/test-nats.sh start " + dir_ + "/nats");
    run_line(o.binary + " admin migrate --store '" + pg_url_ + "' </dev/null");
    for (int i = 0; i < t.nodes; ++i) {
      ServerOptions n = o;
      n.store_url = pg_url_;
      n.bus_url = nats_url_;
      n.setup = i == 0;
      nodes_.push_back(std::make_unique<ServerProcess>(n));
    }
  } catch (...) {
    stop();
    throw;
  }
}

Servers::~Servers() { stop(); }

void Servers::stop() {
  nodes_.clear();
  if (dir_.empty()) return;
  if (!nats_url_.empty()) std::system((scripts_ + "/test-nats.sh stop " + dir_ + "/nats").c_str());
  if (!pg_url_.empty()) {
    std::system((scripts_ + "/test-pg.sh stop " + dir_ + "/pg >/dev/null 2>&1").c_str());
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  dir_.clear();
}

std::vector<unsigned short> Servers::ports() const {
  std::vector<unsigned short> out;
  for (const auto& n : nodes_) out.push_back(n->port());
  return out;
}

double Servers::cpu_seconds() const {
  double sum = 0;
  for (const auto& n : nodes_) sum += n->cpu_seconds();
  return sum;
}

double Servers::backend_cpu_seconds() const {
  if (dir_.empty()) return 0;
  // Every postgres process (the postmaster's own figure includes the backends that have
  // exited) and nats-server.
  long long ticks = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    const pid_t pid = std::stoi(name);
    const std::string comm = comm_of(pid);
    if (comm == "postgres") {
      ticks += process_ticks(pid, true);
    } else if (comm == "nats-server") {
      ticks += process_ticks(pid, false);
    }
  }
  return static_cast<double>(ticks) / sysconf(_SC_CLK_TCK);
}

double Servers::store_number(const std::string& sql) const {
  if (!pg_url_.empty()) {
    FILE* p = popen(("psql '" + pg_url_ + "' -At -c \"" + sql + "\" 2>/dev/null").c_str(), "r");
    if (!p) return -1;
    char buf[128] = {};
    bool got = std::fgets(buf, sizeof buf, p) != nullptr;
    pclose(p);
    return got && buf[0] ? std::atof(buf) : -1;
  }
  sqlite3* db = nullptr;
  std::string path = nodes_.front()->data_dir() + "/tonari.db";
  double v = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      v = sqlite3_column_double(st, 0);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return v;
}

long Servers::rss_bytes() const {
  long sum = 0;
  for (const auto& n : nodes_) sum += n->rss_bytes();
  return sum;
}

long Servers::anon_rss_bytes() const {
  long sum = 0;
  for (const auto& n : nodes_) sum += n->anon_rss_bytes();
  return sum;
}

void Servers::mark(const char* phase) const {
  for (const auto& n : nodes_) n->mark(phase);
}

void Servers::repin(int cpu) const {
  for (const auto& n : nodes_) n->repin(cpu);
}

}  // namespace bench
