// The org tree (部 → 課 → 係): paths of departments and finding one by what an operator
// types — its code, its full path or, when only one department bears it, its name. Pure
// functions of the department list the store returns; no I/O.
// Thread safety: none needed (no state).
#pragma once

#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace tonari::services::org {

// The separator of a path's names: "総務部/総務課/庶務係".
inline constexpr char kPathSeparator = '/';

// Fills each department's `path` from its ancestors' names. A parent missing from
// `depts`, or a cycle, ends the path where it breaks (never loops).
void fill_paths(std::vector<Department>& depts);

// The department `ref` names among `depts` (paths filled or not), tried in this order:
// - containing '/': the full path from a top department, name by name;
// - a department's code;
// - a department's name, if exactly one department has it.
// not_found when nothing matches; invalid_argument when a name (or a path, in data made
// before sibling names were unique) matches several, with every candidate's path and
// code in the message — never one picked at random.
Result<Department> resolve(const std::vector<Department>& depts, std::string_view ref);

// A code an operator may give: 1-32 of 0-9 A-Z a-z . _ - (no '/', so that a code and a
// path never look alike).
Status check_code(std::string_view code);

// Whether department `d` is `root` or one of its descendants among `depts` (a broken
// parent chain ends the walk: false, never loops).
bool in_subtree(const std::vector<Department>& depts, DeptId d, DeptId root);

}  // namespace tonari::services::org
