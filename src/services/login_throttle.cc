#include "services/login_throttle.h"

#include <algorithm>

#include "services/crypto.h"

namespace tonari::services {

const char* scope_name(ThrottleScope scope) {
  switch (scope) {
    case ThrottleScope::pair: return "pair";
    case ThrottleScope::device: return "device";
    case ThrottleScope::address: return "address";
    case ThrottleScope::login: return "login";
  }
  return "pair";
}

LoginThrottle::LoginThrottle(ThrottlePolicy policy, std::string hash_key)
    : policy_([&] {
        policy.max_entries = std::max<std::size_t>(policy.max_entries, 16);
        policy.first_delay_ms = std::max<TimeMs>(policy.first_delay_ms, 1);
        policy.max_delay_ms = std::max(policy.max_delay_ms, policy.first_delay_ms);
        for (TimeMs* f : {&policy.pair_forgive_ms, &policy.login_forgive_ms, &policy.address_forgive_ms}) {
          *f = std::max<TimeMs>(*f, 1);
        }
        return policy;
      }()),
      hash_key_(hash_key.empty() ? random_bytes(16) : std::move(hash_key)) {}

std::uint64_t LoginThrottle::key(ThrottleScope scope, const LoginAttempt& a) const {
  // Length-prefixed fields: no two attempts' fields run together into the same bytes.
  std::string data(1, static_cast<char>(scope));
  auto field = [&](std::string_view v) {
    const auto n = static_cast<std::uint32_t>(v.size());
    data.append(reinterpret_cast<const char*>(&n), sizeof n);
    data.append(v);
  };
  switch (scope) {
    case ThrottleScope::pair: field(a.tenant), field(a.login), field(a.address); break;
    case ThrottleScope::device: field(a.tenant), field(a.login), field(a.device); break;
    case ThrottleScope::address: field(a.address); break;
    case ThrottleScope::login: field(a.tenant), field(a.login); break;
  }
  return short_hash(hash_key_, data);
}

int LoginThrottle::free_failures(ThrottleScope scope) const {
  switch (scope) {
    case ThrottleScope::address: return policy_.address_free;
    case ThrottleScope::login: return policy_.login_free;
    default: return policy_.pair_free;
  }
}

TimeMs LoginThrottle::forgive_ms(ThrottleScope scope) const {
  switch (scope) {
    case ThrottleScope::address: return policy_.address_forgive_ms;
    case ThrottleScope::login: return policy_.login_forgive_ms;
    default: return policy_.pair_forgive_ms;
  }
}

TimeMs LoginThrottle::delay(ThrottleScope scope, std::uint32_t count) const {
  const auto free = static_cast<std::uint32_t>(std::max(free_failures(scope), 0));
  if (count < free) return 0;
  TimeMs d = policy_.first_delay_ms;
  for (std::uint32_t i = free; i < count && d < policy_.max_delay_ms; ++i) d *= 2;
  return std::min(d, policy_.max_delay_ms);
}

void LoginThrottle::forgive(Entry& e, TimeMs now) const {
  if (e.count == 0 || now <= e.forgiven_at) return;
  const TimeMs period = forgive_ms(e.scope);
  const TimeMs n = (now - e.forgiven_at) / period;
  if (n <= 0) return;
  e.count = n >= e.count ? 0 : e.count - static_cast<std::uint32_t>(n);
  e.forgiven_at += n * period;
}

LoginThrottle::Entry& LoginThrottle::touch(std::uint64_t key, ThrottleScope scope, TimeMs now) {
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    lru_.splice(lru_.end(), lru_, it->second);
    forgive(*it->second, now);
    return *it->second;
  }
  if (by_key_.size() >= policy_.max_entries) {
    by_key_.erase(lru_.front().key);
    lru_.pop_front();
    ++evictions_;
  }
  lru_.push_back(Entry{key, scope, 0, now, 0});
  by_key_.emplace(key, std::prev(lru_.end()));
  return lru_.back();
}

void LoginThrottle::count_failure(std::uint64_t key, ThrottleScope scope, TimeMs now) {
  Entry& e = touch(key, scope, now);
  if (e.count == 0) e.forgiven_at = now;
  ++e.count;
  e.blocked_until = std::max(e.blocked_until, now + delay(scope, e.count));
}

Admission LoginThrottle::look(const LoginAttempt& a, TimeMs now) {
  Admission adm;
  adm.trusted = !a.device.empty();
  const ThrottleScope own_scope = adm.trusted ? ThrottleScope::device : ThrottleScope::pair;
  adm.own = key(own_scope, a);
  if (!adm.trusted) {
    adm.login = key(ThrottleScope::login, a);
    adm.address = key(ThrottleScope::address, a);
  }
  auto consider = [&](std::uint64_t k, ThrottleScope scope) {
    auto it = by_key_.find(k);
    if (it == by_key_.end()) return;
    Entry& e = *it->second;
    forgive(e, now);
    if (e.blocked_until <= now) return;
    // A delay that is being tried against stays among the most recently touched: a full
    // table evicts the quiet entries first.
    lru_.splice(lru_.end(), lru_, it->second);
    if (e.blocked_until - now > adm.retry_ms) {
      adm.retry_ms = e.blocked_until - now;
      adm.scope = scope;
    }
  };
  consider(adm.own, own_scope);
  if (!adm.trusted) {
    consider(adm.login, ThrottleScope::login);
    consider(adm.address, ThrottleScope::address);
  }
  adm.admitted = adm.retry_ms == 0;
  return adm;
}

Admission LoginThrottle::check(const LoginAttempt& a, TimeMs now) {
  std::lock_guard lock(mu_);
  return look(a, now);
}

Admission LoginThrottle::admit(const LoginAttempt& a, TimeMs now) {
  std::lock_guard lock(mu_);
  Admission adm = look(a, now);
  if (!adm.admitted) return adm;
  const ThrottleScope own_scope = adm.trusted ? ThrottleScope::device : ThrottleScope::pair;
  Entry& own = touch(adm.own, own_scope, now);
  adm.counts_wider = !adm.trusted && own.count < static_cast<std::uint32_t>(std::max(policy_.pair_free, 0));
  if (own.count == 0) own.forgiven_at = now;
  ++own.count;
  // Until this attempt's outcome is known, the next one is held as if it had failed.
  own.blocked_until = std::max(own.blocked_until, now + delay(own_scope, own.count));
  return adm;
}

void LoginThrottle::succeeded(const Admission& a) {
  std::lock_guard lock(mu_);
  if (auto it = by_key_.find(a.own); it != by_key_.end()) {
    lru_.erase(it->second);
    by_key_.erase(it);
  }
}

void LoginThrottle::failed(const Admission& a, TimeMs now) {
  const ThrottleScope own_scope = a.trusted ? ThrottleScope::device : ThrottleScope::pair;
  std::lock_guard lock(mu_);
  Entry& own = touch(a.own, own_scope, now);
  if (own.count == 0) {  // cleared meanwhile (a parallel success, or evicted): count it again
    own.forgiven_at = now;
    own.count = 1;
  }
  own.blocked_until = std::max(own.blocked_until, now + delay(own_scope, own.count));
  if (a.counts_wider) {
    count_failure(a.login, ThrottleScope::login, now);
    count_failure(a.address, ThrottleScope::address, now);
  }
}

namespace {

// A notice: version, 'f' (failed) or 's' (succeeded), flags, then three keys (little-endian).
constexpr char kNoticeVersion = 1;
constexpr std::size_t kNoticeBytes = 3 + 3 * sizeof(std::uint64_t);
enum NoticeFlags : unsigned char { kTrusted = 1, kCountsWider = 2 };

void put_key(std::string& out, std::uint64_t k) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((k >> (8 * i)) & 0xff));
}

std::uint64_t get_key(std::string_view in) {
  std::uint64_t k = 0;
  for (int i = 0; i < 8; ++i) k |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return k;
}

}  // namespace

std::string LoginThrottle::notice(const Admission& a, bool failed) {
  std::string out;
  out.reserve(kNoticeBytes);
  out.push_back(kNoticeVersion);
  out.push_back(failed ? 'f' : 's');
  out.push_back(static_cast<char>((a.trusted ? kTrusted : 0) | (a.counts_wider ? kCountsWider : 0)));
  put_key(out, a.own);
  put_key(out, a.login);
  put_key(out, a.address);
  return out;
}

bool LoginThrottle::apply_notice(std::string_view bytes, TimeMs now) {
  if (bytes.size() != kNoticeBytes || bytes[0] != kNoticeVersion ||
      (bytes[1] != 'f' && bytes[1] != 's')) {
    return false;
  }
  const auto flags = static_cast<unsigned char>(bytes[2]);
  Admission a;
  a.trusted = flags & kTrusted;
  a.counts_wider = flags & kCountsWider;
  a.own = get_key(bytes.substr(3));
  a.login = get_key(bytes.substr(11));
  a.address = get_key(bytes.substr(19));
  if (bytes[1] == 's') {
    succeeded(a);
    return true;
  }
  // Here the attempt was never admitted (counted in advance): its failure counts now.
  const ThrottleScope own_scope = a.trusted ? ThrottleScope::device : ThrottleScope::pair;
  std::lock_guard lock(mu_);
  count_failure(a.own, own_scope, now);
  if (a.counts_wider) {
    count_failure(a.login, ThrottleScope::login, now);
    count_failure(a.address, ThrottleScope::address, now);
  }
  return true;
}

void LoginThrottle::sweep(TimeMs now, std::size_t max_steps) {
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < max_steps && !lru_.empty(); ++i) {
    Entry& e = lru_.front();
    forgive(e, now);
    if (e.count > 0 || e.blocked_until > now) return;
    by_key_.erase(e.key);
    lru_.pop_front();
  }
}

std::size_t LoginThrottle::size() {
  std::lock_guard lock(mu_);
  return by_key_.size();
}

std::uint64_t LoginThrottle::evictions() {
  std::lock_guard lock(mu_);
  return evictions_;
}

}  // namespace tonari::services
