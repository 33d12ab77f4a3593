// Small POSIX file helpers of the files module: durable writes and random names.
// Thread safety: free functions, safe from any thread.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/status.h"

namespace tonari::files {

// `bytes` random bytes (libsodium) in lower-case hex.
std::string random_hex(std::size_t bytes);
// fsync of the file at `path`.
Status sync_file(const std::filesystem::path& path);
// fsync of the directory `dir` (makes the names in it durable).
Status sync_dir(const std::filesystem::path& dir);
// Replaces `path` with `content` atomically and durably: a temporary file beside it,
// fsync, rename, fsync of the directory.
Status write_file_atomic(const std::filesystem::path& path, std::string_view content);
// The whole file at `path`; not_found if it does not exist.
Result<std::string> read_file(const std::filesystem::path& path);

}  // namespace tonari::files
