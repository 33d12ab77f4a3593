// Accounts: municipalities, departments, staff, passwords, sessions, the directory and
// profiles. Logins are throttled (login_throttle.h: per login id and address pair, per
// known device, per address, per login id; growing delays, never a lock) and queued for
// their password check; wrong municipality code, login id and password are
// indistinguishable to the caller, and so are throttled known and unknown login ids.
// Thread safety: all methods may be called from any thread; callbacks run where the store
// runs its callbacks (its writer thread, or the I/O threads it hands them to), on the
// blocking pool, or (a login refused on arrival) on the caller's thread before login()
// returns.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <string>
#include <vector>

#include "services/context.h"
#include "services/known_devices.h"
#include "services/login_throttle.h"

namespace tonari::services {

struct LoginRequest {
  std::string tenant_code;
  std::string login;
  std::string password;
  std::string client_address;
  std::string device_token;  // from an earlier login's LoginResult, or empty
  bool internet = false;     // through an Internet-zone listener (User::internet_allowed)
};

// The refusal of a user whose Internet-zone use the administrator restricted (at login,
// on every request and WebSocket from that zone).
Status internet_restricted();

struct LoginResult {
  User user;
  Tenant tenant;
  std::string token;  // the secret; only its hash is stored
  std::string csrf;
  std::string device_token;  // for the client to present at its next login
};

// A login's outcome, and for rate_limited and unavailable the milliseconds to wait.
using LoginCallback = std::function<void(Result<LoginResult>, TimeMs retry_after_ms)>;

// Counters for /metrics.
struct LoginStats {
  std::uint64_t throttled = 0;  // attempts refused by the throttle
  std::uint64_t busy = 0;       // attempts refused because the queue was full
  std::uint64_t queued = 0;     // attempts waiting for a password check now
  std::uint64_t throttle_entries = 0;
  std::uint64_t throttle_evictions = 0;
};

struct NewUserRequest {
  std::string tenant_code;
  std::string login;
  std::string name;
  std::string reading;
  std::string password;
  // The department's code, full path (総務部/総務課/庶務係) or unambiguous name
  // (org::resolve), or empty.
  std::string department;
  std::string title;
  std::string status;
  bool admin = false;
  // Instead of `password`: its hash (hash_password), for the demo's accounts, which share
  // one published password and so one hash (hashing each took most of a demo start).
  std::string password_hash;
};

class Accounts {
 public:
  explicit Accounts(Context& ctx);

  // Verifies credentials and opens a session. The password check waits in a bounded
  // queue for one of the blocking pool's threads; nothing waits on the caller's thread.
  // Errors: unauthenticated (any mismatch), rate_limited (the throttle: wait
  // retry_after_ms), unavailable (the queue is full: wait retry_after_ms), zone_forbidden
  // (the right password, through an Internet-zone listener, for a user who may not use
  // that zone: no session is made).
  void login(LoginRequest req, LoginCallback done);
  // The session for a token, if valid and not expired. unauthenticated otherwise.
  Result<Actor> authenticate(std::string_view token);
  void logout(const Actor& actor, store::Callback<bool> done);
  // Whether `user` is a target of an open 安否確認 that may be answered from the Internet
  // zone: the one exception to 利用制限 (login and GET /api/me there).
  bool answers_from_internet(UserId user);
  // ok while the session of `actor` is still valid (not logged out, not expired, account
  // not disabled); unauthenticated once it is not; with `internet`, zone_forbidden once the
  // user may no longer use the Internet zone; another error if the store could not tell
  // (the session is then not taken for ended).
  Status still_valid(const Actor& actor, bool internet = false);

  // Drops cached sessions older than kCacheMs (the housekeeping ticker calls it every
  // second), so that the cache holds the tokens used in the last seconds, not every token
  // ever seen; and the login throttle's forgiven entries.
  void expire_cache(TimeMs now);
  // Forgets the cached sessions of `user` (a revocation: the next request reads them again).
  void forget_user(UserId user);

  LoginStats login_stats();
  // How long a known-device token stays valid (the device cookie's Max-Age).
  TimeMs device_ttl_ms() const { return ctx_.limits.login.device_ttl_ms; }

  // The departments of the actor's municipality, with their paths.
  Result<std::vector<Department>> departments(const Actor& actor);
  // Directory search in the actor's municipality, 五十音 order, disabled accounts left
  // out. `dept` 0 = everyone; otherwise that department and its descendants. A query
  // finds users by name or reading and everyone of a department whose name contains it
  // (and of its sub-departments): 防災 finds everyone in 防災係.
  Result<std::vector<User>> find_users(const Actor& actor, std::string_view query, DeptId dept,
                                       int limit);
  Result<User> user(const Actor& actor, UserId id);
  // Sets the actor's status line; rate_limited (with a retry hint) over their write rate
  // (Context::take_write).
  void set_status(const Actor& actor, std::string status, store::Callback<User> done);
  // The actor's own status line and extension (内線), those given; rate_limited as
  // set_status.
  void update_me(const Actor& actor, std::optional<std::string> status,
                 std::optional<std::string> extension, store::Callback<User> done);
  // An administrator's edit of a user's profile (a transfer: 異動): `admin` must be a tenant
  // admin of the user's municipality (the CLI: null, anyone). invalid_argument for a bad
  // field or a department not of the municipality. `done` gets the user before and after
  // (the caller follows a department change with Rooms::sync_user).
  void update_user(const Actor* admin, UserId id, store::UserPatch patch,
                   store::Callback<std::pair<User, User>> done);
  // The departments' paths (総務部/総務課/庶務係) of `tenant`, by id.
  Result<std::unordered_map<DeptId, std::string>> department_paths(TenantId tenant);

  // Administration (CLI and seeding). Synchronous: they wait for the commit.
  Result<Tenant> create_tenant(const std::string& code, const std::string& name);
  // Creates a department under `parent` (0: a top department). `code` empty: one is
  // generated. invalid_argument for a bad code or name; conflict if the code is taken or a
  // sibling has the name.
  Result<Department> create_department(TenantId tenant, DeptId parent, const std::string& name,
                                       const std::string& reading, const std::string& code = {});
  // The department of `tenant` that `ref` names (org::resolve: code, full path or a name
  // only one department has), its path filled.
  Result<Department> find_department(TenantId tenant, std::string_view ref);
  Result<User> create_user(const NewUserRequest& req);
  // Creates many users (CSV import): passwords are hashed on all cores and the rows are
  // committed in group commits. One result per request, in order; a failed row does not
  // stop the others.
  std::vector<Result<User>> create_users(const std::vector<NewUserRequest>& reqs);
  // Disables (staff who left, 退職・異動) or enables again the account `login` of the
  // municipality `tenant_code`. Disabling logs it out everywhere: its sessions are deleted,
  // and servers close its live connections within about a second (serve.cc polls the
  // store's revocations). not_found for an unknown municipality or login.
  Result<User> set_disabled(const std::string& tenant_code, const std::string& login,
                            bool disabled);

 private:
  // Sessions are read from the store at most every kCacheMs per token (a request costs one
  // read, the user's, instead of three). Logging out takes effect at once on this node, and
  // on the other nodes of a cluster when the logout's bus notice reaches them (a lost
  // notice: within kCacheMs).
  static constexpr TimeMs kCacheMs = 5000;
  Result<store::Session> cached_session(const std::string& hash, TimeMs now);
  Result<Tenant> cached_tenant(TenantId id, TimeMs now);

  // Checks (and trims) the profile fields `p` gives.
  Status check_profile(store::UserPatch& p) const;
  static constexpr std::size_t kMaxExtensionChars = 32;
  // Validates `req` and hashes its password: the row create_user() would insert.
  Result<store::NewUser> prepare_user(const NewUserRequest& req);

  // A login waiting for or in its password check.
  struct PendingLogin {
    LoginRequest req;
    Admission admission;  // set as its check starts
    std::string device;  // the known device's id, or empty
    LoginCallback done;
  };
  // On a blocking thread: checks `p`, then the queued logins, until the queue is empty.
  void verify_loop(PendingLogin p);
  // Admits `p` to the throttle and checks its password; false if it was refused unchecked.
  bool verify(PendingLogin p);
  void refuse_busy(PendingLogin p, TimeMs retry_ms, const char* why);
  void refuse_throttled(PendingLogin p, const Admission& adm);
  static LoginAttempt attempt(const PendingLogin& p);
  // Requires queue_mu_: how long a login queued now would wait for its check.
  TimeMs expected_wait_ms() const;

  Context& ctx_;
  const KnownDevices devices_;
  LoginThrottle throttle_;
  std::string dummy_hash_;  // verified against when the login id is unknown (equal timing)
  std::atomic<std::uint64_t> throttled_{0};
  std::atomic<std::uint64_t> busy_{0};

  std::mutex queue_mu_;
  std::deque<PendingLogin> queue_;  // guarded by queue_mu_
  int running_ = 0;                 // verify loops on the blocking pool; guarded by queue_mu_
  TimeMs mean_check_us_ = 0;        // a password check's moving mean; guarded by queue_mu_

  std::mutex cache_mu_;
  std::unordered_map<std::string, std::pair<store::Session, TimeMs>> sessions_;  // guarded
  std::unordered_map<TenantId, std::pair<Tenant, TimeMs>> tenants_;              // guarded
};

// Runs an asynchronous store call and waits for its result (for CLI and start-up code,
// never on an I/O thread).
template <class T, class Start>
Result<T> wait_for(Start start);

}  // namespace tonari::services

#include <future>

namespace tonari::services {
template <class T, class Start>
Result<T> wait_for(Start start) {
  std::promise<Result<T>> p;
  auto f = p.get_future();
  start([&p](Result<T> r) { p.set_value(std::move(r)); });
  return f.get();
}
}  // namespace tonari::services
