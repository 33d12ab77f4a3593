#include "app/heap.h"

#include <jemalloc/jemalloc.h>

#include <cstdint>

namespace tonari::app {

HeapStats heap_stats() {
  // jemalloc's statistics are a snapshot taken when "epoch" is written.
  std::uint64_t epoch = 1;
  std::size_t len = sizeof(epoch);
  if (mallctl("epoch", &epoch, &len, &epoch, len) != 0) return {};
  std::size_t allocated = 0, resident = 0;
  len = sizeof(std::size_t);
  if (mallctl("stats.allocated", &allocated, &len, nullptr, 0) != 0) return {};
  len = sizeof(std::size_t);
  if (mallctl("stats.resident", &resident, &len, nullptr, 0) != 0) return {};
  return HeapStats{allocated, resident > allocated ? resident - allocated : 0};
}

}  // namespace tonari::app
