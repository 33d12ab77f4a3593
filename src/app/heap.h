// The process's heap, as the allocator (jemalloc) counts it: for /metrics and for the
// benchmark's memory per connection.
#pragma once

#include <cstddef>

namespace tonari::app {

struct HeapStats {
  std::size_t in_use = 0;  // allocated and not freed
  std::size_t free = 0;    // resident beyond that: free pages and the allocator's metadata
};

// Fresh figures (refreshes the allocator's statistics first). Zeros if it has none.
HeapStats heap_stats();

}  // namespace tonari::app
