// The SQLite implementation of Store: one database file in WAL mode, one writer thread with
// group commit (see writer.h) and a pool of read-only connections for concurrent reads.
// Thread safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "store/sqlite/db.h"
#include "store/sqlite/post_cache.h"
#include "store/sqlite/writer.h"
#include "store/store.h"

namespace tonari::store::sqlite {

struct Options {
  std::string path;                    // database file
  std::string synchronous = "FULL";    // FULL: every commit is fsynced before any ack
  std::size_t max_batch = 1024;        // jobs per group commit
  int wal_limit_frames = 16384;        // Writer: about 64 MiB of log (4 KiB pages)
  // Full-text search documents written with each post, edit, note and file (issue 22).
  // false only to measure what indexing costs a post ([search] index, the bench): no
  // documents are written, and the next open with it on writes the missing ones.
  bool search_index = true;
};

class SqliteStore final : public Store {
 public:
  // Opens (creating and migrating if needed) the database. Throws DbError at start-up only.
  explicit SqliteStore(Options opts);
  ~SqliteStore() override;

  const WriterStats& writer_stats() const { return stats_; }
  // Writes' callbacks run through `handoff` from now on instead of on the writer thread
  // (Writer::hand_off_callbacks); those pending at shutdown() run on its caller.
  void hand_off_callbacks(Handoff handoff) override {
    writer_->hand_off_callbacks(std::move(handoff));
  }
  // Applies every queued write (running its callback) and stops the writer. Writes
  // submitted from then on, from any thread, fail at once with unavailable.
  void shutdown() override;

  Status ping() override;
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
  void claim_node_id(TimeMs now, Callback<std::int64_t> done) override;
  void ensure_secret(std::string name, std::string fresh, Callback<std::string> done) override;

  // Working together (sqlite_store_collab.cc).
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

  // Full-text search (search_index.h).
  Result<SearchPage> search(const SearchQuery& q) override;
  // Each batch is a write job of its own (others' writes go on between them); the
  // calling thread waits for each. Not from the writer thread.
  Result<std::int64_t> reindex(TenantId tenant, int batch,
                               const std::function<void(std::int64_t, std::int64_t)>& progress) override;
  // Puts every pending search document into the FTS index now (search_index.h,
  // flush_search_index), as the checkpointer does every so often; returns how many.
  Result<std::int64_t> index_pending();
  // One step of merging the index's segments, as the checkpointer runs them while the
  // writer is idle (search_index.h, merge_search_index); false: nothing left to merge.
  Result<bool> merge_index_step();
  // Whether the index has segments to merge once the writer is idle (a metric).
  bool index_merge_owed() const { return opts_.search_index && merge_owed_.load(); }
  // Segments in the FTS index (search_index_segments).
  Result<std::int64_t> index_segments();
  // Search documents posted and not yet flushed into the index (about; a metric).
  std::int64_t unindexed_documents() const { return std::max<std::int64_t>(0, unindexed_.load()); }

 private:
  class ReaderLease;
  ReaderLease reader();
  void release(std::unique_ptr<Connection> c);

  // Queues `fn` (run in a savepoint on the writer thread) and reports its result to `done`.
  template <class T, class Fn>
  void write(Fn fn, Callback<T> done);
  // The same for a job that writes with at most one statement, after all of its checks
  // (Undo::statement): it runs without a savepoint.
  template <class T, class Fn>
  void write_one_statement(Fn fn, Callback<T> done);
  // The same for a job that refuses only before its first write (Undo::whole_batch): it
  // runs without a savepoint, and a storage error after its first write fails the batch.
  // `keeps_writer_cache`: the job changes post_cache_'s rooms only through it.
  template <class T, class Fn>
  void write_checks_first(Fn fn, Callback<T> done, bool keeps_writer_cache);
  // write(), and waits for its result on the calling thread (not the writer's).
  template <class T, class Fn>
  Result<T> write_and_wait(Fn fn);
  // Hands a job to the writer (or fails it at once after shutdown()).
  void submit(std::unique_ptr<WriteJob> job);

  // Reads through a pooled connection; DbError becomes Status internal.
  template <class T, class Fn>
  Result<T> read(Fn fn);

  // Constant after construction.
  const Options opts_;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> pool_;  // guarded by pool_mu_
  std::unique_ptr<Writer> writer_;  // constant after construction (stopped by shutdown())

  // Checkpoints run here, not in the writer's commits (SQLite's automatic checkpoint would
  // add the database file's fsync to some commits' latency); the writer only finishes one
  // when the log has grown long under a sustained load (WriterOptions::wal_limit_frames).
  void checkpoint_loop();
  // New frames between two checkpoints that make the next one come sooner.
  static constexpr int kBusyFrames = 1000;
  std::mutex ckpt_mu_;
  std::condition_variable ckpt_cv_;
  bool ckpt_stop_ = false;  // guarded by ckpt_mu_
  std::thread checkpointer_;
  // Search documents written since the last flush (about: the flush takes what is
  // pending, whoever wrote it); the checkpointer has them indexed once there are
  // kFlushDocs, or kFlushAfter after the last flush (sqlite_store_search.cc).
  void maybe_flush_search();
  static constexpr std::int64_t kFlushDocs = 2000;
  static constexpr std::int64_t kMaxFlushDocs = 5000;
  static constexpr std::chrono::milliseconds kFlushAfter{1000};
  std::atomic<std::int64_t> unindexed_{0};
  std::atomic<bool> flushing_{false};
  // The last flush took a whole kMaxFlushDocs: more are waiting (a burst of posts), and the
  // checkpointer comes back at its fast pace until they are in.
  std::atomic<bool> flush_backlog_{false};
  std::chrono::steady_clock::time_point last_flush_{};  // the checkpointer's
  // Merging the index while the writer is idle (merge_search_index): owed after a flush,
  // done one step at a time, each a write job of kMergePages (tens of milliseconds), while
  // others' writes come slower than kIdleJobsPerSecond.
  void maybe_merge_search();
  static constexpr int kMergePages = 250;
  static constexpr double kIdleJobsPerSecond = 200;
  std::atomic<bool> merge_owed_{true};
  std::atomic<bool> merging_{false};
  // The write jobs the checkpointer submitted itself (flushes, merges); at its last look,
  // those and all the writer's, and when; whether the writer was idle then.
  std::atomic<std::uint64_t> search_jobs_{0};
  std::uint64_t seen_jobs_ = 0, seen_search_jobs_ = 0;
  std::chrono::steady_clock::time_point seen_at_ = std::chrono::steady_clock::now();
  bool idle_ = false;
  WriterStats stats_;               // kept after shutdown
  PostCache post_cache_;            // the writer thread's (post_message)
};

}  // namespace tonari::store::sqlite
