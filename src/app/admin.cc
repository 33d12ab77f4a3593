#include "app/admin.h"

#include <iostream>

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

}  // namespace tonari::app
