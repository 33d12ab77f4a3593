#include "store/test_postgres.h"

#include <gtest/gtest.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <exception>
#include <string_view>
#include <system_error>
#include <thread>

#include "store/postgres/pg_store.h"

extern char** environ;

namespace tonari::testing {
namespace {

constexpr const char* kPgCtl = "/usr/lib/postgresql/15/bin/pg_ctl";
constexpr const char* kTemplate = "tonari_template";

std::string script_path() { return std::string(TONARI_SOURCE_DIR) + "/scripts/test-pg.sh"; }

// `text` in single quotes, for sh.
std::string shell_quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

// Starts a process, in a session of its own and no longer our child once it runs, that
// waits for this process to end and then stops the server in `dir` the hard way and
// removes the directory, unless stop() did so already. A crash, an abort, a kill -9 or
// ctest's timeout then leaves no server behind.
void start_watchdog(const std::filesystem::path& dir) {
  const std::string d = shell_quoted(dir.string());
  const std::string watch = "while kill -0 " + std::to_string(getpid()) +
                            " 2>/dev/null; do sleep 1; done; if [ -d " + d + " ]; then " +
                            shell_quoted(script_path()) + " kill " + d + "; rm -rf " + d + "; fi";
  std::string launch = "(" + watch + ") </dev/null >/dev/null 2>&1 &";
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  char sh[] = "sh";
  char dash_c[] = "-c";
  char* argv[] = {sh, dash_c, launch.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, "/bin/sh", nullptr, &attr, argv, environ) == 0) {
    int status = 0;
    waitpid(pid, &status, 0);
  } else {
    ADD_FAILURE() << "could not start the watchdog of the test PostgreSQL in " << dir;
  }
  posix_spawnattr_destroy(&attr);
}

// Whether the tests selected to run include one that needs PostgreSQL (by its name).
bool postgres_tests_selected() {
  const auto& unit = *::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit.total_test_suite_count(); ++i) {
    const ::testing::TestSuite& suite = *unit.GetTestSuite(i);
    for (int j = 0; j < suite.total_test_count(); ++j) {
      const ::testing::TestInfo& test = *suite.GetTestInfo(j);
      const std::string name = std::string(suite.name()) + "." + test.name();
      if (test.should_run() && name.find("Postgres") != std::string::npos) return true;
    }
  }
  return false;
}

class PostgresEnvironment final : public ::testing::Environment {
 public:
  // A failure to start is reported by each test that needs the server, not here: the
  // other tests run all the same.
  void SetUp() override {
    if (postgres_tests_selected()) (void)TestPostgres::instance().start();
  }
  void TearDown() override { TestPostgres::instance().stop(); }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new PostgresEnvironment);

}  // namespace

TestPostgres& TestPostgres::instance() {
  static TestPostgres postgres;
  return postgres;
}

Status TestPostgres::start() {
  if (tried_) return failure_;
  tried_ = true;
  failure_ = start_server();
  if (failure_.is_ok()) failure_ = make_template();
  return failure_;
}

Status TestPostgres::start_server() {
  if (access(kPgCtl, X_OK) != 0) {
    return {Code::unavailable, std::string("PostgreSQL 15 is not installed (no ") + kPgCtl +
                                   "): run scripts/install-deps.sh test"};
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "tonari-pg-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    return internal_error("mkdtemp failed for the test PostgreSQL");
  }
  dir_ = tmpl;
  start_watchdog(dir_);

  const std::string command = shell_quoted(script_path()) + " start " + shell_quoted(dir_.string());
  FILE* out = popen(command.c_str(), "r");
  if (out == nullptr) return internal_error("could not run " + command);
  std::string printed;
  char buffer[256];
  while (fgets(buffer, sizeof buffer, out) != nullptr) printed += buffer;
  const int status = pclose(out);
  while (!printed.empty() && (printed.back() == '\n' || printed.back() == '\r')) printed.pop_back();
  const auto slash = printed.rfind('/');
  if (status != 0 || printed.rfind("postgres://", 0) != 0 || slash == std::string::npos) {
    return {Code::unavailable, "the test PostgreSQL did not start (" + command +
                                   " exited with " + std::to_string(status) +
                                   ", printed \"" + printed + "\"; its log is in " +
                                   dir_.string() + "/pg/server.log)"};
  }
  base_uri_ = printed.substr(0, slash + 1);
  running_ = true;

  admin_ = PQconnectdb(uri("postgres").c_str());
  dropper_ = PQconnectdb(uri("postgres").c_str());
  for (PGconn* conn : {admin_, dropper_}) {
    if (PQstatus(conn) != CONNECTION_OK) {
      return {Code::unavailable, "cannot connect to the test PostgreSQL at " + uri("postgres") +
                                     ": " + PQerrorMessage(conn)};
    }
  }
  return Status::ok();
}

Status TestPostgres::make_template() {
  TONARI_RETURN_IF_ERROR(exec(std::string("CREATE DATABASE ") + kTemplate));
  try {
    store::postgres::migrate(uri(kTemplate));
  } catch (const std::exception& e) {
    return internal_error(std::string("migrating the template database failed: ") + e.what());
  }
  // Nobody connects to it from now on: a copy needs a template without connections.
  return exec(std::string("ALTER DATABASE ") + kTemplate +
              " WITH ALLOW_CONNECTIONS false IS_TEMPLATE true");
}

void TestPostgres::stop() {
  finish_drop();
  for (PGconn** conn : {&admin_, &dropper_}) {
    if (*conn != nullptr) PQfinish(*conn);
    *conn = nullptr;
  }
  if (running_) {
    const std::string script = shell_quoted(script_path());
    const std::string dir = shell_quoted(dir_.string());
    if (std::system((script + " stop " + dir).c_str()) != 0) {
      std::fprintf(stderr, "test PostgreSQL: %s stop %s failed; stopping it the hard way\n",
                   script.c_str(), dir.c_str());
      (void)std::system((script + " kill " + dir).c_str());
    }
    running_ = false;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
  base_uri_.clear();
  tried_ = false;
  failure_ = Status::ok();
}

Result<std::string> TestPostgres::create_database() {
  TONARI_RETURN_IF_ERROR(start());
  const std::string name = "t_" + std::to_string(++databases_);
  TONARI_RETURN_IF_ERROR(exec("CREATE DATABASE " + name + " TEMPLATE " + kTemplate));
  return name;
}

Status TestPostgres::drop_database(const std::string& name) {
  // A server process notices that its client closed the connection within moments.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  Result<std::int64_t> left = connections_to(name);
  while (left.ok() && *left > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    left = connections_to(name);
  }
  finish_drop();
  if (!left.ok() || *left > 0) {
    (void)exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    if (!left.ok()) return left.status();
    return internal_error("database " + name + " still had " + std::to_string(*left) +
                          " connections 5 seconds after its stores were closed");
  }
  if (PQsendQuery(dropper_, ("DROP DATABASE " + name).c_str()) == 0) {
    return internal_error("DROP DATABASE " + name + ": " + PQerrorMessage(dropper_));
  }
  dropping_ = name;
  return Status::ok();
}

void TestPostgres::finish_drop() {
  if (dropping_.empty()) return;
  while (PGresult* result = PQgetResult(dropper_)) {
    if (PQresultStatus(result) != PGRES_COMMAND_OK) {
      ADD_FAILURE() << "dropping database " << dropping_ << " (of an earlier test) failed: "
                    << PQresultErrorMessage(result);
    }
    PQclear(result);
  }
  dropping_.clear();
}

Result<std::int64_t> TestPostgres::connections_to(const std::string& name) {
  if (admin_ == nullptr) return Status(Code::unavailable, "the test PostgreSQL is not running");
  const std::string sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + name + "'";
  PGresult* result = PQexec(admin_, sql.c_str());
  Result<std::int64_t> out = Status(internal_error(sql + ": " + PQresultErrorMessage(result)));
  if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1) {
    out = std::stoll(PQgetvalue(result, 0, 0));
  }
  PQclear(result);
  return out;
}

std::string TestPostgres::uri(const std::string& name) const { return base_uri_ + name; }

Status TestPostgres::exec(const std::string& sql) {
  if (admin_ == nullptr) return {Code::unavailable, "the test PostgreSQL is not running"};
  PGresult* result = PQexec(admin_, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  Status out;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    out = internal_error(sql + ": " + PQresultErrorMessage(result));
  }
  PQclear(result);
  return out;
}

}  // namespace tonari::testing
