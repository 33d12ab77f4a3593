// ノート: a room's shared documents (an agenda, a manual, 引継ぎ) in a safe Markdown subset
// that the client renders to elements (never to HTML). Every save is a version; a save
// based on a version that is no longer the current one is refused (conflict), so that two
// people editing at once never overwrite each other unseen. Notes have no attachments:
// files go with messages, and a note may link to a message.
// Thread safety: all methods may be called from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "services/context.h"

namespace tonari::services {

inline constexpr std::size_t kMaxNoteTitleChars = 100;
inline constexpr std::size_t kMaxNoteBodyChars = 30000;

// The destination of every link in Markdown `body`, in order: inline links and images
// "[..](dest)", autolinks "<scheme:...>" and reference definitions "[label]: dest"; code
// (fenced blocks, `spans`) is left out.
std::vector<std::string_view> note_link_targets(std::string_view body);
// A title of 1..100 characters on one line, and a body of at most 30,000 characters
// without control characters other than line feeds and tabs, whose links all go to http,
// https, mailto or a relative address. invalid_argument saying precisely what and where,
// e.g. "note link 2: scheme not allowed ...".
Status check_note(std::string_view title, std::string_view body);

class Notes {
 public:
  explicit Notes(Context& ctx) : ctx_(ctx) {}

  // Reads, for members: the room's notes (most recently updated first, without bodies),
  // one note with its body, its versions (newest first, without bodies), one version.
  Result<std::vector<Note>> list(const Actor& actor, RoomId room);
  Result<Note> get(const Actor& actor, RoomId room, NoteId note);
  Result<std::vector<NoteVersion>> versions(const Actor& actor, RoomId room, NoteId note);
  Result<NoteVersion> version(const Actor& actor, RoomId room, NoteId note, std::int64_t v);

  // Writes (policy::can_edit_notes, applied in the write; the per-user write rate). `done`
  // gets the note with its body after the change.
  void create(const Actor& actor, RoomId room, std::string title, std::string body,
              store::Callback<Note> done);
  // conflict if `base_version` is not the current version (nothing written).
  void update(const Actor& actor, RoomId room, NoteId note, std::string title, std::string body,
              std::int64_t base_version, store::Callback<Note> done);
  // A new version with the content of version `v` (restored_from = v).
  void restore(const Actor& actor, RoomId room, NoteId note, std::int64_t v,
               std::int64_t base_version, store::Callback<Note> done);
  // policy::can_delete_note, applied in the write. The note's pin goes with it.
  void remove(const Actor& actor, RoomId room, NoteId note, store::Callback<bool> done);

 private:
  void save(const Actor& actor, store::NoteEdit e, store::Callback<Note> done);

  Context& ctx_;
};

}  // namespace tonari::services
