// Serves the built web client from a directory: hashed assets cached for a year,
// index.html for the root and for client-side routes. Never leaves the directory.
#pragma once

#include <string>

#include "http/router.h"

namespace tonari::http {

// A GET handler for files under `root`. If `root` has no index.html, `/` answers a short
// page saying the web client is not built.
Handler static_files(std::string root);

}  // namespace tonari::http
