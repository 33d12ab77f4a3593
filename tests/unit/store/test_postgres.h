// One throwaway PostgreSQL 15 for a whole test binary (scripts/test-pg.sh on 127.0.0.1),
// with the store's schema migrated once into a template database; each test that needs
// PostgreSQL gets a database of its own, copied from the template, and drops it afterwards.
//
// The server starts before the first test if the selected tests include one whose full
// name contains "Postgres" (else when a test first asks for a database), and stops, its
// directory removed, after the last test. If the binary dies first, a watchdog process
// stops the server and removes the directory once the binary is gone.
// tests/unit/CMakeLists.txt runs such tests in one process, so that there is one server.
// Thread safety: called from the test thread only.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/status.h"

namespace tonari::testing {

class TestPostgres {
 public:
  static TestPostgres& instance();

  // Starts the server and builds the template database, once. The error (saying what to
  // do about it) if that failed, now and on every later call.
  Status start();
  // Stops the server (if it runs) and removes its directory; start() may follow.
  void stop();

  // A new, empty (but migrated) database copied from the template: its name.
  Result<std::string> create_database();
  // Drops `name`: fails if the database still has connections after a few seconds (a
  // store that was closed should have none), and drops it by force then. Otherwise the drop
  // (which waits for a checkpoint) goes on in the background while the next test runs.
  Status drop_database(const std::string& name);

  // The libpq URI of database `name` on the server.
  std::string uri(const std::string& name) const;

 private:
  TestPostgres() = default;
  Status start_server();
  Status make_template();
  Status exec(const std::string& sql);
  Result<std::int64_t> connections_to(const std::string& name);
  // Waits for the drop in the background to end; reports it if it failed.
  void finish_drop();

  bool tried_ = false;
  Status failure_;
  std::filesystem::path dir_;  // the server's directory; empty: none
  bool running_ = false;       // the server in dir_ was started
  std::string base_uri_;       // postgres://tonari@127.0.0.1:PORT/
  PGconn* admin_ = nullptr;    // to database "postgres", for CREATE / DROP DATABASE
  PGconn* dropper_ = nullptr;  // the same, for the drop in the background
  std::string dropping_;       // the database it drops; empty: none
  std::int64_t databases_ = 0;
};

}  // namespace tonari::testing
