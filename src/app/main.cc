// The `tonari` command: `serve` runs the server; `admin ...` administers a data directory.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/admin.h"
#include "app/backup.h"
#include "app/config.h"
#include "app/serve.h"
#include "log/log.h"

using namespace tonari;

int main(int argc, char** argv) {
  CLI::App cli{"tonari — business chat for Japanese local governments"};
  cli.require_subcommand(1);
  app::Config cfg;
  std::string config_file;
  std::vector<std::string> listen, listen_internet;
  std::string data_dir;

  auto* serve = cli.add_subcommand("serve", "run the server");
  serve->add_option("--config", config_file, "TOML configuration file");
  serve->add_option("--listen", listen,
                    "address:port to listen on (repeatable; port 0 picks a free port)");
  serve->add_option("--listen-internet", listen_internet,
                    "address:port of an Internet-zone listener (repeatable)");
  serve->add_option("--data", data_dir, "data directory (default ./data)");
  serve->add_option("--web", cfg.web_root, "directory of the built web client");
  std::string store_url, bus_url;
  serve->add_option("--store", store_url,
                    "sqlite:DIR (default: the data directory) or postgres://... (a cluster's)");
  serve->add_option("--bus", bus_url, "nats://host:port[,...] (a cluster's); default: none");
  serve->add_option("--threads", cfg.threads, "I/O threads")->check(CLI::Range(1, 64));
  std::string log_level, log_format, log_file;
  serve->add_option("--log-format", log_format, "log lines as json (default) or logfmt")
      ->check(CLI::IsMember({"json", "logfmt"}));
  serve->add_option("--log-level", log_level, "debug, info (default), warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  serve->add_option("--log-file", log_file, "also append log lines to this file");
  serve->add_flag("--demo", cfg.demo,
                  "seed the demo municipality さくら市 if absent (known password: never in production)");

  auto* admin = cli.add_subcommand("admin", "administration commands");
  admin->require_subcommand(1);
  admin->add_option("--config", config_file, "TOML configuration file");
  admin->add_option("--store", store_url, "sqlite:DIR (default: the data directory) or postgres://...");

  std::string code, name, reading, parent;
  auto* ct = admin->add_subcommand("create-tenant", "create a municipality");
  ct->add_option("--data", data_dir, "data directory");
  ct->add_option("--code", code, "municipality code (digits)")->required();
  ct->add_option("--name", name, "name, e.g. もみじ町")->required();

  std::string tenant;
  auto* cd = admin->add_subcommand("create-department", "create a department (部, 課 or 係)");
  cd->add_option("--data", data_dir, "data directory");
  cd->add_option("--tenant", tenant, "municipality code")->required();
  cd->add_option("--name", name, "department name")->required();
  cd->add_option("--reading", reading, "reading in hiragana");
  std::string dept_code;
  cd->add_option("--code", dept_code, "the municipality's 組織コード, e.g. 0101 (default: generated)");
  cd->add_option("--parent", parent,
                 "the parent department: its code or full path (総務部/総務課), or a name only one has");

  services::NewUserRequest user;
  bool password_stdin = false;
  auto* cu = admin->add_subcommand("create-user", "create a staff account");
  cu->add_option("--data", data_dir, "data directory");
  cu->add_option("--tenant", user.tenant_code, "municipality code")->required();
  cu->add_option("--login", user.login, "login id (a-z 0-9 . _ -)")->required();
  cu->add_option("--name", user.name, "name, e.g. 田中 太郎")->required();
  cu->add_option("--reading", user.reading, "reading in hiragana, e.g. たなか たろう")->required();
  cu->add_option("--password", user.password, "password (prefer --password-stdin)");
  cu->add_flag("--password-stdin", password_stdin, "read the password from standard input");
  cu->add_option("--department", user.department,
                 "department: its code or full path (総務部/総務課/庶務係), or a name only one has");
  cu->add_option("--title", user.title, "title, e.g. 主事");
  cu->add_flag("--admin", user.admin, "municipality IT administrator");

  std::string csv_path;
  auto* iu = admin->add_subcommand("import-users", "import staff from a CSV file (UTF-8 or Shift_JIS)");
  iu->add_option("--data", data_dir, "data directory");
  iu->add_option("--tenant", tenant, "municipality code")->required();
  iu->add_option("--csv", csv_path,
                 "login,name,reading,department,title,password[,admin]; department: code, full path or a name only one has")
      ->required();

  auto* id = admin->add_subcommand("import-departments",
                                   "import the org tree from a CSV file (UTF-8 or Shift_JIS)");
  id->add_option("--data", data_dir, "data directory");
  id->add_option("--tenant", tenant, "municipality code")->required();
  id->add_option("--csv", csv_path, "code,name,reading,parent_code")->required();

  std::string login;
  auto* du = admin->add_subcommand("disable-user",
                                   "disable a staff account (who left or moved): logged out everywhere");
  du->add_option("--data", data_dir, "data directory");
  du->add_option("--tenant", tenant, "municipality code")->required();
  du->add_option("--login", login, "login id")->required();
  auto* eu = admin->add_subcommand("enable-user", "enable a disabled staff account again");
  eu->add_option("--data", data_dir, "data directory");
  eu->add_option("--tenant", tenant, "municipality code")->required();
  eu->add_option("--login", login, "login id")->required();

  std::string new_dept, new_title, new_extension;
  auto* uu = admin->add_subcommand(
      "update-user", "change a staff account's department (異動), title or extension");
  uu->add_option("--data", data_dir, "data directory");
  uu->add_option("--tenant", tenant, "municipality code")->required();
  uu->add_option("--login", login, "login id")->required();
  auto* dept_opt = uu->add_option(
      "--dept,--department", new_dept,
      "the new department: its code or full path (総務部/総務課/庶務係), or a name only one has; "
      "official rooms that follow the org tree follow the move");
  auto* title_opt = uu->add_option("--title", new_title, "title, e.g. 主査");
  auto* ext_opt = uu->add_option("--extension", new_extension, "内線 (phone extension), e.g. 2345");

  auto* sr = admin->add_subcommand(
      "sync-rooms", "add to the official rooms that follow the org tree everyone they follow");
  sr->add_option("--data", data_dir, "data directory");
  sr->add_option("--tenant", tenant, "municipality code")->required();

  app::FilePolicyChange fpc;
  auto* fp = admin->add_subcommand("file-policy",
                                   "show or change a municipality's file policy (sanitizing, downloads, limits)");
  fp->add_option("--data", data_dir, "data directory");
  fp->add_option("--tenant", tenant, "municipality code")->required();
  const auto level = CLI::IsMember({"rebuild", "rasterize"});
  fp->add_option("--image", fpc.image, "images: rebuild (re-encode)")->check(level);
  fp->add_option("--pdf", fpc.pdf, "PDFs: rebuild, or rasterize (pages become images: 画像化)")->check(level);
  fp->add_option("--office", fpc.office, "Office files: rebuild, or rasterize (needs LibreOffice)")->check(level);
  fp->add_option("--check-lgwan", fpc.check_lgwan, "sanitize LGWAN-zone uploads too: on or off")
      ->check(CLI::IsMember({"on", "off"}));
  fp->add_option("--internet-download", fpc.internet_download,
                 "files from LGWAN in the Internet zone: allow (download) or view (preview only)")
      ->check(CLI::IsMember({"allow", "view"}));
  fp->add_option("--keep-gps", fpc.keep_gps, "keep a photo's position as message data: on or off")
      ->check(CLI::IsMember({"on", "off"}));
  fp->add_option("--max-file-mb", fpc.max_file_mb, "largest file, MiB (under [files] max_file_bytes)")
      ->check(CLI::Range(1, 1 << 20));
  fp->add_option("--quota-mb", fpc.quota_mb, "all files of the municipality, MiB (0: no quota)")
      ->check(CLI::Range(0, 1 << 30));

  bool internet_allow = false, internet_deny = false;
  auto* si = admin->add_subcommand("set-internet",
                                   "allow or restrict a staff account's use of tonari from the Internet zone");
  si->add_option("--data", data_dir, "data directory");
  si->add_option("--tenant", tenant, "municipality code")->required();
  si->add_option("--login", login, "login id")->required();
  auto* allow_flag = si->add_flag("--allow", internet_allow, "may use the Internet zone");
  auto* deny_flag = si->add_flag("--deny", internet_deny, "may not (login and requests there are refused)");
  allow_flag->excludes(deny_flag);
  deny_flag->excludes(allow_flag);

  std::string secret_file;
  auto* sw = admin->add_subcommand("set-safety-webhook",
                                   "set the secret that signs the 安否確認 webhook of a municipality");
  sw->add_option("--data", data_dir, "data directory");
  sw->add_option("--tenant", tenant, "municipality code")->required();
  sw->add_option("--secret-file", secret_file, "a file whose first line is the secret (32+ characters); \"\": remove it")
      ->required();
  bool safety_crisis = false, safety_dept_head = false;
  auto* ss = admin->add_subcommand("set-safety-roles",
                                   "give a staff account the 危機管理 and/or 所属長 role of 安否確認 (none: take them)");
  ss->add_option("--data", data_dir, "data directory");
  ss->add_option("--tenant", tenant, "municipality code")->required();
  ss->add_option("--login", login, "login id")->required();
  ss->add_flag("--crisis", safety_crisis, "危機管理: starts, closes and sees every 安否確認");
  ss->add_flag("--dept-head", safety_dept_head, "所属長: sees and reminds their department's answers");

  auto* mg = admin->add_subcommand(
      "migrate", "bring the store's schema up to this tonari's version (PostgreSQL: before the nodes start)");
  mg->add_option("--data", data_dir, "data directory (SQLite)");
  mg->add_option("--store", store_url, "postgres://... or sqlite:DIR (default: the data directory)");

  std::string backup_to, restore_from;
  bool force = false;
  auto* bk = admin->add_subcommand("backup", "back up the data directory while the server runs");
  bk->add_option("--data", data_dir, "data directory");
  bk->add_option("--to", backup_to, "the backup file to write (replaced if it exists)")->required();
  auto* rs = admin->add_subcommand("restore", "restore a backup into a data directory (no server running on it)");
  rs->add_option("--from", restore_from, "a file written by tonari admin backup")->required();
  rs->add_option("--data", data_dir, "data directory to restore into")->required();
  rs->add_flag("--force", force, "replace a database already there (its files are moved aside)");

  std::string copy_from, copy_to;
  auto* cs = admin->add_subcommand("copy-store",
                                   "copy a town's SQLite data into an empty PostgreSQL database, and check it");
  cs->add_option("--from", copy_from, "sqlite:DIR, the data directory (no server running on it)")->required();
  cs->add_option("--to", copy_to, "postgres://... (migrated first; must hold no municipality)")->required();

  int reindex_batch = 1000;
  auto* ri = admin->add_subcommand(
      "reindex", "rebuild the search index (online: the server may run meanwhile)");
  ri->add_option("--data", data_dir, "data directory");
  ri->add_option("--tenant", tenant, "municipality code (default: every municipality)");
  ri->add_option("--batch", reindex_batch, "messages, notes or files per transaction (default 1000)")
      ->check(CLI::Range(1, 100000));

  // For tests (hidden): the search forms of JSON strings on stdin, or with --query the
  // parsed queries.
  bool normalize_query = false;
  auto* nz = admin->add_subcommand("normalize", "");
  nz->group("");
  nz->add_flag("--query", normalize_query, "parse queries");

  // `admin --store URL create-user ...` and `admin create-user --store URL ...` alike.
  for (auto* sub : admin->get_subcommands({})) sub->fallthrough();

  CLI11_PARSE(cli, argc, argv);

  if (!config_file.empty()) {
    if (std::string err = app::load_toml(config_file, cfg); !err.empty()) {
      std::cerr << "tonari: " << err << '\n';
      return 2;
    }
  }
  if (!data_dir.empty()) cfg.data_dir = data_dir;
  if (!store_url.empty()) cfg.store_url = store_url;
  if (!bus_url.empty()) cfg.bus_url = bus_url;
  if (cfg.store_url.starts_with("sqlite:")) {
    if (cfg.store_url.size() > 7) cfg.data_dir = cfg.store_url.substr(7);
    cfg.store_url.clear();
  }
  if (!log_level.empty()) log::parse_level(log_level, cfg.log.level);
  if (!log_format.empty()) cfg.log.format = log_format;
  if (!log_file.empty()) cfg.log.file = log_file;
  if (!listen.empty() || !listen_internet.empty()) {
    // The flags replace the config file's listeners: --listen ones serve the LGWAN zone,
    // --listen-internet ones the Internet zone.
    cfg.listeners.clear();
    for (const auto* specs : {&listen, &listen_internet}) {
      for (const auto& spec : *specs) {
        http::ListenerConfig lc;
        if (!app::parse_listen(spec, lc)) {
          std::cerr << "tonari: " << (specs == &listen ? "--listen " : "--listen-internet ")
                    << spec << ": expected address:port\n";
          return 2;
        }
        if (specs == &listen_internet) lc.zone = http::Zone::internet;
        cfg.listeners.push_back(lc);
      }
    }
  }

  // serve applies [log] itself (and logs its configuration); the admin commands here.
  if (!serve->parsed()) {
    if (std::string err = log::configure(cfg.log); !err.empty()) {
      std::cerr << "tonari: " << err << '\n';
      return 2;
    }
  }
  try {
    if (serve->parsed()) return app::serve(cfg);
    if (mg->parsed()) return app::admin_migrate(cfg);
    if (nz->parsed()) return app::admin_normalize(normalize_query);
    if (ri->parsed()) return app::admin_reindex(cfg, tenant, reindex_batch);
    if (ct->parsed()) return app::admin_create_tenant(cfg, code, name);
    if (cd->parsed()) {
      return app::admin_create_department(cfg, tenant, name, reading, parent, dept_code);
    }
    if (id->parsed()) return app::admin_import_departments(cfg, tenant, csv_path);
    if (iu->parsed()) return app::admin_import_users(cfg, tenant, csv_path);
    if (bk->parsed()) return app::admin_backup(cfg, backup_to);
    if (cs->parsed()) return app::admin_copy_store(copy_from, copy_to);
    if (rs->parsed()) return app::admin_restore(restore_from, cfg.data_dir, force);
    if (fp->parsed()) return app::admin_file_policy(cfg, tenant, fpc);
    if (sw->parsed()) return app::admin_set_safety_webhook(cfg, tenant, secret_file);
    if (ss->parsed()) return app::admin_set_safety_roles(cfg, tenant, login, safety_crisis, safety_dept_head);
    if (si->parsed()) {
      if (!internet_allow && !internet_deny) {
        std::cerr << "tonari: admin set-internet: give --allow or --deny\n";
        return 2;
      }
      return app::admin_set_internet(cfg, tenant, login, internet_allow);
    }
    if (uu->parsed()) {
      app::UserChange uc;
      if (dept_opt->count()) uc.department = new_dept;
      if (title_opt->count()) uc.title = new_title;
      if (ext_opt->count()) uc.extension = new_extension;
      return app::admin_update_user(cfg, tenant, login, uc);
    }
    if (du->parsed()) return app::admin_set_disabled(cfg, tenant, login, true);
    if (sr->parsed()) return app::admin_sync_rooms(cfg, tenant);
    if (eu->parsed()) return app::admin_set_disabled(cfg, tenant, login, false);
    if (cu->parsed()) {
      if (password_stdin) std::getline(std::cin, user.password);
      return app::admin_create_user(cfg, user);
    }
  } catch (const std::exception& e) {
    log::error("command.failed", {{"error", e.what()}});
    std::cerr << "tonari: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
