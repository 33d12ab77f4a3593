#include "bus/event_codec.h"

#include <vector>

namespace tonari::bus {
namespace {

constexpr unsigned char kVersion = 1;
// No honest event names more users than a room can hold (20,000 by default); a larger
// count is a corrupt message, refused before it allocates.
constexpr std::uint64_t kMaxIds = 1 << 20;

void put(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_ids(std::string& out, const std::vector<UserId>& ids) {
  put(out, ids.size());
  for (UserId id : ids) put(out, static_cast<std::uint64_t>(id));
}

// Reads from the front of `in`.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool get(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return false;
      const auto b = static_cast<unsigned char>(in_.front());
      in_.remove_prefix(1);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  template <class I>
  bool get_as(I& out) {
    std::uint64_t v;
    if (!get(v)) return false;
    out = static_cast<I>(v);
    return true;
  }
  bool get_ids(std::vector<UserId>& ids) {
    std::uint64_t n;
    if (!get(n) || n > kMaxIds || n > in_.size()) return false;  // each id takes a byte at least
    ids.resize(n);
    for (UserId& id : ids) {
      if (!get_as(id)) return false;
    }
    return true;
  }
  std::string_view rest() const { return in_; }

 private:
  std::string_view in_;
};

}  // namespace

std::string encode_event(const Event& e, std::int64_t node) {
  std::string out;
  out.reserve(32 + (e.frame ? e.frame->size() : 0) +
              5 * (e.joined.size() + e.left.size() + e.to_users.size()));
  out.push_back(static_cast<char>(kVersion));
  put(out, static_cast<std::uint64_t>(node));
  put(out, static_cast<std::uint64_t>(e.room));
  put(out, static_cast<std::uint64_t>(e.ev));
  put(out, static_cast<std::uint64_t>(e.tenant));
  put(out, e.origin);
  put_ids(out, e.joined);
  put_ids(out, e.left);
  put_ids(out, e.to_users);
  if (e.frame) out += *e.frame;
  return out;
}

std::optional<Decoded> decode_event(std::string_view bytes) {
  if (bytes.empty() || static_cast<unsigned char>(bytes.front()) != kVersion) return std::nullopt;
  Reader r(bytes.substr(1));
  Decoded d;
  Event& e = d.event;
  if (!r.get_as(d.node) || !r.get_as(e.room) || !r.get_as(e.ev) || !r.get_as(e.tenant) ||
      !r.get(e.origin) || !r.get_ids(e.joined) || !r.get_ids(e.left) || !r.get_ids(e.to_users)) {
    return std::nullopt;
  }
  e.frame = std::make_shared<const std::string>(r.rest());
  return d;
}

}  // namespace tonari::bus
