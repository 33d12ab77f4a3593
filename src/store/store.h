// Store: everything tonari persists, behind one interface (SQLite for a town hall,
// PostgreSQL for the hosted service). The store keeps integrity (sequence numbers, unique
// ids, membership at write time); *policy* (who may do what) belongs to services/policies.
//
// Reads are synchronous and may be called from any thread. Writes are asynchronous: the
// callback runs after the write is durable (or failed). The callbacks of writes that
// reached the writer run in commit order, one at a time — on the store's writer thread, or
// where the store hands them off to (the server runs them on its I/O threads); a write
// refused at once (queue full, store shut down) is called back on the caller's thread.
// Callbacks must be quick and must not block or call write methods synchronously waiting
// for them. A write either happens completely or not at all.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "store/safety.h"

namespace tonari::store {

template <class T>
using Callback = std::function<void(Result<T>)>;

// Runs `work` somewhere else, later (e.g. posted to the I/O threads).
using Handoff = std::function<void(std::function<void()> work)>;

// A permission rule that a write applies in its own transaction, to the room and to the
// acting user's membership as that transaction reads them: no other write can come between
// the check and the change. The rule is policy (services/policies.h); the store only
// applies it, and fails the write with the status it returns. Empty: no check (the CLI,
// seeding).
using RoomRule = std::function<Status(const Room& room, const std::optional<Member>& by)>;

struct NewUser {
  TenantId tenant = 0;
  std::string login;
  std::string name;
  std::string reading;
  DeptId dept = 0;
  std::string title;
  std::string status;
  Role role = Role::staff;
  std::string password_hash;
};

struct Credentials {
  User user;
  std::string password_hash;
};

// A user whose sessions were ended (their account disabled): servers recheck that user's
// live connections.
struct Revocation {
  std::int64_t id = 0;
  UserId user = 0;
};

struct Session {
  std::string token_hash;
  UserId user = 0;
  std::string csrf;
  TimeMs created_at = 0;
  TimeMs expires_at = 0;
};

struct NewRoom {
  TenantId tenant = 0;
  RoomKind kind = RoomKind::group;
  std::string name;
  UserId creator = 0;
  std::vector<UserId> members;  // besides the creator
  TimeMs now = 0;
  std::int64_t max_members = 0;  // the room's cap, creator included (room_full); 0: none
  std::string description;  // group rooms
  RoomRules rules;          // group rooms
};

// A place in a room's member list, whose order is 五十音 (the users' readings, then their
// names: the order of find_users) then user id. The default value is the start of the list.
struct MemberKey {
  // The user's order key as the store keeps it with the member (bytes: the reading's sort
  // key, 0x00, the name's; opaque to callers, who only hand back what a page gave them).
  std::string sort_key;
  UserId user = 0;
};

// One page of a member list, and where the next one starts if there is more.
struct MemberPage {
  std::vector<std::pair<User, Member>> members;
  std::optional<MemberKey> next;  // the key of the page's last row, when more follow
};

// Which members a page holds: all, those other than a message's sender who have (or have
// not) read it, those who have not answered the action stamp of message `seq` (a task:
// its assignees who are still members and not done), or those other than the sender who
// have (or have not) acknowledged message `seq` (確認必須, ack_message).
struct MemberFilter {
  enum Kind { all, read, unread, unanswered, acked, unacked };
  Kind kind = all;
  Seq seq = 0;         // read / unread / unanswered / acked / unacked: the message
  UserId sender = 0;   // read / unread / acked / unacked: left out
  // acked / unacked: only members whose department is this one or in its subtree; 0: any.
  DeptId dept = 0;
};

// A page of a check's targets (Store::safety_targets_page) in the member-list order.
struct SafetyTargetPage {
  std::vector<SafetyTarget> targets;
  std::optional<MemberKey> next;
};

// A search (Store::search). Every filter narrows; the permission filter is `rooms`.
struct SearchQuery {
  TenantId tenant = 0;
  std::vector<RoomId> rooms;          // the rooms the searcher may read now; empty: no result
  std::vector<std::string> terms;     // search::Query::terms: each must occur (non-empty)
  std::vector<std::string> excluded;  // search::Query::excluded: none may occur
  enum class Kind { all, messages, notes, files };
  Kind kind = Kind::all;
  bool has_file = false;   // only messages with files, and files
  UserId sender = 0;       // only documents of this sender (message sender, note's last
                           // editor, file's uploader); 0: anyone
  TimeMs from = 0, to = 0; // at in [from, to); 0: open
  bool relevance = false;  // false: newest first; true: by search::relevance over the
                           // newest search::kRelevanceWindow matches (then newest first)
  std::string after;       // SearchPage::next of the previous page; empty: the first page
  int limit = 50;          // 1..100
};

// One search result: what it is, where, and its original text for the snippet.
struct SearchHit {
  enum class Kind { message, note, file };
  Kind kind = Kind::message;
  RoomId room = 0;
  Seq seq = 0;        // message, file: the message (a file's message)
  NoteId note = 0;    // note
  FileId file = 0;    // file
  UserId sender = 0;  // see SearchQuery::sender
  std::string sender_name;
  TimeMs at = 0;      // message: posted; note: last saved; file: its message posted
  std::string title;  // note: its title; file: its name
  std::string text;   // message: body; note: body; file: extracted text (may be empty).
                      // The document's search form is normalize(title + "\n" + text) for
                      // notes and files, normalize(text) for messages.
};

struct SearchPage {
  std::vector<SearchHit> hits;
  std::string next;  // opaque; empty when there is no more
};

// The most files one message may have (NewMessage::files).
inline constexpr std::size_t kMaxFilesPerMessage = 10;

struct NewMessage {
  RoomId room = 0;
  UserId sender = 0;
  // The sender's display name as the caller knows it (its session); empty: the store looks
  // it up.
  std::string sender_name;
  std::string client_id;
  std::string body;
  Seq reply_to = 0;
  std::vector<UserId> mentions;
  bool mention_all = false;
  TimeMs now = 0;
  // The sender's municipality: a room of another one is "not found" to them. 0: not
  // checked (internal callers).
  TenantId tenant = 0;
  // Files to attach (create_file), in this order: each must have been uploaded by the
  // sender to this room, not be attached yet, not be deleted nor blocked, and none twice
  // (invalid_argument "file N cannot be attached" otherwise, nothing written); at most
  // kMaxFilesPerMessage. With files the body may be empty.
  std::vector<FileId> files;
  // The sender is an administrator of the room's municipality: may post in an
  // announcement room without being one of its owners or admins.
  bool tenant_admin = false;
  // A stamp message (an id of core/stamps.h, checked by the caller): the body is empty.
  std::string stamp;
  // An action stamp this message asks (validated by the caller: services/actions.h); the
  // body may be empty. Stored with the message, with an empty tally.
  std::optional<ActionSpec> action;
  // 確認必須: members are asked to acknowledge it (ack_message). Not for a system message.
  bool ack_required = false;
};

// A reaction put or taken away (react).
struct NewReaction {
  RoomId room = 0;
  Seq seq = 0;
  UserId user = 0;
  TenantId tenant = 0;  // the reactor's municipality (0: not checked), as NewMessage::tenant
  std::string key;      // "s:" + a stamp id, or one emoji (checked by the caller)
  bool on = true;
  TimeMs now = 0;
};

// An answer to an action stamp (answer_action); empty picks: withdraw the answer.
struct NewAnswer {
  RoomId room = 0;
  Seq seq = 0;
  UserId user = 0;
  TenantId tenant = 0;
  std::vector<ActionPick> picks;  // by option, ascending (the rules of ActionPick)
  TimeMs now = 0;
};

// A page of users in 五十音 order (reactors, answerers), and where the next starts.
struct UserPage {
  std::vector<User> users;
  std::vector<TimeMs> at;              // when each reacted or answered
  std::vector<std::vector<ActionPick>> picks;  // action_answers_page with option < 0: each answer
  std::optional<MemberKey> next;
};

struct NewNote {
  RoomId room = 0;
  TenantId tenant = 0;  // the author's municipality (0: not checked)
  UserId by = 0;
  std::string title;
  std::string body;
  TimeMs now = 0;
};

// A save of a note: based on version `base_version` (conflict if that is no longer the
// current one), with this title and body; `restored_from` when it restores an old version.
struct NoteEdit {
  NoteId note = 0;
  RoomId room = 0;
  TenantId tenant = 0;
  UserId by = 0;
  std::int64_t base_version = 0;
  std::string title;
  std::string body;
  std::int64_t restored_from = 0;
  TimeMs now = 0;
};

// The most pins a room keeps (pin: conflict beyond).
inline constexpr std::size_t kMaxPinsPerRoom = 20;
// The most different reactions on one message (react: conflict beyond).
inline constexpr std::size_t kMaxReactionKeysPerMessage = 20;

// A rule about something a member made (an action stamp's asker, a note's creator),
// applied like RoomRule in the write's transaction: `author` is who made it.
using AuthorRule = std::function<Status(const Room& room, const std::optional<Member>& by,
                                        UserId author)>;

// The changes update_room makes: each field given replaces the room's.
struct RoomPatch {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<RoomRules> rules;
};

// The changes update_user makes: each field given replaces the user's.
struct UserPatch {
  std::optional<std::string> name;
  std::optional<std::string> reading;
  std::optional<DeptId> dept;  // 0: none
  std::optional<std::string> title;
  std::optional<std::string> extension;
  std::optional<std::string> status;
};

struct NewFile {
  TenantId tenant = 0;
  RoomId room = 0;
  UserId uploader = 0;
  std::string name;
  std::int64_t size = 0;
  std::string sha256;
  std::string declared_type;
  bool from_internet = false;
  TimeMs now = 0;
};

// What a sanitizing job found (finish_file_job): the fields of FileInfo it sets.
struct FileOutcome {
  FileId file = 0;
  std::int64_t node = 0;  // the node that holds the job's lease
  FileState state = FileState::ready;
  std::string reason;
  std::string detected_type;
  std::string clean_sha256;
  std::int64_t clean_size = 0;
  std::string clean_type;
  std::string clean_name;
  bool sanitized = false;
  std::string thumb_sha256;
  std::int32_t width = 0, height = 0, pages = 0;
  std::optional<double> lat, lon;
  // The text of the delivered file (a ready file: a PDF's or Office file's text, a text
  // file), UTF-8, at most kMaxFileTextBytes; kept for search (SearchHit::text).
  std::string text;
  TimeMs now = 0;
};
inline constexpr std::size_t kMaxFileTextBytes = 1 << 20;

// A message's 既読 count (read_counts): members other than its sender who have read it.
struct ReadCount {
  Seq seq = 0;
  UserId sender = 0;
  bool sender_is_member = false;  // the sender is still in the room
  std::int64_t count = 0;
  bool operator==(const ReadCount&) const = default;
};

// What a write that changes a room produced: the room after the change and its new events
// (to publish), plus membership changes for realtime subscription bookkeeping.
struct RoomChange {
  Room room;
  std::vector<RoomEvent> events;
  std::vector<UserId> joined;
  std::vector<UserId> left;
  bool created = true;  // false: an idempotent retry or an existing direct room
  std::optional<Message> message;
  std::optional<Note> note;            // the notes' writes: the note after the change
  std::optional<ActionState> action;   // the actions' writes: the question after the change
  std::int64_t count = 0;              // react: the key's count; remind_action: reminded
  Seq sender_read_before = 0;  // post_message: the sender's read position before the post
};

struct ReadChange {
  Seq old_seq = 0;
  Seq new_seq = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Health check: ok if the store answers a trivial query.
  virtual Status ping() = 0;

  // Writes' callbacks run through `handoff` from now on instead of on the store's own
  // thread(s); those pending at shutdown() run on its caller.
  virtual void hand_off_callbacks(Handoff handoff) = 0;
  // Applies every queued write (running its callback) and stops writing. Writes submitted
  // from then on, from any thread, fail at once with unavailable.
  virtual void shutdown() = 0;

  // ---- The cluster ------------------------------------------------------------------------
  // A number no other call of this store's database ever returned: a node's id, from which
  // its connections' tags are made (bus::Event::origin), unique across the cluster by
  // construction.
  virtual void claim_node_id(TimeMs now, Callback<std::int64_t> done) = 0;
  // The secret named `name` (e.g. "device_key") that every node of the cluster shares: the
  // stored one, or `fresh`, stored now, if there was none (the first caller wins a race).
  virtual void ensure_secret(std::string name, std::string fresh, Callback<std::string> done) = 0;

  // ---- Tenants, departments, users (reads) -------------------------------------------
  virtual Result<Tenant> tenant_by_code(std::string_view code) = 0;
  virtual Result<Tenant> tenant(TenantId id) = 0;
  virtual Result<std::vector<Department>> departments(TenantId tenant) = 0;
  virtual Result<User> user(UserId id) = 0;
  virtual Result<Credentials> credentials(TenantId tenant, std::string_view login) = 0;
  // Users of `tenant` whose search key contains `folded_query` (all if empty), limited to
  // `depts` if non-empty, in 五十音 order of their readings, at most `limit`.
  virtual Result<std::vector<User>> find_users(TenantId tenant, std::string_view folded_query,
                                               const std::vector<DeptId>& depts, int limit) = 0;
  // Of `ids`, those that are active users of `tenant`.
  virtual Result<std::vector<User>> users_in_tenant(TenantId tenant,
                                                    const std::vector<UserId>& ids) = 0;

  // ---- Sessions -----------------------------------------------------------------------
  virtual Result<Session> session(std::string_view token_hash) = 0;
  // Revocations (set_user_disabled) with an id above `after`, oldest first, at most `limit`:
  // servers poll them to recheck the named users' live connections.
  virtual Result<std::vector<Revocation>> revocations_after(std::int64_t after, int limit) = 0;

  // ---- Rooms and messages (reads) -----------------------------------------------------
  virtual Result<Room> room(RoomId id) = 0;
  virtual Result<std::optional<Member>> member(RoomId room, UserId user) = 0;
  // Both at once (one read on the hot paths): not_found if the room does not exist.
  virtual Result<std::pair<Room, std::optional<Member>>> room_and_member(RoomId room,
                                                                         UserId user) = 0;
  // Members with their users, in 五十音 order of readings: all of them (internal callers;
  // the API pages with members_page).
  virtual Result<std::vector<std::pair<User, Member>>> members(RoomId room) = 0;
  // Members after `after` in the member-list order (MemberKey) that pass `filter`, at most
  // `limit`, read along an index in that order: a page costs its rows, not the room's.
  virtual Result<MemberPage> members_page(RoomId room, const MemberKey& after, int limit,
                                          const MemberFilter& filter) = 0;
  // Members other than `sender` who have read message `seq`, and who have not.
  virtual Result<std::pair<std::int64_t, std::int64_t>> reader_counts(RoomId room, Seq seq,
                                                                      UserId sender) = 0;
  virtual Result<std::vector<RoomSummary>> rooms_for_user(UserId user) = 0;
  virtual Result<RoomSummary> room_summary(RoomId room, UserId user) = 0;
  // The rooms `user` is in, with their current event numbers.
  virtual Result<std::vector<std::pair<RoomId, EventNo>>> room_cursors(UserId user) = 0;
  virtual Result<std::optional<RoomId>> direct_room(UserId a, UserId b) = 0;
  // The current event number of each of `rooms` that exists, in the order of `rooms`: a
  // node compares them with what it delivered to find events the bus lost.
  virtual Result<std::vector<std::pair<RoomId, EventNo>>> room_heads(
      const std::vector<RoomId>& rooms) = 0;
  // Messages with seq in (after, before), ascending (before <= 0: no upper bound). With
  // after >= 0 the first `limit` of them; with after < 0 ("not given") the last `limit`.
  // Each message not deleted carries its read_count (the rule of read_counts).
  virtual Result<std::vector<Message>> messages(RoomId room, Seq after, Seq before, int limit) = 0;
  virtual Result<Message> message(RoomId room, Seq seq) = 0;
  // Events with ev > `after`, ascending, at most `limit`.
  virtual Result<std::vector<RoomEvent>> events_after(RoomId room, EventNo after, int limit) = 0;
  // events_after() for each (room, after) of `after` of which `user` is a member (the
  // others are left out), read in one snapshot: a reconnecting client's replay.
  virtual Result<std::vector<std::pair<RoomId, std::vector<RoomEvent>>>> events_after_as_member(
      UserId user, const std::vector<std::pair<RoomId, EventNo>>& after, int limit) = 0;
  // The group rooms of `tenant` whose rules sync membership with the org tree
  // (rules.sync.kind != none), by id.
  virtual Result<std::vector<Room>> synced_rooms(TenantId tenant) = 0;
  // For each non-deleted message with seq in (lo, hi], ascending: its sender, whether they
  // are still a member, and its count (members other than the sender whose read
  // position >= seq).
  virtual Result<std::vector<ReadCount>> read_counts(RoomId room, Seq lo, Seq hi) = 0;

  // ---- Writes -------------------------------------------------------------------------
  virtual void create_tenant(std::string code, std::string name, TimeMs now,
                             Callback<Tenant> done) = 0;
  virtual void create_department(Department d, Callback<Department> done) = 0;
  // Fails with conflict if the login is taken in the tenant.
  virtual void create_user(NewUser u, TimeMs now, Callback<User> done) = 0;
  virtual void set_status(UserId user, std::string status, Callback<User> done) = 0;
  // Changes the user's profile fields given in `patch` (an administrator's edit, a
  // transfer to another department: 異動). not_found if there is no such user;
  // invalid_argument if patch.dept (not 0) is not a department of the user's tenant.
  // Room membership does not change here (services::Rooms::sync_user follows the org tree).
  virtual void update_user(UserId user, UserPatch patch, Callback<User> done) = 0;
  // Disables or enables the account. Disabling also deletes its sessions (every device is
  // logged out) and appends a revocation (revocations_after) for the servers' live
  // connections, and hands over the group rooms it owns (see remove_member; the events
  // are stored, reason owner_disabled: members see them when their clients resume).
  // Enabling gives no ownership back. An account is disabled, never deleted: its messages
  // keep their sender.
  virtual void set_user_disabled(UserId user, bool disabled, TimeMs now, Callback<User> done) = 0;

  // Fails with unauthenticated if the user is disabled (or gone).
  virtual void create_session(Session s, Callback<bool> done) = 0;
  virtual void extend_session(std::string token_hash, TimeMs expires_at, Callback<bool> done) = 0;
  virtual void delete_session(std::string token_hash, Callback<bool> done) = 0;
  // Deletes sessions that expired before `now`, and revocations older than a day; reports
  // how many sessions.
  virtual void purge_sessions(TimeMs now, Callback<std::int64_t> done) = 0;

  // Creates a room with the creator as owner. For a direct room (exactly one other member)
  // returns the existing room with created=false if there is one. room_full (nothing
  // written) if the members would be more than r.max_members. A new group room's first
  // message (seq 1) is a system message room_created (see "System messages" below).
  virtual void create_room(NewRoom r, Callback<RoomChange> done) = 0;
  // Adding, removing and renaming apply `may` (the rule for `by`, see RoomRule) in the
  // transaction that writes; not_found if the room does not exist.
  // Adds users not yet in the room (one member.joined event if any were added). room_full
  // (nothing written) if the room would then have more than `max_members` (0: no cap),
  // checked in the transaction that inserts.
  virtual void add_members(RoomId room, UserId by, std::vector<UserId> users, TimeMs now,
                           std::int64_t max_members, RoomRule may, Callback<RoomChange> done) = 0;
  // not_found if `user` is not a member. A group room never loses its owner: when its last
  // owner who is an active account goes (or is disabled: set_user_disabled), ownership
  // passes in the same transaction to the longest-standing active member — earliest
  // joined, then lowest user id — with a member.role_changed event (by 0, reason
  // owner_left) after member.left. A room with no active member left has no owner until
  // an administrator takes it over.
  virtual void remove_member(RoomId room, UserId by, UserId user, TimeMs now, RoomRule may,
                             Callback<RoomChange> done) = 0;
  // Makes `user` the only owner of the group room: adds them if they are not a member (a
  // member.joined event, `joined` names them), then a member.role_changed event (reason
  // takeover) for them and for each owner before them, who stays a member. created=false,
  // nothing written, if they already were its only owner. not_found if the room does not
  // exist; invalid_argument for a direct room. Who may is policy (can_take_over).
  virtual void take_over_room(RoomId room, UserId user, TimeMs now,
                              Callback<RoomChange> done) = 0;
  // Changes the group room's name, description and rules given in `patch` (the fields
  // equal to the room's are left out): a room.updated event, then a system message per
  // changed aspect (renamed, description_changed, rules_changed), in that order.
  // created=false and nothing written when nothing changes. invalid_argument for a direct
  // room.
  virtual void update_room(RoomId room, UserId by, RoomPatch patch, TimeMs now, RoomRule may,
                           Callback<RoomChange> done) = 0;
  // Sets `user`'s role in the group room (a member.role_changed event, reason "set", and a
  // system message role_changed). not_found if `user` is not a member; conflict if that
  // would leave the room with no owner (the last owner cannot step down: they hand over
  // first); created=false and nothing written if the role is already that.
  virtual void set_member_role(RoomId room, UserId by, UserId user, MemberRole role,
                               TimeMs now, RoomRule may, Callback<RoomChange> done) = 0;

  // ---- System messages ----------------------------------------------------------------
  // The writes that change a group room write, in the same transaction and after the
  // events they already wrote, a system message (MessageKind::system, body
  // wire::system_note_json, sender `by`, sender_name their name; by 0: sender 0, name "")
  // that takes the room's next seq and ev like any message (a message.created event):
  //   create_room (group)  room_created
  //   add_members          members_added (by 0: reason org)
  //   remove_member        member_left (by == user) or member_removed; with a handover,
  //                        role_changed (reason owner_left) after it
  //   set_user_disabled    role_changed (reason owner_disabled) in each room handed over
  //   take_over_room       taken_over
  //   update_room          renamed / description_changed / rules_changed
  //   set_member_role      role_changed
  // As with post_message, the sender's read position moves to it if they are a member.
  // post_message refuses reply_to a system message (invalid_argument); edit_message and
  // delete_message refuse a system message (permission_denied).
  //
  // Announcement rooms: post_message refuses (permission_denied) a sender who is a member
  // with role member of a room whose rules.announcement is set, unless m.tenant_admin.
  //
  // Quotes follow edits: edit_message also sets, in the same transaction, every reply's
  // snapshot of the edited message (body cut as at post time, edited = true) and rewrites
  // those replies' stored message.created events, as delete_message blanks them.

  // The writes about messages keep the rule that non-members do not see a room: to anyone
  // who is not a member at the time of the write (and, for post_message with m.tenant
  // set, of the room's municipality) the room is not_found, as if it did not exist
  // (policy::can_post, can_read_room). A member writing about another member's message is
  // refused with permission_denied.
  // Appends a message (next seq and ev) and moves the sender's read position to it. If
  // (room, sender, client_id) exists, returns that message with created=false and writes
  // nothing.
  virtual void post_message(NewMessage m, Callback<RoomChange> done) = 0;
  // Replaces the body of a message sent by `editor` (permission_denied otherwise).
  virtual void edit_message(RoomId room, Seq seq, UserId editor, std::string body, TimeMs now,
                            Callback<RoomChange> done) = 0;
  // Turns a message sent by `by` into a deleted marker, also in the stored event log
  // (permission_denied for another member's message).
  virtual void delete_message(RoomId room, Seq seq, UserId by, TimeMs now,
                              Callback<RoomChange> done) = 0;
  // Moves the read position forward to min(seq, msg_seq); never backwards. Only a member
  // may, and with `tenant` (the reader's municipality; 0: not checked) only in a room of
  // that municipality: to anyone else the room is "not found" (policy::can_read_room, kept
  // here, in the transaction, so that a read costs no separate lookup).
  virtual void mark_read(RoomId room, UserId user, Seq seq, TenantId tenant,
                         Callback<ReadChange> done) = 0;

  // ---- Working together: stamps, reactions, action stamps, notes, pins ----------------
  // The rules of "the writes about messages" above hold for every write here: to a
  // non-member (and, with `tenant` set, to another municipality) the room is not_found.
  // A deleted message loses its reactions, answers, action and pins in delete_message's
  // transaction (its later reads show none; pins() leaves it out; like its message.*
  // frames, its stored action.updated and pin.added frames no longer say what it asked or
  // said: resume does not bring it back).
  //
  // Stamp messages (NewMessage::stamp) and action stamps (NewMessage::action) are posted
  // by post_message, the action's row written in the same transaction. messages() and
  // message() fill Message::reactions (counts) and Message::action (spec, closed, tally;
  // never `mine`: see viewer_marks).

  // Puts (r.on) or takes away reaction r.key of r.user on message r.seq: a
  // reaction.updated event (RoomChange.count: the key's count after it). created=false,
  // nothing written, if it already was so. not_found for a deleted or unknown message;
  // invalid_argument for a system message; conflict if the message already has
  // kMaxReactionKeysPerMessage different keys and this is a new one.
  virtual void react(NewReaction r, Callback<RoomChange> done)  {
    done(Status(Code::internal, "not implemented"));  // TODO(i21)
  }
  // Records a.user's answer (replacing theirs; empty picks withdraw it). not_found: no such
  // message, deleted, or it asks nothing; conflict: closed ("closed"), past the deadline
  // ("deadline"), or an answer exists and the question is not changeable ("answered");
  // permission_denied: a task's non-assignee; invalid_argument: picks that do not fit the
  // question (unknown option or value, several picks of a single-choice question, a
  // schedule not answering every option once). No event: the tally goes out coalesced
  // (publish_action). RoomChange.action: the state after it, with the user's `mine`;
  // created=false if the answer was already exactly that.
  virtual void answer_action(NewAnswer a, Callback<RoomChange> done)  {
    done(Status(Code::internal, "not implemented"));  // TODO(i21)
  }
  // Appends an action.updated event with the question's current state (the coalesced tally
  // flush; services/actions.h). created=false, nothing written, if the message is deleted
  // or gone.
  virtual void publish_action(RoomId room, Seq seq, TimeMs now, Callback<RoomChange> done)  {
    done(Status(Code::internal, "not implemented"));  // TODO(i21)
  }
  // Closes the question (an action.updated event, then a system message action_closed).
  // created=false if already closed. `may` gets the asker as author.
  virtual void close_action(RoomId room, Seq seq, UserId by, TimeMs now, AuthorRule may,
                            Callback<RoomChange> done)  {
    done(Status(Code::internal, "not implemented"));  // TODO(i21)
  }
  // A system message action_reminded (sender `by`) that mentions every member who has
  // not answered (MemberFilter::unanswered; mention rows for each, so that their
  // mention_unread counts it; Message::mentions lists at most kMaxUsersPerSystemNote).
  // RoomChange.count: how many. conflict if the question is closed or nobody is pending.
  virtual void remind_action(RoomId room, Seq seq, UserId by, TimeMs now, AuthorRule may,
                             Callback<RoomChange> done)  {
    done(Status(Code::internal, "not implemented"));  // TODO(i21)
  }

  // Creates a note (version 1, also its first NoteVersion): a note.updated event, then a
  // system message note_created. RoomChange.note: the note with its body.
  virtual void create_note(NewNote n, RoomRule may, Callback<RoomChange> done)  {
    done(Status(Code::internal, "not implemented"));  // TODO(i21)
  }
  // Saves a new version: conflict (nothing written) if e.base_version is not the current
  // version; not_found if the note is deleted or not in e.room. A save that changes
  // nothing writes nothing (created=false). Else a note.updated event and a system message
  // note_updated (restored_from set when a restore).
  virtual void update_note(NoteEdit e, RoomRule may, Callback<RoomChange> done)  {
    done(Status(Code::internal, "not implemented"));  // TODO(i21)
  }
  // Deletes it (its versions go with it; its pin too): a note.deleted event (and a
  // pin.removed one if it was pinned), then a system message note_deleted. `may` gets the
  // creator as author.
  virtual void delete_note(RoomId room, NoteId note, UserId by, TimeMs now, AuthorRule may,
                           Callback<RoomChange> done)  {
    done(Status(Code::internal, "not implemented"));  // TODO(i21)
  }

  // Pins a message (not deleted, not a system message) or a note (not deleted) of the
  // room: a pin.added event. created=false if already pinned; conflict beyond
  // kMaxPinsPerRoom; not_found for an unknown target.
  virtual void pin(RoomId room, UserId by, Pin::Kind kind, std::int64_t target, TimeMs now,
                   RoomRule may, Callback<RoomChange> done)  {
    done(Status(Code::internal, "not implemented"));  // TODO(i21)
  }
  // A pin.removed event; created=false if it was not pinned.
  virtual void unpin(RoomId room, UserId by, Pin::Kind kind, std::int64_t target, TimeMs now,
                     RoomRule may, Callback<RoomChange> done)  {
    done(Status(Code::internal, "not implemented"));  // TODO(i21)
  }

  // Reads. Callers check membership first (policy); these read what they are asked.
  // What `viewer` did to the messages with seq in [lo, hi]: the reaction keys they put,
  // their answers and the messages they acknowledged, ascending (services fill
  // ReactionCount::mine, ActionState::mine and Message::acked with them).
  struct ViewerMarks {
    std::vector<std::pair<Seq, std::string>> reacted;
    std::vector<std::pair<Seq, std::pair<std::vector<ActionPick>, TimeMs>>> answered;
    std::vector<Seq> acked;
  };
  virtual Result<ViewerMarks> viewer_marks(RoomId room, Seq lo, Seq hi, UserId viewer)  {
    return Status(Code::internal, "not implemented");  // TODO(i21)
  }
  // Who put reaction `key` on message `seq`, in 五十音 order (UserPage::at: when), after
  // `after`, at most `limit`.
  virtual Result<UserPage> reactors_page(RoomId room, Seq seq, const std::string& key,
                                         const MemberKey& after, int limit)  {
    return Status(Code::internal, "not implemented");  // TODO(i21)
  }
  // The action stamp of message `seq` (not_found if none or deleted), without `mine`.
  virtual Result<ActionState> action(RoomId room, Seq seq)  {
    return Status(Code::internal, "not implemented");  // TODO(i21)
  }
  // Who answered, in 五十音 order of their readings then names, then user id: with
  // option >= 0 those whose answer has pick (option, value), else every answerer with
  // their picks (UserPage::picks; the export). After `after`, at most `limit`.
  virtual Result<UserPage> action_answers_page(RoomId room, Seq seq, int option, int value,
                                               const MemberKey& after, int limit)  {
    return Status(Code::internal, "not implemented");  // TODO(i21)
  }
  // The room's notes, most recently updated first, without bodies.
  virtual Result<std::vector<Note>> notes(RoomId room)  {
    return Status(Code::internal, "not implemented");  // TODO(i21)
  }
  // not_found if there is no such note in the room or it is deleted.
  virtual Result<Note> note(RoomId room, NoteId note)  {
    return Status(Code::internal, "not implemented");  // TODO(i21)
  }
  // Its versions, newest first, without bodies.
  virtual Result<std::vector<NoteVersion>> note_versions(RoomId room, NoteId note)  {
    return Status(Code::internal, "not implemented");  // TODO(i21)
  }
  virtual Result<NoteVersion> note_version(RoomId room, NoteId note, std::int64_t version)  {
    return Status(Code::internal, "not implemented");  // TODO(i21)
  }
  // The room's pins, most recently pinned first, with what they point to.
  virtual Result<std::vector<Pin>> pins(RoomId room)  {
    return Status(Code::internal, "not implemented");  // TODO(i21)
  }

  // ---- Files --------------------------------------------------------------------------
  // (post_message attaches them: NewMessage::files; delete_message marks its files deleted
  // in the same transaction, and blanks them in the room's stored file.updated events.)
  // not_found if there is no file `id` (a deleted one is returned, deleted set).
  virtual Result<FileInfo> file(FileId id) = 0;
  // Bytes of originals uploaded in `tenant` (deleted files included until purged).
  virtual Result<std::int64_t> tenant_file_bytes(TenantId tenant) = 0;
  // Records an uploaded original (its blob already durable) in state processing, to be
  // sanitized. not_found unless the uploader is a member of the room and the room is in
  // f.tenant; quota_exceeded if the tenant's bytes would pass
  // `quota_bytes` (0: no quota), checked in the transaction that inserts.
  virtual void create_file(NewFile f, std::int64_t quota_bytes, Callback<FileInfo> done) = 0;
  // Takes the oldest file in state processing whose lease is free or expired (lease_until
  // < now): sets its lease to (node, now + lease_ms), attempts + 1, and returns it; nullopt
  // if there is none. Two nodes never hold the same lease.
  virtual void claim_file_job(std::int64_t node, TimeMs now, TimeMs lease_ms,
                              Callback<std::optional<FileInfo>> done) = 0;
  // Frees every lease held by `node` (a node that starts again with its old id) or, with
  // node 0, every lease (a single process starting: no other node can hold one); reports
  // how many.
  virtual void release_file_jobs(std::int64_t node, Callback<std::int64_t> done) = 0;
  // Ends the job: sets the outcome's fields (and frees the lease) if the file is still
  // processing and o.node (not 0) holds its lease (conflict otherwise, nothing written;
  // not_found if there is no such file; invalid_argument for an outcome in state
  // processing). If the file is attached to a message not deleted, appends a file.updated
  // event to its room (RoomChange.events, the room's next ev); created=false and no event
  // otherwise.
  virtual void finish_file_job(FileOutcome o, Callback<RoomChange> done) = 0;

  // ---- Search (issue 22) ------------------------------------------------------------
  // The stores keep one search document per message (its body; not system, stamp or
  // deleted messages), per note (title, a new line, body) and per file attached to a
  // message not deleted (its name, and once ready FileOutcome::text), written in the same
  // transaction as what it indexes: posting, editing (the document keeps its place),
  // deleting (it goes, the message's files' documents with it), note create/update (the
  // note's document moves to the newest place)/delete, attaching, finish_file_job. Each
  // document keeps its search form (search::normalize of `text` below) and its tokens
  // (search::index_tokens) in an index; search() asks the index for term_patterns and
  // rechecks each term as a substring of the search form, so results are exact.
  virtual Result<SearchPage> search(const SearchQuery& q) {
    return Status(Code::internal, "not implemented");  // TODO(i22)
  }
  // Rebuilds the search documents of `tenant` (0: all) from the messages, notes and files,
  // in batches of `batch` source rows per transaction (others write meanwhile), calling
  // `progress(done, total)` after each; documents of gone sources are dropped. Returns the
  // number of documents written. Also how a store fills the index of data written before
  // it had one (its migration calls it).
  virtual Result<std::int64_t> reindex(TenantId tenant, int batch,
                                       const std::function<void(std::int64_t, std::int64_t)>& progress) {
    return Status(Code::internal, "not implemented");  // TODO(i22)
  }

  // ---- 確認必須: acknowledged messages (issue 23) -------------------------------------
  // post_message stores NewMessage::ack_required (invalid_argument for a system message is
  // not possible: system messages never ask). messages() and message() fill
  // Message::ack_required and ack_count (never `acked`: see viewer_marks). A deleted
  // message loses its acks in delete_message's transaction (ack_count 0).

  // Records that `user` acknowledged message `seq`. The rules of "the writes about
  // messages": to a non-member (or, with `tenant` set, another municipality) the room is
  // not_found; not_found for an unknown or deleted message; invalid_argument
  // "not ack required" for a message that does not ask. No event (the count goes out
  // coalesced). RoomChange.count: the message's ack count after it; created=false,
  // nothing written, if the user had acknowledged it already (a retry).
  virtual void ack_message(RoomId room, Seq seq, UserId user, TenantId tenant, TimeMs now,
                           Callback<RoomChange> done) {
    done(Status(Code::unavailable, "not implemented"));  // TODO(i23)
  }
  // Members other than `sender` who have acknowledged message `seq`, and who have not (the
  // counts of MemberFilter::acked / unacked with dept 0).
  virtual Result<std::pair<std::int64_t, std::int64_t>> ack_counts(RoomId room, Seq seq,
                                                                   UserId sender) {
    return Status(Code::unavailable, "not implemented");  // TODO(i23)
  }
  // A system message ack_reminded (sender `by`) that mentions every member other than the
  // sender who has not acknowledged message `seq` (in department `dept`'s subtree if not 0),
  // like remind_action. RoomChange.count: how many. not_found for an unknown or deleted
  // message; invalid_argument "not ack required"; conflict if nobody is pending. `may`
  // gets the message's sender as author.
  virtual void remind_ack(RoomId room, Seq seq, UserId by, DeptId dept, TimeMs now,
                          AuthorRule may, Callback<RoomChange> done) {
    done(Status(Code::unavailable, "not implemented"));  // TODO(i23)
  }
  // Appends a message.acks event (wire::message_acks_event) with message `seq`'s current
  // ack count: the coalesced count flush (services/acks.h), as publish_action for action
  // stamps. RoomChange.count: the count. created=false, nothing written, if the message is
  // deleted, gone, or does not ask. The event names no message (events.msg_seq 0): it
  // says nothing of the message's content, so a deletion has nothing in it to blank.
  virtual void publish_acks(RoomId room, Seq seq, TimeMs now, Callback<RoomChange> done) {
    done(Status(Code::unavailable, "not implemented"));  // TODO(i23)
  }

  // ---- 安否確認: safety confirmations (issue 23; store/safety.h) -----------------------
  // The store decides no policy: who may start, answer for whom or see what is
  // services/policies. `tenant` arguments (0: not checked) make another municipality's
  // check not_found.

  // Starts a check: its targets are the active (not disabled) users of s.tenant — all, or
  // those of the s.scope departments and their subtrees — with their department now, all
  // written in the one transaction. With s.webhook_event set and a check of that event in
  // the tenant: that check, created=false, nothing written. invalid_argument if a scope
  // department is not one of the tenant's; not_found for an unknown tenant.
  virtual void start_safety(SafetyStart s, Callback<SafetyStarted> done) {
    done(Status(Code::unavailable, "not implemented"));  // TODO(i23)
  }
  // Records a.user's answer (it becomes their latest; the history keeps every one) and
  // the picks the tallies count. A retry — (check, user, client_id) already stored —
  // returns the stored answer with created=false and writes nothing, even once closed.
  // not_found: no such check (or another tenant's) or a.user is not a target;
  // conflict "closed": the check is closed; invalid_argument: empty client_id.
  virtual void answer_safety(SafetyAnswerWrite a, Callback<SafetyAnswered> done) {
    done(Status(Code::unavailable, "not implemented"));  // TODO(i23)
  }
  // Closes it (closed_at = now, closed_by = by). not_found: no such check (or another
  // tenant's); conflict "closed" if it already is.
  virtual void close_safety(SafetyId id, TenantId tenant, UserId by, TimeMs now,
                            Callback<SafetyCheck> done) {
    done(Status(Code::unavailable, "not implemented"));  // TODO(i23)
  }
  // not_found if none; with its targets and answered counts.
  virtual Result<SafetyCheck> safety_check(SafetyId id) {
    return Status(Code::unavailable, "not implemented");  // TODO(i23)
  }
  // The open checks `user` is a target of, newest first, each with the user's own row
  // (their latest answer): hello/resume and the banner. Counts not filled.
  virtual Result<std::vector<std::pair<SafetyCheck, SafetyTarget>>> open_safety_checks_for(
      UserId user) {
    return Status(Code::unavailable, "not implemented");  // TODO(i23)
  }
  // The tenant's checks with id < `before` (0: from the newest), newest first, at most
  // `limit`, with their counts; training ones included (SafetyCheck::training).
  virtual Result<SafetyCheckPage> safety_checks(TenantId tenant, SafetyId before, int limit) {
    return Status(Code::unavailable, "not implemented");  // TODO(i23)
  }
  // Per department of the targets at start (in `dept`'s subtree if not 0): targets,
  // answered, and the count of each (question, option) of the latest answers; plus the
  // totals of those rows. One GROUP BY. not_found if no such check.
  virtual Result<SafetyTally> safety_tally(SafetyId id, DeptId dept) {
    return Status(Code::unavailable, "not implemented");  // TODO(i23)
  }
  // Targets after `after` in 五十音 order (MemberKey, as members_page) that pass `filter`,
  // at most `limit`. not_found if no such check.
  virtual Result<SafetyTargetPage> safety_targets_page(SafetyId id,
                                                       const SafetyTargetFilter& filter,
                                                       const MemberKey& after, int limit) {
    return Status(Code::unavailable, "not implemented");  // TODO(i23)
  }
  // One target's row; not_found if `user` is not a target of check `id`.
  virtual Result<SafetyTarget> safety_target(SafetyId id, UserId user) {
    return Status(Code::unavailable, "not implemented");  // TODO(i23)
  }
  // Every answer given for `user`, oldest first.
  virtual Result<std::vector<SafetyAnswer>> safety_answer_history(SafetyId id, UserId user) {
    return Status(Code::unavailable, "not implemented");  // TODO(i23)
  }
  // The targets who have not answered (in `dept`'s subtree if not 0), by user id: remind.
  virtual Result<std::vector<UserId>> safety_unanswered_ids(SafetyId id, DeptId dept) {
    return Status(Code::unavailable, "not implemented");  // TODO(i23)
  }
  // The check of webhook event `event` in `tenant`, if any (the replay's answer).
  virtual Result<std::optional<SafetyCheck>> safety_check_by_event(TenantId tenant,
                                                                   std::string_view event) {
    return Status(Code::unavailable, "not implemented");  // TODO(i23)
  }

  // ---- Settings -----------------------------------------------------------------------
  // A tenant's setting `key` (e.g. "file_policy": JSON text the services parse), or
  // nullopt if never set.
  virtual Result<std::optional<std::string>> tenant_setting(TenantId tenant,
                                                            std::string_view key) = 0;
  // Stores (or replaces) it; not_found if there is no such tenant.
  virtual void set_tenant_setting(TenantId tenant, std::string key, std::string value,
                                  Callback<bool> done) = 0;
  // Whether the user may use tonari through an Internet-zone listener; not_found if there
  // is no such user. Denying appends a revocation (revocations_after), so that servers
  // forget the user's cached sessions and recheck their live connections.
  virtual void set_internet_allowed(UserId user, bool allowed, Callback<User> done) = 0;
  // Sets the user's 危機管理 and 所属長 flags (User::crisis, dept_head); not_found if there
  // is no such user.
  virtual void set_user_flags(UserId user, bool crisis, bool dept_head, Callback<User> done) {
    done(Status(Code::unavailable, "not implemented"));  // TODO(i23)
  }
};

}  // namespace tonari::store
