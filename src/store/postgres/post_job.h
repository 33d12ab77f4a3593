// Posting a message on PostgreSQL: a write job of its own (writer.h). A plain message (no
// reply, no mentions, no files, no action stamp, the sender's name given: nearly every
// message, stamps included) joins the batch's other plain messages in one statement, which
// locks their rooms, checks, numbers and inserts them all; any other is one call of the
// server-side function tonari_post (schema.cc), and a message with files then attaches
// them in the same savepoint (undone with the message if one cannot be attached), one with
// an action stamp writes its rows. All follow Store::post_message's rules, with the same
// results. Each also puts the message in search_pending, whose documents the indexer
// writes (search_docs.h, "Pending messages"), and writes its files' documents, in the same
// statement or savepoint.
#pragma once

#include <optional>

#include "store/postgres/writer.h"
#include "store/store.h"

namespace tonari::store::postgres {

class PostJob final : public PgJob {
 public:
  // `index`: write the message's search documents (Options::search_index).
  PostJob(NewMessage m, bool index, Callback<RoomChange> done);

  // A message with files, an action stamp or ack_required runs alone (apply), to check
  // and attach the files, write the action's rows or mark it, after the insert.
  bool pipelined() const override { return m_.files.empty() && !m_.action && !m_.ack_required; }
  Piped statement() override;
  bool apply(PgConn& db) override;
  void take(const PgResult& rows) override;
  void take_row(const Row& row) override;
  void fail(Status s) override { result_.emplace(std::move(s)); }
  // Adds the message.created event (built here, after the commit, off the writer thread).
  void finish(bool committed) override;

  const NewMessage& message() const { return m_; }
  // Whether the message gets a search document (search_pending, then the indexer).
  bool indexed() const { return index_; }

 protected:
  const JobGroup* group_of() const override;

 private:
  // The result from a row of either statement, whose columns from `c` on are: code,
  // detail, created, read_before, the room (TONARI_PG_ROOM_COLS), the message
  // (TONARI_PG_MESSAGE_COLS).
  Result<RoomChange> decode(const Row& row, int c) const;
  // Checks and attaches m_.files to the message just inserted (out.message); a refusal
  // when one cannot be attached.
  Status attach_files(PgConn& db, RoomChange& out) const;

  const NewMessage m_;
  const bool index_;
  Callback<RoomChange> done_;
  std::optional<Result<RoomChange>> result_;
};

}  // namespace tonari::store::postgres
