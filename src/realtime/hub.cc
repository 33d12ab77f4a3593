#include "realtime/hub.h"

#include <algorithm>
#include <mutex>

namespace tonari::realtime {

bool Hub::add_locked(RoomId room, EventNo known, Subscriber* s) {
  auto [rit, fresh] = rooms_.try_emplace(room);
  auto& subs = rit->second;
  auto at = std::lower_bound(subs.begin(), subs.end(), s);
  if (at != subs.end() && *at == s) return false;
  subs.insert(at, s);
  if (fresh && bus_) bus_->room_followed(room, known);
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
    if (bus_) bus_->room_unfollowed(room);
  } else if (subs.capacity() > 64 && subs.size() < subs.capacity() / 4) {
    subs.shrink_to_fit();  // a room most of whose members went away
  }
}

void Hub::attach(const std::shared_ptr<Subscriber>& s, const std::vector<RoomCursor>& rooms) {
  std::unique_lock lock(mu_);
  auto [eit, fresh] = subs_.try_emplace(s.get());
  if (!fresh) return;  // attached already
  auto& entry = eit->second;
  entry.owner = s;
  // The municipality first: in a cluster the bus must receive its events before the
  // rooms' order is taken up (Bus::room_followed).
  if (++tenants_[s->tenant()] == 1 && bus_) bus_->tenant_followed(s->tenant());
  for (const auto& [r, known] : rooms) {
    if (add_locked(r, known, s.get())) entry.rooms.push_back(r);
  }
  users_[s->user()].push_back(s.get());
}

void Hub::follow(Subscriber* s, const std::vector<RoomCursor>& rooms) {
  std::unique_lock lock(mu_);
  auto it = subs_.find(s);
  if (it == subs_.end()) return;
  it->second.rooms.reserve(it->second.rooms.size() + rooms.size());
  for (const auto& [r, known] : rooms) {
    if (add_locked(r, known, s)) it->second.rooms.push_back(r);
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
  if (auto tit = tenants_.find(s->tenant()); tit != tenants_.end() && --tit->second == 0) {
    tenants_.erase(tit);
    if (bus_) bus_->tenant_unfollowed(s->tenant());
  }
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
        if (add_locked(e.room, e.ev, s)) subs_[s].rooms.push_back(e.room);
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
  bus::Event notice{e.room, 0, e.tenant, removed, {}, {}, {}};
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

std::vector<std::shared_ptr<Subscriber>> Hub::connections() const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<Subscriber>> out;
  out.reserve(subs_.size());
  for (const auto& [s, e] : subs_) out.push_back(e.owner);
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
