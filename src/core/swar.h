// Tests on eight string bytes at once, read as one 64-bit word (the hot text paths: UTF-8
// checks, character counts, JSON escaping). A nonzero result may also flag a byte above a
// true match (a borrow carries on), so callers use it to leave the fast path, then look
// byte by byte.
#pragma once

#include <cstdint>
#include <cstring>

namespace tonari::swar {

inline constexpr std::uint64_t kOnes = 0x0101010101010101;
inline constexpr std::uint64_t kHighs = 0x8080808080808080;  // each byte's top bit

inline std::uint64_t load8(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Nonzero if a byte of `v` is below `n` (n <= 0x80; bytes of 0x80 and up never count).
constexpr std::uint64_t has_byte_below(std::uint64_t v, unsigned n) {
  return (v - kOnes * n) & ~v & kHighs;
}
// Nonzero if a byte of `v` is zero.
constexpr std::uint64_t has_zero_byte(std::uint64_t v) { return has_byte_below(v, 1); }
// Nonzero if a byte of `v` is `c`.
constexpr std::uint64_t has_byte(std::uint64_t v, unsigned char c) {
  return has_zero_byte(v ^ (kOnes * c));
}

}  // namespace tonari::swar
