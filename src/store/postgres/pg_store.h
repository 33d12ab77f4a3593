// The PostgreSQL implementation of Store, for the hosted service: several tonari nodes share
// one database. Reads go through a bounded pool of connections; writes are queued and
// applied by writer threads, each with its own connection, in batches of one transaction
// each (group commit), the hot ones (post_message, mark_read) as one server-side function
// call each, sent in pipeline mode. A room's writes always go to the same writer, so its
// events reach the callbacks in sequence order; the callbacks of all writers run one at a
// time, after their COMMIT returned.
// When PostgreSQL is down, reads and writes fail fast with unavailable (never a false ack);
// connections are made again, with a short backoff, when it is back.
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "store/commit_stats.h"
#include "store/store.h"

namespace tonari::store::postgres {

struct Options {
  std::string conninfo;         // libpq URI, e.g. postgres://tonari@127.0.0.1:5432/tonari
  int pool_size = 8;            // connections for reads (a read waits at most kReadWait for one)
  int writers = 2;              // connections that apply writes, one thread each
  std::size_t max_batch = 256;  // writes per transaction (group commit)
  int connect_timeout_s = 5;
  // Full-text search documents for each post (by the indexer, moments later), edit, note
  // and file (issue 22).
  // false only to measure what indexing costs a post ([search] index, the bench): no
  // documents are written (deletions still drop theirs), search() is unavailable, and the
  // index is marked incomplete until `tonari admin migrate` or `reindex` completes it.
  bool search_index = true;
  // The indexer thread (search_indexer.h) that writes the documents of posted messages;
  // tests turn it off to see them pending, and call index_pending().
  bool index_in_background = true;
  // How many of the newest documents a search reads one by one before it asks the index
  // (search_docs.cc, run_search); tests make it small to reach the index with a few.
  std::int64_t search_window = 10000;
};

// This binary's schema version.
std::int64_t latest_version();

// Applies the migrations up to latest_version() under an advisory lock (several nodes may
// call it at once), then writes the search documents if they are not all written (the
// upgrade to version 5: `search.reindex` progress in the log), and returns the version
// reached. Throws std::runtime_error if the
// database cannot be reached or a migration fails, or when the database is newer than this
// binary.
std::int64_t migrate(const std::string& conninfo);

class ReadPool;
class WriterGroup;
class SearchIndexer;
class PgConn;
class Params;

class PgStore final : public Store {
 public:
  // Connects. Throws std::runtime_error at start-up if the database is unreachable or its
  // schema version is not latest_version() (the message says to run `tonari admin migrate`,
  // or that the database is newer than this tonari).
  explicit PgStore(Options opts);
  ~PgStore() override;

  // The writers' group commits, for /metrics (kept after shutdown).
  const CommitStats& commit_stats() const { return stats_; }

  Status ping() override;
  void hand_off_callbacks(Handoff handoff) override;
  void shutdown() override;
  void claim_node_id(TimeMs now, Callback<std::int64_t> done) override;
  void ensure_secret(std::string name, std::string fresh, Callback<std::string> done) override;

  Result<Tenant> tenant_by_code(std::string_view code) override;
  Result<Tenant> tenant(TenantId id) override;
  Result<std::vector<Department>> departments(TenantId tenant) override;
  Result<User> user(UserId id) override;
  Result<Credentials> credentials(TenantId tenant, std::string_view login) override;
  Result<std::vector<User>> find_users(TenantId tenant, std::string_view folded_query,
                                       const std::vector<DeptId>& depts, int limit) override;
  Result<std::vector<User>> users_in_tenant(TenantId tenant,
                                            const std::vector<UserId>& ids) override;
  Result<Session> session(std::string_view token_hash) override;
  Result<std::vector<Revocation>> revocations_after(std::int64_t after, int limit) override;
  Result<Room> room(RoomId id) override;
  Result<std::optional<Member>> member(RoomId room, UserId user) override;
  Result<std::pair<Room, std::optional<Member>>> room_and_member(RoomId room,
                                                                 UserId user) override;
  Result<std::vector<std::pair<User, Member>>> members(RoomId room) override;
  Result<MemberPage> members_page(RoomId room, const MemberKey& after, int limit,
                                  const MemberFilter& filter) override;
  Result<std::pair<std::int64_t, std::int64_t>> reader_counts(RoomId room, Seq seq,
                                                              UserId sender) override;
  Result<std::vector<RoomSummary>> rooms_for_user(UserId user) override;
  Result<RoomSummary> room_summary(RoomId room, UserId user) override;
  Result<std::vector<std::pair<RoomId, EventNo>>> room_cursors(UserId user) override;
  Result<std::optional<RoomId>> direct_room(UserId a, UserId b) override;
  Result<std::vector<std::pair<RoomId, EventNo>>> room_heads(
      const std::vector<RoomId>& rooms) override;
  Result<std::vector<Message>> messages(RoomId room, Seq after, Seq before, int limit) override;
  Result<Message> message(RoomId room, Seq seq) override;
  Result<std::vector<RoomEvent>> events_after(RoomId room, EventNo after, int limit) override;
  Result<std::vector<std::pair<RoomId, std::vector<RoomEvent>>>> events_after_as_member(
      UserId user, const std::vector<std::pair<RoomId, EventNo>>& after, int limit) override;
  Result<std::vector<Room>> synced_rooms(TenantId tenant) override;
  Result<std::vector<ReadCount>> read_counts(RoomId room, Seq lo, Seq hi) override;

  void create_tenant(std::string code, std::string name, TimeMs now,
                     Callback<Tenant> done) override;
  void create_department(Department d, Callback<Department> done) override;
  void create_user(NewUser u, TimeMs now, Callback<User> done) override;
  void set_status(UserId user, std::string status, Callback<User> done) override;
  void update_user(UserId user, UserPatch patch, Callback<User> done) override;
  void set_user_disabled(UserId user, bool disabled, TimeMs now, Callback<User> done) override;
  void create_session(Session s, Callback<bool> done) override;
  void extend_session(std::string token_hash, TimeMs expires_at, Callback<bool> done) override;
  void delete_session(std::string token_hash, Callback<bool> done) override;
  void purge_sessions(TimeMs now, Callback<std::int64_t> done) override;
  void create_room(NewRoom r, Callback<RoomChange> done) override;
  void add_members(RoomId room, UserId by, std::vector<UserId> users, TimeMs now,
                   std::int64_t max_members, RoomRule may, Callback<RoomChange> done) override;
  void remove_member(RoomId room, UserId by, UserId user, TimeMs now, RoomRule may,
                     Callback<RoomChange> done) override;
  void take_over_room(RoomId room, UserId user, TimeMs now, Callback<RoomChange> done) override;
  void update_room(RoomId room, UserId by, RoomPatch patch, TimeMs now, RoomRule may,
                   Callback<RoomChange> done) override;
  void set_member_role(RoomId room, UserId by, UserId user, MemberRole role, TimeMs now,
                       RoomRule may, Callback<RoomChange> done) override;
  void post_message(NewMessage m, Callback<RoomChange> done) override;
  void edit_message(RoomId room, Seq seq, UserId editor, std::string body, TimeMs now,
                    Callback<RoomChange> done) override;
  void delete_message(RoomId room, Seq seq, UserId by, TimeMs now,
                      Callback<RoomChange> done) override;
  void mark_read(RoomId room, UserId user, Seq seq, TenantId tenant,
                 Callback<ReadChange> done) override;

  void react(NewReaction r, Callback<RoomChange> done) override;
  void answer_action(NewAnswer a, Callback<RoomChange> done) override;
  void publish_action(RoomId room, Seq seq, TimeMs now, Callback<RoomChange> done) override;
  void publish_acks(RoomId room, Seq seq, TimeMs now, Callback<RoomChange> done) override;
  void close_action(RoomId room, Seq seq, UserId by, TimeMs now, AuthorRule may,
                    Callback<RoomChange> done) override;
  void remind_action(RoomId room, Seq seq, UserId by, TimeMs now, AuthorRule may,
                     Callback<RoomChange> done) override;
  void create_note(NewNote n, RoomRule may, Callback<RoomChange> done) override;
  void update_note(NoteEdit e, RoomRule may, Callback<RoomChange> done) override;
  void delete_note(RoomId room, NoteId note, UserId by, TimeMs now, AuthorRule may,
                   Callback<RoomChange> done) override;
  void pin(RoomId room, UserId by, Pin::Kind kind, std::int64_t target, TimeMs now,
           RoomRule may, Callback<RoomChange> done) override;
  void unpin(RoomId room, UserId by, Pin::Kind kind, std::int64_t target, TimeMs now,
             RoomRule may, Callback<RoomChange> done) override;
  Result<ViewerMarks> viewer_marks(RoomId room, Seq lo, Seq hi, UserId viewer) override;
  Result<UserPage> reactors_page(RoomId room, Seq seq, const std::string& key,
                                 const MemberKey& after, int limit) override;
  Result<ActionState> action(RoomId room, Seq seq) override;
  Result<UserPage> action_answers_page(RoomId room, Seq seq, int option, int value,
                                       const MemberKey& after, int limit) override;
  Result<std::vector<Note>> notes(RoomId room) override;
  Result<Note> note(RoomId room, NoteId note) override;
  Result<std::vector<NoteVersion>> note_versions(RoomId room, NoteId note) override;
  Result<NoteVersion> note_version(RoomId room, NoteId note, std::int64_t version) override;
  Result<std::vector<Pin>> pins(RoomId room) override;

  Result<FileInfo> file(FileId id) override;
  Result<std::int64_t> tenant_file_bytes(TenantId tenant) override;
  void create_file(NewFile f, std::int64_t quota_bytes, Callback<FileInfo> done) override;
  void claim_file_job(std::int64_t node, TimeMs now, TimeMs lease_ms,
                      Callback<std::optional<FileInfo>> done) override;
  void release_file_jobs(std::int64_t node, Callback<std::int64_t> done) override;
  void finish_file_job(FileOutcome o, Callback<RoomChange> done) override;
  Result<std::optional<std::string>> tenant_setting(TenantId tenant,
                                                    std::string_view key) override;
  void set_tenant_setting(TenantId tenant, std::string key, std::string value,
                          Callback<bool> done) override;
  void set_internet_allowed(UserId user, bool allowed, Callback<User> done) override;
  void set_user_flags(UserId user, bool crisis, bool dept_head, Callback<User> done) override;

  // 確認必須 and 安否確認 (issue 23): pg_store_safety.cc.
  void ack_message(RoomId room, Seq seq, UserId user, TenantId tenant, TimeMs now,
                   Callback<RoomChange> done) override;
  Result<std::pair<std::int64_t, std::int64_t>> ack_counts(RoomId room, Seq seq,
                                                           UserId sender) override;
  void remind_ack(RoomId room, Seq seq, UserId by, DeptId dept, TimeMs now, AuthorRule may,
                  Callback<RoomChange> done) override;
  void start_safety(SafetyStart s, Callback<SafetyStarted> done) override;
  void answer_safety(SafetyAnswerWrite a, Callback<SafetyAnswered> done) override;
  void close_safety(SafetyId id, TenantId tenant, UserId by, TimeMs now,
                    Callback<SafetyCheck> done) override;
  Result<SafetyCheck> safety_check(SafetyId id) override;
  Result<std::vector<std::pair<SafetyCheck, SafetyTarget>>> open_safety_checks_for(
      UserId user) override;
  Result<SafetyCheckPage> safety_checks(TenantId tenant, SafetyId before, int limit) override;
  Result<SafetyTally> safety_tally(SafetyId id, DeptId dept) override;
  Result<SafetyTargetPage> safety_targets_page(SafetyId id, const SafetyTargetFilter& filter,
                                               const MemberKey& after, int limit) override;
  Result<SafetyTarget> safety_target(SafetyId id, UserId user) override;
  Result<std::vector<SafetyAnswer>> safety_answer_history(SafetyId id, UserId user) override;
  Result<std::vector<UserId>> safety_unanswered_ids(SafetyId id, DeptId dept) override;
  Result<std::optional<SafetyCheck>> safety_check_by_event(TenantId tenant,
                                                           std::string_view event) override;

  // Full-text search (search_docs.h). reindex runs on a connection of its own, each batch a
  // transaction that holds its rooms' share locks (the writers of those rooms wait for it,
  // the others go on); the calling thread waits for it all.
  Result<SearchPage> search(const SearchQuery& q) override;
  Result<std::int64_t> reindex(TenantId tenant, int batch,
                               const std::function<void(std::int64_t, std::int64_t)>& progress) override;
  // Writes the documents of every pending message now (tests); how many it took.
  Result<std::int64_t> index_pending();
  // Messages posted whose documents are not written yet, as the indexer last counted.
  std::int64_t unindexed_documents() const;

 private:
  // Runs `fn(PgConn&) -> Result<T>` on a pooled connection (store_impl.h).
  template <class T, class Fn>
  Result<T> read(Fn fn);
  // The same in one read-only snapshot (a transaction), for reads of several statements
  // that must agree.
  template <class T, class Fn>
  Result<T> read_snapshot(Fn fn);
  // Queues `fn(PgConn&) -> Result<T>` to run in a savepoint of a writer's batch, for the
  // writer of `room` (0: a write about no room), and reports to `done` after the commit.
  template <class T, class Fn>
  void write(RoomId room, Fn fn, Callback<T> done);
  // The same for a write of one statement, sent in a pipeline with others of its batch;
  // `decode(const PgResult&) -> Result<T>` reads its rows.
  template <class T, class Decode>
  void write_statement(RoomId room, const char* sql, Params params, Decode decode,
                       Callback<T> done);

  // Constant after construction.
  const Options opts_;
  CommitStats stats_;
  std::unique_ptr<ReadPool> pool_;
  std::unique_ptr<WriterGroup> writers_;  // stopped by shutdown(), kept until the store goes
  std::unique_ptr<SearchIndexer> indexer_;  // null when indexing is off; stopped by shutdown()
};

}  // namespace tonari::store::postgres
