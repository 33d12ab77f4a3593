#include "app/admin.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include <boost/json.hpp>
#include <chrono>

#include "app/csv.h"
#include "app/data_dir.h"
#include "search/encoding.h"
#include "search/fulltext.h"

#include "app/node.h"
#include "services/crypto.h"
#include "services/file_policy.h"
#include "services/files.h"
#include "services/org.h"
#include "store/copy_store.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/schema.h"

namespace tonari::app {
namespace {

int report(const Status& st) {
  std::cerr << "tonari: " << code_name(st.code()) << ": " << st.message() << '\n';
  return st.code() == Code::conflict ? 3 : 2;
}

// The rows of the CSV file at `path` (UTF-8 or Shift_JIS), the header first, which must
// begin with `header`.
Result<std::vector<std::vector<std::string>>> read_csv(const std::string& path,
                                                       const std::vector<std::string>& header,
                                                       const char* optional = "") {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot read " + path);
  std::ostringstream raw;
  raw << in.rdbuf();
  auto text = search::to_utf8(raw.str());
  if (!text) return invalid_argument(path + ": neither UTF-8 nor Shift_JIS");
  auto rows = parse_csv(*text);
  if (rows.empty() || rows[0].size() < header.size() ||
      !std::equal(header.begin(), header.end(), rows[0].begin())) {
    std::string names;
    for (const auto& h : header) names += (names.empty() ? "" : ",") + h;
    return invalid_argument(path + ": the first line must be " + names + optional);
  }
  return rows;
}

}  // namespace

int admin_migrate(const Config& cfg) {
  if (is_postgres_url(cfg.store_url)) {
    const std::int64_t version = store::postgres::migrate(cfg.store_url);
    std::cout << "PostgreSQL schema at version " << version << "\n";
    return 0;
  }
  Node node(cfg);
  std::cout << "SQLite schema at version " << store::sqlite::latest_version() << "\n";
  return 0;
}

int admin_create_tenant(const Config& cfg, const std::string& code, const std::string& name) {
  Node node(cfg);
  auto t = node.accounts->create_tenant(code, name);
  if (!t.ok()) return report(t.status());
  std::cout << "created municipality " << t->code << " " << t->name << " (id " << t->id << ")\n";
  return 0;
}

int admin_create_department(const Config& cfg, const std::string& tenant, const std::string& name,
                            const std::string& reading, const std::string& parent,
                            const std::string& code) {
  Node node(cfg);
  auto t = node.store->tenant_by_code(tenant);
  if (!t.ok()) return report(t.status());
  DeptId parent_id = 0;
  if (!parent.empty()) {
    auto p = node.accounts->find_department(t->id, parent);
    if (!p.ok()) return report(p.status());
    parent_id = p->id;
  }
  auto d = node.accounts->create_department(t->id, parent_id, name, reading, code);
  if (!d.ok()) return report(d.status());
  std::cout << "created department " << d->code << " " << d->path << " (id " << d->id << ")\n";
  return 0;
}

int admin_import_departments(const Config& cfg, const std::string& tenant,
                             const std::string& csv_path) {
  auto rows = read_csv(csv_path, {"code", "name", "reading", "parent_code"});
  if (!rows.ok()) return report(rows.status());
  Node node(cfg);
  auto t = node.store->tenant_by_code(tenant);
  if (!t.ok()) return report(t.status());
  auto existing = node.store->departments(t->id);
  if (!existing.ok()) return report(existing.status());
  std::map<std::string, Department> by_code;
  for (auto& d : *existing) by_code[d.code] = d;

  struct Row {
    std::size_t line;
    std::vector<std::string> f;
  };
  std::vector<Row> pending;
  int created = 0, unchanged = 0, failed = 0;
  auto fail = [&](std::size_t line, const std::string& code, const std::string& why) {
    ++failed;
    std::cerr << csv_path << ":" << line << ": " << code << ": " << why << '\n';
  };
  std::set<std::string> seen;
  for (std::size_t i = 1; i < rows->size(); ++i) {
    auto& r = (*rows)[i];
    r.resize(4);
    if (Status st = services::org::check_code(r[0]); !st.is_ok()) {
      fail(i + 1, r[0], st.message());
    } else if (!seen.insert(r[0]).second) {
      fail(i + 1, r[0], "code " + r[0] + " appears twice in the file");
    } else {
      pending.push_back(Row{i + 1, std::move(r)});
    }
  }
  // Rows whose parent exists go in, round after round, until a round creates nothing:
  // what is left names a parent that is neither in the data nor in the file.
  for (bool progress = true; progress && !pending.empty();) {
    progress = false;
    std::vector<Row> later;
    for (auto& row : pending) {
      const auto& [code, name, reading, parent_code] =
          std::tie(row.f[0], row.f[1], row.f[2], row.f[3]);
      DeptId parent = 0;
      if (!parent_code.empty()) {
        auto p = by_code.find(parent_code);
        if (p == by_code.end()) {
          later.push_back(std::move(row));
          continue;
        }
        parent = p->second.id;
      }
      progress = true;
      if (auto e = by_code.find(code); e != by_code.end()) {
        if (e->second.name == name && e->second.parent == parent) {
          ++unchanged;
        } else {
          fail(row.line, code, "code " + code + " exists as another department (" +
                                   e->second.name + "); renaming or moving is not supported");
        }
        continue;
      }
      auto d = node.accounts->create_department(t->id, parent, name, reading, code);
      if (!d.ok()) {
        fail(row.line, code, d.status().message());
        continue;
      }
      by_code[d->code] = *d;
      ++created;
    }
    pending = std::move(later);
  }
  for (const auto& row : pending) {
    fail(row.line, row.f[0], "parent_code " + row.f[3] + " not found");
  }
  std::cout << "imported " << created << " departments, " << unchanged << " unchanged, "
            << failed << " failed\n";
  return failed ? 2 : 0;
}

int admin_create_user(const Config& cfg, services::NewUserRequest req) {
  if (!services::init_crypto()) return 1;
  Node node(cfg);
  auto u = node.accounts->create_user(req);
  if (!u.ok()) return report(u.status());
  std::cout << "created user " << u->login << " " << u->name << " (id " << u->id << ")\n";
  if (Status st = follow_org(node, *u); !st.is_ok()) return report(st);
  return 0;
}

int admin_update_user(const Config& cfg, const std::string& tenant, const std::string& login,
                      const UserChange& change) {
  Node node(cfg);
  auto t = node.store->tenant_by_code(tenant);
  if (!t.ok()) return report(t.status());
  auto c = node.store->credentials(t->id, login);
  if (!c.ok()) return report(not_found("no user " + login + " in " + tenant));
  store::UserPatch patch;
  patch.title = change.title;
  patch.extension = change.extension;
  if (change.department) {
    patch.dept = 0;  // "": none
    if (!change.department->empty()) {
      auto d = node.accounts->find_department(t->id, *change.department);
      if (!d.ok()) return report(d.status());
      patch.dept = d->id;
    }
  }
  auto changed = services::wait_for<std::pair<User, User>>([&](auto cb) {
    node.accounts->update_user(nullptr, c->user.id, std::move(patch), std::move(cb));
  });
  if (!changed.ok()) return report(changed.status());
  const auto& [before, after] = *changed;
  if (before.dept != after.dept) {
    if (Status st = follow_org(node, after, before.dept); !st.is_ok()) return report(st);
  }
  std::cout << "updated user " << after.login << " " << after.name << " (id " << after.id << ")"
            << (before.dept != after.dept ? ": moved to " + (after.dept_name.empty() ? std::string("no department") : after.dept_name) : "")
            << '\n';
  return 0;
}

int admin_sync_rooms(const Config& cfg, const std::string& tenant) {
  Node node(cfg);
  auto t = node.store->tenant_by_code(tenant);
  if (!t.ok()) return report(t.status());
  if (Status st = sync_rooms(node, t->id); !st.is_ok()) return report(st);
  std::cout << "official rooms of " << tenant << " follow the org tree\n";
  return 0;
}

int admin_import_users(const Config& cfg, const std::string& tenant, const std::string& csv_path) {
  auto rows = read_csv(csv_path, {"login", "name", "reading", "department", "title", "password"},
                       "[,admin[,crisis[,dept_head]]]");
  if (!rows.ok()) return report(rows.status());
  // The optional columns, in this order after the six (issue 23 added crisis, 危機管理,
  // and dept_head, 所属長: "1" or "true").
  const auto yes = [](const std::string& v) { return v == "1" || v == "true"; };
  std::vector<services::NewUserRequest> reqs;
  std::vector<std::pair<bool, bool>> flags;
  for (std::size_t i = 1; i < rows->size(); ++i) {
    auto& r = (*rows)[i];
    r.resize(9);
    reqs.push_back(services::NewUserRequest{tenant, r[0], r[1], r[2], r[5], r[3], r[4], "",
                                            yes(r[6]) || r[6] == "admin", ""});
    flags.emplace_back(yes(r[7]), yes(r[8]));
  }
  if (!services::init_crypto()) return 1;
  Node node(cfg);
  auto results = node.accounts->create_users(reqs);
  int failed = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i].ok() && (flags[i].first || flags[i].second)) {
      auto flagged = services::wait_for<User>([&](auto cb) {
        node.store->set_user_flags(results[i]->id, flags[i].first, flags[i].second, std::move(cb));
      });
      if (!flagged.ok()) results[i] = flagged.status();
    }
    if (!results[i].ok()) {
      ++failed;
      std::cerr << csv_path << ":" << i + 2 << ": " << reqs[i].login << ": "
                << results[i].status().message() << '\n';
    }
  }
  std::cout << "imported " << results.size() - failed << " users, " << failed << " failed\n";
  // The official rooms that follow the org tree get the new users in batches (one
  // members_added note each), not one write and one note per user.
  if (failed < static_cast<int>(results.size())) {
    auto t = node.store->tenant_by_code(tenant);
    if (!t.ok()) return report(t.status());
    if (Status st = sync_rooms(node, t->id); !st.is_ok()) {
      std::cerr << "official rooms: " << st.message()
                << " (run `tonari admin sync-rooms` to complete)\n";
      return 2;
    }
  }
  return failed ? 2 : 0;
}

int admin_set_disabled(const Config& cfg, const std::string& tenant, const std::string& login,
                       bool disabled) {
  Node node(cfg);
  auto u = node.accounts->set_disabled(tenant, login, disabled);
  if (!u.ok()) return report(u.status());
  std::cout << (disabled ? "disabled user " : "enabled user ") << u->login << " " << u->name
            << " (id " << u->id << ")" << (disabled ? ": logged out everywhere" : "") << '\n';
  return 0;
}

int admin_copy_store(const std::string& from, const std::string& to) {
  std::string dir = from.starts_with("sqlite:") ? from.substr(7) : from;
  if (dir.empty() || !is_postgres_url(to)) {
    std::cerr << "tonari: copy-store --from sqlite:DIR --to postgres://...\n";
    return 2;
  }
  if (!std::filesystem::exists(std::filesystem::path(dir) / kDatabaseFile)) {
    std::cerr << "tonari: " << dir << " holds no " << kDatabaseFile << '\n';
    return 1;
  }
  // The town's server is stopped for the move: what is copied is everything there is.
  auto lock = DataDirLock::acquire(dir, true);
  if (!lock.ok()) {
    std::cerr << "tonari: " << dir << ": " << lock.status().message()
              << " (stop the server that uses it first)\n";
    return 1;
  }
  auto r = store::copy_sqlite_to_postgres(
      (std::filesystem::path(dir) / kDatabaseFile).string(), to,
      [](const std::string& line) { std::cout << line << std::endl; });
  if (!r.ok()) return report(r.status());
  std::cout << "copied and checked:";
  for (const auto& t : r->tables) std::cout << ' ' << t.table << '=' << t.to;
  std::cout << "\n" << r->rooms_checked << " rooms, " << r->messages_checked << " messages and "
            << r->events_checked << " events equal in both stores; checksum " << r->checksum
            << '\n';
  return 0;
}

int admin_file_policy(const Config& cfg, const std::string& tenant, const FilePolicyChange& change) {
  Node node(cfg);
  auto t = node.store->tenant_by_code(tenant);
  if (!t.ok()) return report(t.status());
  auto current = services::load_file_policy(*node.store, t->id);
  if (!current.ok()) return report(current.status());
  // The changes as the JSON an administrator would PUT: one parser checks both.
  boost::json::object o;
  auto onoff = [&](const char* key, const std::string& v) -> bool {
    if (v.empty()) return true;
    if (v != "on" && v != "off") return false;
    o[key] = v == "on";
    return true;
  };
  if (!change.image.empty()) o["image"] = change.image;
  if (!change.pdf.empty()) o["pdf"] = change.pdf;
  if (!change.office.empty()) o["office"] = change.office;
  if (!change.internet_download.empty()) o["internet_download"] = change.internet_download;
  if (!onoff("check_lgwan_uploads", change.check_lgwan) || !onoff("keep_gps", change.keep_gps)) {
    return report(invalid_argument("--check-lgwan and --keep-gps take on or off"));
  }
  if (change.max_file_mb >= 0) o["max_file_bytes"] = change.max_file_mb * (1ll << 20);
  if (change.quota_mb >= 0) o["quota_bytes"] = change.quota_mb * (1ll << 20);
  auto next = services::parse_file_policy(boost::json::serialize(o), *current);
  if (!next.ok()) return report(next.status());
  if (!o.empty()) {
    auto stored = services::wait_for<services::FilePolicy>(
        [&](auto cb) { node.files->store_policy(t->id, *next, std::move(cb)); });
    if (!stored.ok()) return report(stored.status());
  }
  std::cout << services::file_policy_json(*next) << "\n";
  return 0;
}

int admin_set_safety_webhook(const Config& cfg, const std::string& tenant, const std::string& secret_file) {
  // Shorter secrets could be guessed offline from one signed request.
  constexpr std::size_t kMinSecretChars = 32;
  std::string secret;
  if (!secret_file.empty()) {
    std::ifstream in(secret_file);
    if (!in) return report(not_found("cannot read " + secret_file));
    std::getline(in, secret);
    while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
    if (secret.size() < kMinSecretChars) {
      return report(invalid_argument("the secret must have at least 32 characters (e.g. openssl rand -hex 32)"));
    }
  }
  Node node(cfg);
  auto t = node.store->tenant_by_code(tenant);
  if (!t.ok()) return report(t.status());
  auto r = services::wait_for<bool>([&](auto cb) {
    node.store->set_tenant_setting(t->id, services::kSafetyWebhookKey, secret, std::move(cb));
  });
  if (!r.ok()) return report(r.status());
  if (secret.empty()) {
    std::cout << "removed the safety webhook secret of " << tenant << ": the webhook refuses every request\n";
  } else {
    std::cout << "set the safety webhook secret of " << tenant << ": POST /api/hooks/safety/" << tenant
              << "/<earthquake|flood|drill>\n";
  }
  return 0;
}

int admin_set_safety_roles(const Config& cfg, const std::string& tenant, const std::string& login,
                           bool crisis, bool dept_head) {
  Node node(cfg);
  auto t = node.store->tenant_by_code(tenant);
  if (!t.ok()) return report(t.status());
  auto c = node.store->credentials(t->id, login);
  if (!c.ok()) return report(not_found("no user " + login + " in " + tenant));
  auto u = services::wait_for<User>(
      [&](auto cb) { node.store->set_user_flags(c->user.id, crisis, dept_head, std::move(cb)); });
  if (!u.ok()) return report(u.status());
  std::cout << login << " (" << u->name << ") in " << tenant << ": 危機管理 " << (u->crisis ? "yes" : "no")
            << ", 所属長 " << (u->dept_head ? "yes" : "no") << "\n";
  return 0;
}

int admin_set_internet(const Config& cfg, const std::string& tenant, const std::string& login,
                       bool allowed) {
  Node node(cfg);
  auto t = node.store->tenant_by_code(tenant);
  if (!t.ok()) return report(t.status());
  auto c = node.store->credentials(t->id, login);
  if (!c.ok()) return report(not_found("no user " + login + " in " + tenant));
  auto u = services::wait_for<User>(
      [&](auto cb) { node.store->set_internet_allowed(c->user.id, allowed, std::move(cb)); });
  if (!u.ok()) return report(u.status());
  std::cout << (allowed ? "allowed " : "restricted ") << "Internet use for " << login << " ("
            << u->name << ") in " << tenant << "\n";
  return 0;
}

int admin_reindex(const Config& cfg, const std::string& tenant, int batch) {
  Node node(cfg);
  TenantId id = 0;
  if (!tenant.empty()) {
    auto t = node.store->tenant_by_code(tenant);
    if (!t.ok()) return report(t.status());
    id = t->id;
  }
  // A line per second at most (and the last): a million messages are a thousand batches.
  using Clock = std::chrono::steady_clock;
  auto last = Clock::now() - std::chrono::seconds(1);
  auto n = node.store->reindex(id, batch, [&](std::int64_t done, std::int64_t total) {
    if (done < total && Clock::now() - last < std::chrono::seconds(1)) return;
    last = Clock::now();
    std::cerr << "search reindex: " << done << "/" << total << std::endl;
  });
  if (!n.ok()) return report(n.status());
  std::cout << "reindexed " << (tenant.empty() ? std::string("every municipality") : tenant)
            << ": " << *n << " search documents\n";
  return 0;
}

int admin_normalize(bool query) {
  std::string line;
  int bad = 0;
  while (std::getline(std::cin, line)) {
    std::string text;
    try {
      const boost::json::value v = boost::json::parse(line);
      if (!v.is_string()) throw std::invalid_argument("not a JSON string");
      text = std::string(v.as_string());
    } catch (const std::exception& e) {
      std::cerr << "tonari: line " << line.substr(0, 40) << ": " << e.what() << '\n';
      ++bad;
      std::cout << "null\n";
      continue;
    }
    if (!query) {
      std::cout << boost::json::serialize(boost::json::value(search::normalize(text))) << '\n';
      continue;
    }
    auto q = search::parse_query(text);
    boost::json::object o;
    if (!q.ok()) {
      o["error"] = q.status().message();
    } else {
      o["terms"] = boost::json::value_from(q->terms);
      o["excluded"] = boost::json::value_from(q->excluded);
    }
    std::cout << boost::json::serialize(o) << '\n';
  }
  std::cout.flush();
  return bad ? 2 : 0;
}

}  // namespace tonari::app
