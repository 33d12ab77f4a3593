// Passwords (argon2id), session tokens (256-bit random, stored as BLAKE2b hashes), message
// authentication (HMAC-SHA-256) and keyed 64-bit hashes (SipHash), via libsodium.
// Thread safety: all functions are thread-safe after init_crypto().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tonari::services {

// Initializes libsodium; call once at start-up. Returns false if it cannot.
bool init_crypto();

// An argon2id hash string (PHC format, salt included). Empty if hashing failed (memory).
std::string hash_password(std::string_view password, unsigned long long opslimit,
                          std::size_t memlimit);
bool verify_password(const std::string& hash, std::string_view password);

// A new random token: 32 bytes, URL-safe base64 without padding.
std::string random_token();
// The hex BLAKE2b-256 hash under which a token is stored.
std::string token_hash(std::string_view token);
// Constant-time string comparison.
bool equal_secret(std::string_view a, std::string_view b);

// HMAC-SHA-256 of `data` under `key` (any length), URL-safe base64 without padding.
std::string hmac(std::string_view key, std::string_view data);
// `n` random bytes.
std::string random_bytes(std::size_t n);
// SipHash-2-4 of `data` under `key`, which must hold 16 bytes: a 64-bit hash that whoever
// does not know the key cannot steer into collisions.
std::uint64_t short_hash(std::string_view key, std::string_view data);

}  // namespace tonari::services
