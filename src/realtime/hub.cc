#include "realtime/hub.h"

#include <algorithm>
#include <mutex>

namespace tonari::realtime {

bool Hub::add_locked(RoomId room, Subscriber* s) {
  auto& subs = rooms_[room];
  auto at = std::lower_bound(subs.begin(), subs.end(), s);
  if (at != subs.end() && *at == s) return false;
  subs.insert(at, s);
  return true;
}

void Hub::remove_locked(RoomId room, Subscriber* s) {
  auto rit = rooms_.find(room);
  if (rit == rooms_.end()) return;
  auto& subs = rit->second;
  auto at = std::lower_bound(subs.begin(), subs.end(), s);
  if (at != subs.end() && *at == s) subs.erase(at);
  if (subs.empty()) {
    rooms_.erase(rit);
  } else if (subs.capacity() > 64 && subs.size() < subs.capacity() / 4) {
    subs.shrink_to_fit();  // a room most of whose members went away
  }
}

void Hub::attach(const std::shared_ptr<Subscriber>& s, const std::vector<RoomId>& rooms) {
  std::unique_lock lock(mu_);
  auto& entry = subs_[s.get()];
  entry.owner = s;
  for (RoomId r : rooms) {
    if (add_locked(r, s.get())) entry.rooms.push_back(r);
  }
  users_[s->user()].push_back(s.get());
}

void Hub::follow(Subscriber* s, const std::vector<RoomId>& rooms) {
  std::unique_lock lock(mu_);
  auto it = subs_.find(s);
  if (it == subs_.end()) return;
  it->second.rooms.reserve(it->second.rooms.size() + rooms.size());
  for (RoomId r : rooms) {
    if (add_locked(r, s)) it->second.rooms.push_back(r);
  }
}

void Hub::unfollow(Subscriber* s, const std::vector<RoomId>& rooms) {
  std::unique_lock lock(mu_);
  auto it = subs_.find(s);
  if (it == subs_.end()) return;
  for (RoomId r : rooms) {
    remove_locked(r, s);
    std::erase(it->second.rooms, r);
  }
}

void Hub::detach(Subscriber* s) {
  std::unique_lock lock(mu_);
  auto it = subs_.find(s);
  if (it == subs_.end()) return;
  for (RoomId r : it->second.rooms) remove_locked(r, s);
  auto uit = users_.find(s->user());
  if (uit != users_.end()) {
    std::erase(uit->second, s);
    if (uit->second.empty()) users_.erase(uit);
  }
  subs_.erase(it);
}

void Hub::deliver_to_user(UserId user, const bus::Event& e) {
  auto it = users_.find(user);
  if (it == users_.end()) return;
  for (Subscriber* s : it->second) s->deliver(e);
}

void Hub::on_event(const bus::Event& e) {
  if (!e.to_users.empty()) {
    std::shared_lock lock(mu_);
    for (UserId u : e.to_users) deliver_to_user(u, e);
    return;
  }
  if (e.joined.empty() && e.left.empty()) {
    std::shared_lock lock(mu_);
    auto it = rooms_.find(e.room);
    if (it == rooms_.end()) return;
    for (Subscriber* s : it->second) s->deliver(e);
    return;
  }

  // A membership change: new members' connections start following the room before the
  // event goes out (so they get it); leaving members get it and then stop following.
  // Subscriptions change under the exclusive lock; the deliveries happen after it, to a
  // snapshot that keeps each subscriber alive, so that a subscriber may call the hub back
  // and the room's other events wait for no subscriber's deliver().
  std::vector<std::shared_ptr<Subscriber>> followers, leaving;
  {
    std::unique_lock lock(mu_);
    for (UserId u : e.joined) {
      auto uit = users_.find(u);
      if (uit == users_.end()) continue;
      for (Subscriber* s : uit->second) {
        if (add_locked(e.room, s)) subs_[s].rooms.push_back(e.room);
      }
    }
    if (auto it = rooms_.find(e.room); it != rooms_.end()) {
      followers.reserve(it->second.size());
      for (Subscriber* s : it->second) followers.push_back(subs_.at(s).owner);
    }
    for (UserId u : e.left) {
      auto uit = users_.find(u);
      if (uit == users_.end()) continue;
      for (Subscriber* s : uit->second) {
        remove_locked(e.room, s);
        auto& entry = subs_.at(s);
        std::erase(entry.rooms, e.room);
        leaving.push_back(entry.owner);
      }
    }
  }
  for (const auto& s : followers) s->deliver(e);
  if (leaving.empty()) return;
  auto removed = std::make_shared<const std::string>(
      R"({"type":"room.removed","room":)" + std::to_string(e.room) + "}");
  bus::Event notice{e.room, 0, removed, {}, {}, {}};
  for (const auto& s : leaving) s->deliver(notice);
}

std::vector<std::shared_ptr<Subscriber>> Hub::connections_of(UserId user) const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<Subscriber>> out;
  auto it = users_.find(user);
  if (it == users_.end()) return out;
  for (Subscriber* s : it->second) {
    if (auto e = subs_.find(s); e != subs_.end()) out.push_back(e->second.owner);
  }
  return out;
}

std::size_t Hub::connection_count() const {
  std::shared_lock lock(mu_);
  return subs_.size();
}

std::size_t Hub::room_count() const {
  std::shared_lock lock(mu_);
  return rooms_.size();
}

}  // namespace tonari::realtime
