// Names the calling thread (at most 15 characters), so that `top -H`, `ps -L`, perf and
// gdb show which of tonari's threads is which: tonari-io, tonari-writer, tonari-ckpt.
#pragma once

#include <pthread.h>

namespace tonari {

inline void name_this_thread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace tonari
