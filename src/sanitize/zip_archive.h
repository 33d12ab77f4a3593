// Reading untrusted ZIP containers (plain archives and OOXML packages) and writing rebuilt
// ones, with libzip. Private to src/sanitize: zip.cc implements it, ooxml.cc uses it too.
// Not thread-safe across threads sharing one Reader or Writer; an ArchiveBudget is per
// thread (the worker sanitizes one upload per process, nested archives on one thread).
#pragma once

#include <zip.h>

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sanitize/sanitize.h"

namespace tonari::sanitize::zipio {

// Why an archive is refused: a reason code of docs/api.md and an English detail for logs.
struct Refusal {
  std::string reason;
  std::string detail;
};

// One entry of the central directory, as declared (nothing inflated yet).
struct Entry {
  std::uint64_t index = 0;
  std::string name;  // UTF-8 (decoded from CP932 where the archive has no UTF-8 flag), checked safe
  std::uint64_t size = 0;       // declared uncompressed size
  std::uint64_t comp_size = 0;  // declared compressed size
  bool is_dir = false;
  std::time_t mtime = 0;
};

// The entries and bytes that every archive level of one upload has declared so far: the
// limits on entries and total size hold for all levels together. The first ArchiveBudget
// on a thread is the one Reader::open charges; nested ones (an archive inside an archive,
// sanitized through sanitize_file) share it until it goes out of scope.
class ArchiveBudget {
 public:
  ArchiveBudget();
  ~ArchiveBudget();
  ArchiveBudget(const ArchiveBudget&) = delete;
  ArchiveBudget& operator=(const ArchiveBudget&) = delete;

 private:
  bool owner_ = false;
};

// An archive opened for reading.
class Reader {
 public:
  Reader() = default;
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Opens `path` and checks its central directory against `limits` before anything is
  // inflated: entry count and total declared size (charged to the thread's ArchiveBudget),
  // per-entry ratio, encryption, compression methods and names. Returns the refusal:
  // archive_limits, encrypted, unsafe_path, unsupported_type or corrupt.
  [[nodiscard]] std::optional<Refusal> open(const std::string& path, const Limits& limits);

  // The entries in central-directory order (valid after a successful open).
  const std::vector<Entry>& entries() const { return entries_; }

  // Inflates one entry, handing it to `sink` in chunks of at most 64 KiB. Stops with
  // archive_limits as soon as more bytes come out than the entry declared (a lying
  // header), with corrupt on a bad stream or CRC, with sanitizer_failed if `sink` fails.
  [[nodiscard]] std::optional<Refusal> read(
      const Entry& e, const std::function<bool(const char*, std::size_t)>& sink);
  // The same into a string (the entry's declared size bounds it).
  [[nodiscard]] std::optional<Refusal> read_all(const Entry& e, std::string* out);

 private:
  zip_t* za_ = nullptr;
  std::vector<Entry> entries_;
};

// True if `path` is a ZIP archive holding an entry named exactly `name` (nothing inflated).
bool has_entry(const std::string& path, const std::string& name);

// A new archive: every entry deflated, names stored as UTF-8 with general-purpose flag
// bit 11 when not ASCII, Unix mode 0644/0755, the given modification time. libzip reads
// the added data at close(): buffers and files passed in must live until then. A Writer
// destroyed without close() leaves no file.
class Writer {
 public:
  Writer() = default;
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  [[nodiscard]] std::optional<Refusal> open(const std::string& path);
  [[nodiscard]] std::optional<Refusal> add_buffer(const std::string& name, const std::string& data,
                                                  std::time_t mtime);
  [[nodiscard]] std::optional<Refusal> add_file(const std::string& name, const std::string& file,
                                                std::time_t mtime);
  [[nodiscard]] std::optional<Refusal> add_dir(const std::string& name, std::time_t mtime);
  // Writes the archive (an empty one too: libzip alone would write no file for it).
  [[nodiscard]] std::optional<Refusal> close();

 private:
  std::optional<Refusal> added(zip_int64_t index, const std::string& name, bool dir,
                               std::time_t mtime);

  zip_t* za_ = nullptr;
  std::string path_;
  std::int64_t count_ = 0;
};

// 1980-01-01 00:00 local time, the earliest ZIP (DOS) timestamp: rebuilt packages carry it
// on every entry so the same input gives the same bytes.
std::time_t fixed_mtime();

}  // namespace tonari::sanitize::zipio
