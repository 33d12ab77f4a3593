// Seeds the demo municipality (さくら市, code 999001) into an empty store: org tree, staff
// with readings, rooms and some history, all with the password kDemoPassword.
#pragma once

#include "app/node.h"

namespace tonari::app {

inline constexpr const char* kDemoTenantCode = "999001";
inline constexpr const char* kDemoPassword = "sakura-demo";

// Seeds unless the demo municipality exists already. Returns an error message or empty.
std::string seed_demo(Node& node);

}  // namespace tonari::app
