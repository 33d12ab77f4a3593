#include "app/admin.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "app/csv.h"
#include "search/encoding.h"

#include "app/node.h"
#include "services/crypto.h"

namespace tonari::app {
namespace {

int report(const Status& st) {
  std::cerr << "tonari: " << code_name(st.code()) << ": " << st.message() << '\n';
  return st.code() == Code::conflict ? 3 : 2;
}

}  // namespace

int admin_create_tenant(const Config& cfg, const std::string& code, const std::string& name) {
  Node node(cfg);
  auto t = node.accounts->create_tenant(code, name);
  if (!t.ok()) return report(t.status());
  std::cout << "created municipality " << t->code << " " << t->name << " (id " << t->id << ")\n";
  return 0;
}

int admin_create_department(const Config& cfg, const std::string& tenant, const std::string& name,
                            const std::string& reading, const std::string& parent) {
  Node node(cfg);
  auto t = node.store->tenant_by_code(tenant);
  if (!t.ok()) return report(t.status());
  DeptId parent_id = 0;
  if (!parent.empty()) {
    auto all = node.store->departments(t->id);
    if (!all.ok()) return report(all.status());
    for (const auto& d : *all) {
      if (d.name == parent) parent_id = d.id;
    }
    if (!parent_id) return report(not_found("department " + parent + " not found"));
  }
  auto d = node.accounts->create_department(t->id, parent_id, name, reading);
  if (!d.ok()) return report(d.status());
  std::cout << "created department " << d->name << " (id " << d->id << ")\n";
  return 0;
}

int admin_create_user(const Config& cfg, services::NewUserRequest req) {
  if (!services::init_crypto()) return 1;
  Node node(cfg);
  auto u = node.accounts->create_user(req);
  if (!u.ok()) return report(u.status());
  std::cout << "created user " << u->login << " " << u->name << " (id " << u->id << ")\n";
  return 0;
}

int admin_import_users(const Config& cfg, const std::string& tenant, const std::string& csv_path) {
  std::ifstream in(csv_path, std::ios::binary);
  if (!in) return report(not_found("cannot read " + csv_path));
  std::ostringstream raw;
  raw << in.rdbuf();
  auto text = search::to_utf8(raw.str());
  if (!text) return report(invalid_argument(csv_path + ": neither UTF-8 nor Shift_JIS"));
  auto rows = parse_csv(*text);
  const std::vector<std::string> header{"login", "name", "reading", "department", "title", "password"};
  if (rows.empty() || rows[0].size() < header.size() ||
      !std::equal(header.begin(), header.end(), rows[0].begin())) {
    return report(invalid_argument(csv_path + ": the first line must be login,name,reading,department,title,password[,admin]"));
  }
  std::vector<services::NewUserRequest> reqs;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    auto& r = rows[i];
    r.resize(7);
    reqs.push_back(services::NewUserRequest{tenant, r[0], r[1], r[2], r[5], r[3], r[4], "",
                                            r[6] == "1" || r[6] == "true" || r[6] == "admin"});
  }
  if (!services::init_crypto()) return 1;
  Node node(cfg);
  auto results = node.accounts->create_users(reqs);
  int failed = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok()) {
      ++failed;
      std::cerr << csv_path << ":" << i + 2 << ": " << reqs[i].login << ": "
                << results[i].status().message() << '\n';
    }
  }
  std::cout << "imported " << results.size() - failed << " users, " << failed << " failed\n";
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

}  // namespace tonari::app
