// Messages: history, posting (idempotent by client id, acknowledged after commit), edits,
// deletions, read positions and reader lists. Every call checks policies first.
// Thread safety: all methods may be called from any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "services/context.h"
#include "services/read_receipts.h"

namespace tonari::services {

struct PostRequest {
  RoomId room = 0;
  std::string client_id;
  std::string body;
  Seq reply_to = 0;
  std::vector<UserId> mentions;
  bool mention_all = false;
  // Uploaded by the sender to this room, not attached yet; at most
  // store::kMaxFilesPerMessage.
  std::vector<FileId> files;
  // A stamp message: an id of core/stamps.h ("unknown stamp" otherwise); no body, no files.
  std::string stamp;
  // An action stamp to ask (check_action_spec; task assignees must be members); the body
  // may then be empty.
  std::optional<ActionSpec> action;
  // 重要・確認必須: members are asked to acknowledge it (services/acks.h). Not with a stamp
  // or an action stamp (those ask their own answer).
  bool ack_required = false;
};

struct History {
  // Ascending seq, with read_count, the caller's marks (ReactionCount::mine,
  // ActionState::mine, Message::acked) and an action's counts blanked unless
  // policy::can_see_counts.
  std::vector<Message> messages;
  bool has_more = false;        // around(): more before the first
  bool has_more_after = false;  // around() only: more after the last
};

// Who has read a message (members other than its sender): pages of each list, 五十音
// order, and how many there are in all.
struct Readers {
  store::MemberPage read;
  store::MemberPage unread;
  std::int64_t read_count = 0;
  std::int64_t unread_count = 0;
};

enum class ReaderList { both, read, unread };

class Messages {
 public:
  Messages(Context& ctx, ReadReceipts& receipts) : ctx_(ctx), receipts_(receipts) {}

  // Messages with seq in (after, before); the latest `limit` if after < 0 (not given).
  Result<History> history(const Actor& actor, RoomId room, Seq after, Seq before, int limit);
  // Up to `limit` messages centred on `seq` (a search result opened in its context): the
  // limit/2 before it and the rest from it on, fewer on a side that has fewer (the other
  // side does not make up for them). `seq` need not exist.
  Result<History> around(const Actor& actor, RoomId room, Seq seq, int limit);
  // One message, as history() gives it.
  Result<Message> get(const Actor& actor, RoomId room, Seq seq);
  // Posts a message; `done` gets the change (created=false for a retried client id).
  void post(const Actor& actor, PostRequest req, store::Callback<store::RoomChange> done);
  void edit(const Actor& actor, RoomId room, Seq seq, std::string body,
            store::Callback<store::RoomChange> done);
  void remove(const Actor& actor, RoomId room, Seq seq, store::Callback<store::RoomChange> done);
  // `origin`: the connection that asked (bus::Event::origin), which gets no read.self for it.
  void mark_read(const Actor& actor, RoomId room, Seq seq, store::Callback<store::ReadChange> done,
                 std::uint64_t origin = 0);
  // The counts, and the first `limit` (clamped to 1..500) of the lists `which` names after
  // `after` (the other list, if one is named, is left empty).
  Result<Readers> readers(const Actor& actor, RoomId room, Seq seq, ReaderList which,
                          const store::MemberKey& after, int limit);

 private:
  Status check_member(const Actor& actor, RoomId room);
  Status check_body(std::string_view body, bool may_be_empty = false) const;
  // The stamp, or the action stamp and its assignees' membership, of a post.
  Status check_kind(const Actor& actor, PostRequest& req) const;
  // Fills what the actor did to `msgs` (ascending seq) and blanks what they may not see.
  Status for_viewer(const Actor& actor, RoomId room, std::vector<Message>& msgs) const;

  Context& ctx_;
  ReadReceipts& receipts_;
};

}  // namespace tonari::services
