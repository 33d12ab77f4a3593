// `tonari serve`: runs the node with its listeners until SIGINT/SIGTERM.
#pragma once

#include "app/config.h"

namespace tonari::app {

// Returns the process exit code.
int serve(const Config& cfg);

}  // namespace tonari::app
