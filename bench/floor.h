// The loopback floor's server (workload 8): see floor.cc.
#pragma once

namespace bench {

// Listens on 127.0.0.1 (a free port), prints the port as tonari does, and answers
// WebSocket clients until SIGTERM.
int run_floor_server();

}  // namespace bench
