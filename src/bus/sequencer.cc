#include "bus/sequencer.h"

#include <algorithm>
#include <boost/json.hpp>
#include <string_view>

#include "log/log.h"

namespace tonari::bus {

namespace json = boost::json;

void Sequencer::on_event(const Event& e) {
  if (e.ev == 0) {
    deliver_(e);
    return;
  }
  auto it = last_.find(e.room);
  if (it == last_.end()) {
    // Nobody here follows the room, unless the hub's report of its first follower is still
    // on its way (then the check that follows that report finds what is dropped here). A
    // membership event may concern a connection of this node: the hub decides.
    if (!e.joined.empty() || !e.left.empty()) deliver_(e);
    return;
  }
  EventNo last = it->second;
  if (e.ev <= last) {
    duplicates_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (e.ev > last + 1) {
    gap_fills_.fetch_add(1, std::memory_order_relaxed);
    const bool filled = fill(e.room, last, e.ev - 1);
    // `deliver` does not call back, so the entry is still there (and `it` valid).
    it->second = last;
    // Unfilled: the event waits in the store for the next check (nothing is skipped).
    if (!filled) return;
  }
  it->second = e.ev;
  deliver_(e);
}

void Sequencer::room_followed(RoomId room, EventNo known) {
  if (last_.try_emplace(room, known).second) unchecked_.push_back(room);
}

void Sequencer::room_unfollowed(RoomId room) { last_.erase(room); }

bool Sequencer::check_new() {
  if (unchecked_.empty()) return true;
  std::vector<RoomId> rooms;
  rooms.swap(unchecked_);
  return check(rooms);
}

bool Sequencer::check(const std::vector<RoomId>& rooms) {
  bool ok = true;
  std::vector<RoomId> chunk;
  for (std::size_t at = 0; at < rooms.size(); at += kCheckChunk) {
    chunk.clear();
    for (std::size_t i = at; i < std::min(rooms.size(), at + kCheckChunk); ++i) {
      if (last_.count(rooms[i])) chunk.push_back(rooms[i]);
    }
    if (chunk.empty()) continue;
    auto heads = store_.room_heads(chunk);
    if (!heads.ok()) {
      fill_failures_.fetch_add(1, std::memory_order_relaxed);
      log::warn("bus.check_failed", {{"rooms", chunk.size()}, {"error", heads.status().message()}});
      ok = false;
      continue;
    }
    for (const auto& [room, head] : *heads) {
      auto it = last_.find(room);
      if (it == last_.end() || head <= it->second) continue;
      gap_fills_.fetch_add(1, std::memory_order_relaxed);
      EventNo last = it->second;
      ok &= fill(room, last, head);
      // The room may have been unfollowed meanwhile only through this thread: look again.
      if (auto again = last_.find(room); again != last_.end()) again->second = last;
    }
  }
  return ok;
}

bool Sequencer::fill(RoomId room, EventNo& last, EventNo upto) {
  while (last < upto) {
    const int limit = static_cast<int>(std::min<EventNo>(upto - last, kFillPage));
    auto events = store_.events_after(room, last, limit);
    if (!events.ok() || events->empty()) {
      fill_failures_.fetch_add(1, std::memory_order_relaxed);
      log::warn("bus.fill_failed",
                {{"room", room}, {"after", last}, {"upto", upto},
                 {"error", events.ok() ? "the store has no such events" : events.status().message()}});
      return false;
    }
    for (const RoomEvent& stored : *events) {
      if (stored.ev <= last) continue;
      last = stored.ev;
      events_filled_.fetch_add(1, std::memory_order_relaxed);
      deliver_(restore(stored));
    }
  }
  return true;
}

namespace {

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

Event Sequencer::restore(const RoomEvent& stored) {
  Event e;
  e.room = stored.room;
  e.ev = stored.ev;
  e.frame = stored.frame;
  // Frames as core/wire.cc writes them: member.joined names its users (at most
  // wire::kMaxUsersPerJoinEvent of them, and `count`), member.left its user.
  const std::string& frame = *stored.frame;
  const bool joined = starts_with(frame, R"({"type":"member.joined")");
  if (!joined && !starts_with(frame, R"({"type":"member.left")")) return e;
  try {
    const json::object o = json::parse(frame).as_object();
    if (!joined) {
      e.left.push_back(o.at("user").to_number<UserId>());
      return e;
    }
    const json::array& users = o.at("users").as_array();
    for (const json::value& u : users) e.joined.push_back(u.at("id").to_number<UserId>());
    const std::size_t count = o.at("count").to_number<std::size_t>();
    if (count > e.joined.size()) {
      // The frame names only some: the room's members now include all of them (and maybe
      // later joiners, whose connections ignore the room's events before their own join).
      auto members = store_.members(e.room);
      if (members.ok()) {
        e.joined.clear();
        for (const auto& [user, member] : *members) e.joined.push_back(user.id);
      } else {
        log::warn("bus.fill_members_failed",
                  {{"room", e.room}, {"ev", e.ev}, {"error", members.status().message()}});
      }
    }
  } catch (const std::exception& ex) {
    log::error("bus.fill_bad_frame", {{"room", e.room}, {"ev", e.ev}, {"error", ex.what()}});
  }
  return e;
}

std::vector<RoomId> Sequencer::followed() const {
  std::vector<RoomId> out;
  out.reserve(last_.size());
  for (const auto& [room, last] : last_) out.push_back(room);
  return out;
}

EventNo Sequencer::last(RoomId room) const {
  auto it = last_.find(room);
  return it == last_.end() ? -1 : it->second;
}

void Sequencer::add_stats(Stats& s) const {
  s.dropped_duplicates += duplicates_.load(std::memory_order_relaxed);
  s.gap_fills += gap_fills_.load(std::memory_order_relaxed);
  s.events_filled += events_filled_.load(std::memory_order_relaxed);
  s.fill_failures += fill_failures_.load(std::memory_order_relaxed);
}

}  // namespace tonari::bus
