#include "services/org.h"

#include <string>
#include <unordered_map>

namespace tonari::services::org {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> names;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = path.find(kPathSeparator, start);
    names.push_back(path.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return names;
    start = end + 1;
  }
}

Status ambiguous(std::string_view ref, const std::vector<const Department*>& found,
                 const std::vector<Department>& with_paths) {
  std::unordered_map<DeptId, const Department*> by_id;
  for (const auto& d : with_paths) by_id[d.id] = &d;
  std::string msg = "department " + std::string(ref) + " is ambiguous: ";
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (i) msg += ", ";
    msg += by_id.at(found[i]->id)->path + " (code " + found[i]->code + ")";
  }
  return invalid_argument(msg + "; give the code or the full path");
}

}  // namespace

void fill_paths(std::vector<Department>& depts) {
  std::unordered_map<DeptId, const Department*> by_id;
  for (const auto& d : depts) by_id[d.id] = &d;
  std::vector<std::string> paths;
  paths.reserve(depts.size());
  for (const auto& d : depts) {
    std::vector<const Department*> chain{&d};
    // At most one step per department: a cycle in the data stops there.
    while (chain.back()->parent && chain.size() <= depts.size()) {
      auto it = by_id.find(chain.back()->parent);
      if (it == by_id.end()) break;
      chain.push_back(it->second);
    }
    std::string path;
    for (auto c = chain.rbegin(); c != chain.rend(); ++c) {
      if (!path.empty()) path += kPathSeparator;
      path += (*c)->name;
    }
    paths.push_back(std::move(path));
  }
  for (std::size_t i = 0; i < depts.size(); ++i) depts[i].path = std::move(paths[i]);
}

Result<Department> resolve(const std::vector<Department>& depts, std::string_view ref) {
  std::vector<Department> all = depts;
  fill_paths(all);
  std::vector<const Department*> found;
  if (ref.find(kPathSeparator) != std::string_view::npos) {
    const auto names = split_path(ref);
    // Walk down from the top departments, one name per level.
    std::vector<DeptId> level{0};
    for (std::string_view name : names) {
      std::vector<DeptId> next;
      found.clear();
      for (const auto& d : all) {
        for (DeptId p : level) {
          if (d.parent == p && d.name == name) {
            next.push_back(d.id);
            found.push_back(&d);
          }
        }
      }
      level = std::move(next);
      if (level.empty()) break;
    }
    if (found.size() == 1) return *found.front();
    if (found.empty()) return not_found("department " + std::string(ref) + " not found");
    return ambiguous(ref, found, all);
  }
  for (const auto& d : all) {
    if (d.code == ref) return d;
  }
  for (const auto& d : all) {
    if (d.name == ref) found.push_back(&d);
  }
  if (found.size() == 1) return *found.front();
  if (found.empty()) return not_found("department " + std::string(ref) + " not found");
  return ambiguous(ref, found, all);
}

Status check_code(std::string_view code) {
  bool ok = !code.empty() && code.size() <= 32;
  for (char c : code) {
    ok = ok && ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                c == '.' || c == '_' || c == '-');
  }
  if (!ok) return invalid_argument("department code: 1-32 of 0-9 A-Z a-z . _ -");
  return Status::ok();
}

bool in_subtree(const std::vector<Department>& depts, DeptId d, DeptId root) {
  if (root == 0 || d == 0) return false;
  std::unordered_map<DeptId, DeptId> parent;
  for (const Department& x : depts) parent.emplace(x.id, x.parent);
  for (std::size_t steps = 0; d != 0 && steps <= depts.size(); ++steps) {
    if (d == root) return true;
    auto it = parent.find(d);
    if (it == parent.end()) return false;
    d = it->second;
  }
  return false;
}

}  // namespace tonari::services::org
