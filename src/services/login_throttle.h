// Login throttling that cannot be turned into a lock-out: failed logins are counted per
// (municipality, login id, client address) pair, per known device, per client address and
// per login id, each count forgiven one failure at a time; beyond a scope's free failures
// the next attempt waits 1 s, 2 s, 4 s … up to a cap. A known device (a valid device token,
// known_devices.h) is held to its own count alone; other attempts to all of theirs, but a
// pair adds to its address's and login id's counts only while it is not itself delayed, so
// one address hammering one login id delays neither the other addresses nor the login id.
// Nothing ever locks an account: a lock is an administrator's decision (disable-user).
// Entries are kept in a table of bounded size (the least recently touched go first); keys
// are keyed 64-bit hashes, so an entry costs the same whatever the login id's length.
// In a cluster every node keeps its own table, and tells the others each outcome
// (notice()/apply_notice(), over the bus): the nodes hash with the same key, so a failure
// counts on all of them, and spreading guesses over the nodes gains nothing.
// Thread safety: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/types.h"

namespace tonari::services {

enum class ThrottleScope : std::uint8_t { pair, device, address, login };
// "pair", "device", "address" or "login" (as logged).
const char* scope_name(ThrottleScope scope);

struct ThrottlePolicy {
  int pair_free = 5;       // failures of one pair (or one known device) before delays
  int login_free = 50;     // failures for one login id, from every address, before delays
  int address_free = 100;  // failures from one client address before delays
  TimeMs first_delay_ms = 1000;           // doubled with each further failure
  TimeMs max_delay_ms = 15 * 60 * 1000;   // the cap
  // One failure is forgotten per period (a leaky count): pairs and devices, login ids,
  // addresses. A steady attacker at the cap keeps its count; staff's occasional typos
  // behind one proxy never add up.
  TimeMs pair_forgive_ms = 15 * 60 * 1000;
  TimeMs login_forgive_ms = 5 * 60 * 1000;
  TimeMs address_forgive_ms = 30 * 1000;
  std::size_t max_entries = 100000;  // about 100 bytes each
};

// Who is trying to log in.
struct LoginAttempt {
  std::string_view tenant;
  std::string_view login;
  std::string_view address;
  std::string_view device;  // a verified known device's id for (tenant, login), or empty
};

// An attempt's admission: admitted, or refused with the wait of its most delayed scope.
struct Admission {
  bool admitted = false;
  TimeMs retry_ms = 0;
  ThrottleScope scope = ThrottleScope::pair;  // refused: the scope that waits longest
  // For succeeded() and failed().
  std::uint64_t own = 0;
  std::uint64_t login = 0;
  std::uint64_t address = 0;
  bool trusted = false;      // a known device's attempt
  bool counts_wider = false;  // a failure also counts for the address and the login id
};

class LoginThrottle {
 public:
  // `hash_key`: the key of the entries' hashes, which the nodes of a cluster share; empty:
  // a random one (a node alone).
  explicit LoginThrottle(ThrottlePolicy policy, std::string hash_key = {});

  // Whether an attempt would be admitted now, counting nothing: a cheap first look before
  // an attempt waits in a queue.
  Admission check(const LoginAttempt& a, TimeMs now);
  // Admits an attempt or refuses it (nothing counted). Call it as its password check
  // starts: an admitted attempt counts at once as a failure of its pair (or device) until
  // succeeded() says otherwise, so parallel guesses cannot slip past the free failures.
  Admission admit(const LoginAttempt& a, TimeMs now);
  // The admitted attempt `a` had the right password: its pair's (device's) count is cleared.
  void succeeded(const Admission& a);
  // It did not: its scopes' delays start from `now`.
  void failed(const Admission& a, TimeMs now);

  // The outcome of the admitted attempt `a` (failed, or succeeded) as the other nodes of a
  // cluster apply it: 27 bytes of hashed keys, no login id or address.
  static std::string notice(const Admission& a, bool failed);
  // Applies another node's notice at `now`: a failure counts as if it had happened here
  // (its pair or device, and its login id and address when it counted for them there); a
  // success clears its pair (device). False, and nothing changes, if `bytes` are not a notice.
  bool apply_notice(std::string_view bytes, TimeMs now);

  // Drops entries whose counts have been forgiven, oldest first, at most `max_steps`.
  void sweep(TimeMs now, std::size_t max_steps = 1000);
  std::size_t size();
  // Entries dropped because the table was full.
  std::uint64_t evictions();

 private:
  struct Entry {
    std::uint64_t key;
    ThrottleScope scope;
    std::uint32_t count = 0;
    TimeMs forgiven_at = 0;    // the last time a failure was forgiven (or the count started)
    TimeMs blocked_until = 0;  // no attempt before
  };
  using List = std::list<Entry>;

  std::uint64_t key(ThrottleScope scope, const LoginAttempt& a) const;
  int free_failures(ThrottleScope scope) const;
  TimeMs forgive_ms(ThrottleScope scope) const;
  TimeMs delay(ThrottleScope scope, std::uint32_t count) const;
  // Requires mu_. find(), else a new entry (evicting the least recently touched when full);
  // either way moved to the back, as most recently touched.
  Entry& touch(std::uint64_t key, ThrottleScope scope, TimeMs now);
  void forgive(Entry& e, TimeMs now) const;
  // Requires mu_: `adm` with its keys, refused if one of its scopes is delayed at `now`.
  Admission look(const LoginAttempt& a, TimeMs now);
  // Requires mu_: one more failure of `key`, delayed from `now`.
  void count_failure(std::uint64_t key, ThrottleScope scope, TimeMs now);

  // Constant after construction.
  const ThrottlePolicy policy_;
  const std::string hash_key_;  // random, per process

  std::mutex mu_;
  List lru_;                                              // guarded by mu_; front: oldest
  std::unordered_map<std::uint64_t, List::iterator> by_key_;  // guarded by mu_
  std::uint64_t evictions_ = 0;                           // guarded by mu_
};

}  // namespace tonari::services
