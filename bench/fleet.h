// Many logged-in WebSocket clients driven from one io_context: login, room set-up,
// connect with hello (and resume from cursors), and a frame callback.
#pragma once

#include <boost/asio.hpp>
#include <functional>
#include <string>
#include <vector>

#include "net.h"

namespace bench {

// Counts outstanding work on one (single-threaded) io_context and wakes a waiter at zero.
class WaitGroup {
 public:
  explicit WaitGroup(boost::asio::io_context& ioc) : timer_(ioc) {}
  void add(long n = 1) { n_ += n; }
  void done() {
    if (--n_ <= 0) timer_.cancel();
  }
  long pending() const { return n_; }
  boost::asio::awaitable<void> wait() {
    while (n_ > 0) {
      timer_.expires_at(boost::asio::steady_timer::time_point::max());
      co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
  }

 private:
  boost::asio::steady_timer timer_;
  long n_ = 0;
};

struct Client {
  int index = 0;           // user number (1-based)
  long long user_id = 0;
  std::string token;
  std::unique_ptr<Ws> ws;
  // room -> last ev applied: a client follows a few rooms, and a flat vector is one cache
  // line where a hash map's nodes were a miss per event (5 % of the generator in ingest).
  std::vector<std::pair<long long, long long>> cursors;
  long long* find_cursor(long long room) {
    for (auto& [r, ev] : cursors) {
      if (r == room) return &ev;
    }
    return nullptr;
  }
  long long& cursor(long long room) {
    long long* ev = find_cursor(room);
    return ev ? *ev : cursors.emplace_back(room, 0).second;
  }
  bool synced = false;
  int resyncs = 0;
  WaitGroup* sync_waiter = nullptr;  // Fleet::connect's starter, woken when synced
};

class Fleet {
 public:
  Fleet(boost::asio::io_context& ioc, unsigned short port) : ioc_(ioc), ports_{port} {}
  // Clients spread over several nodes: user i's WebSocket goes to ports[(i - 1) % n]
  // (logins and set-up to the first).
  Fleet(boost::asio::io_context& ioc, std::vector<unsigned short> ports)
      : ioc_(ioc), ports_(std::move(ports)) {}

  // Logs in users 1..n (bearer tokens), `concurrency` at a time.
  boost::asio::awaitable<bool> login(int n, int concurrency);
  // Creates a group room owned by client `owner` with the given members; returns its id.
  boost::asio::awaitable<long long> create_room(Http& http, int owner, const std::string& name,
                                                const std::vector<int>& members);
  // Connects clients [first, last) and waits until each has said synced. With `resume`,
  // hello carries the cursors each client has. Returns how many are synced.
  boost::asio::awaitable<int> connect(int first, int last, int concurrency, bool resume);
  void drop(int first, int last);

  std::vector<Client> clients;  // index i-1 is user i
  std::function<void(Client&, std::string_view)> on_frame;

 private:
  boost::asio::awaitable<void> run_client(Client& c, bool resume, WaitGroup* synced);

  boost::asio::io_context& ioc_;
  std::vector<unsigned short> ports_;
  std::vector<std::unique_ptr<Ws>> graveyard_;
};

}  // namespace bench
