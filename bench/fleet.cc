#include "fleet.h"

#include <boost/json.hpp>
#include <utility>

#include "server_process.h"

namespace bench {

namespace asio = boost::asio;
namespace json = boost::json;

asio::awaitable<bool> Fleet::login(int n, int concurrency) {
  clients.resize(n);
  int next = 0;
  bool ok = true;
  WaitGroup wg(ioc_);
  for (int w = 0; w < concurrency; ++w) {
    wg.add();
    asio::co_spawn(ioc_, [&]() -> asio::awaitable<void> {
      Http http(ioc_, ports_.front());
      while (next < n && ok) {
        int i = next++;
        json::object body{{"tenant", kTenant}, {"login", user_login(i + 1)},
                          {"password", kPassword}, {"token", true}};
        auto r = co_await http.request("POST", "/api/login", json::serialize(body));
        if (r.status != 200) {
          ok = false;
          break;
        }
        auto v = json::parse(r.body).as_object();
        clients[i].index = i + 1;
        clients[i].token = std::string(v["token"].as_string());
        clients[i].user_id = v["user"].as_object()["id"].as_int64();
      }
      wg.done();
    }, asio::detached);
  }
  co_await wg.wait();
  co_return ok;
}

asio::awaitable<long long> Fleet::create_room(Http& http, int owner, const std::string& name,
                                              const std::vector<int>& members) {
  json::array ids;
  for (int m : members) ids.push_back(clients[m - 1].user_id);
  json::object body{{"name", name}, {"members", std::move(ids)}};
  auto r = co_await http.request("POST", "/api/rooms", json::serialize(body),
                                 clients[owner - 1].token);
  if (r.status != 201) co_return 0;
  co_return json::parse(r.body).as_object()["room"].as_object()["id"].as_int64();
}

asio::awaitable<void> Fleet::run_client(Client& c, bool resume, WaitGroup* synced) {
  // A dropped connection's reader may still be finishing: keep its Ws alive.
  if (c.ws) graveyard_.push_back(std::move(c.ws));
  c.ws = std::make_unique<Ws>(ioc_, ports_[(c.index - 1) % ports_.size()]);
  c.synced = false;
  // Once per connect: synced, or done trying (the caller counts open connections).
  auto done_syncing = [&c, synced] {
    if (c.synced) return;
    c.synced = true;
    synced->done();
    if (WaitGroup* w = std::exchange(c.sync_waiter, nullptr)) w->done();
  };
  if (!co_await c.ws->connect(c.token)) {
    done_syncing();
    co_return;
  }
  json::object cursors;
  if (resume) {
    for (auto& [room, ev] : c.cursors) cursors[std::to_string(room)] = ev;
  }
  c.ws->send(json::serialize(
      json::object{{"type", "hello"}, {"cursors", std::move(cursors)}, {"batch", true}}));
  Ws* ws = c.ws.get();
  auto handle = [&](std::string_view f) {
    std::string_view type = frame_type(f);
    long long ev = frame_int(f, "ev");
    if (type == "welcome") {
      auto v = json::parse(f).as_object();
      for (auto& r : v["rooms"].as_array()) {
        auto& o = r.as_object();
        long long room = o["id"].as_int64();
        // Rooms without a cursor start live at the welcome's ev.
        if (!c.find_cursor(room) || !resume) c.cursor(room) = o["ev"].as_int64();
      }
    } else if (type == "synced") {
      done_syncing();
    } else if (type == "resync") {
      ++c.resyncs;
      c.cursor(frame_int(f, "room")) = ev;
    } else if (ev > 0) {
      c.cursor(frame_int(f, "room")) = ev;
    }
    if (on_frame) on_frame(c, f);
  };
  for (;;) {
    auto data = co_await ws->read();
    if (!data) break;
    for_each_frame(*data, handle);
  }
  if (c.ws.get() != ws) co_return;  // replaced by a reconnect
  done_syncing();  // counted, but as a failure the caller sees in the total
}

asio::awaitable<int> Fleet::connect(int first, int last, int concurrency, bool resume) {
  WaitGroup synced(ioc_);
  synced.add(last - first);
  // At most `concurrency` clients are between connect and synced at any time; each keeps
  // running (reading frames) after it is synced.
  int next = first;
  WaitGroup starters(ioc_);
  for (int w = 0; w < concurrency; ++w) {
    starters.add();
    asio::co_spawn(ioc_, [&, this]() -> asio::awaitable<void> {
      while (next < last) {
        Client& c = clients[next++];
        c.synced = false;
        // Woken by the client once synced (polling every millisecond, 4,000 starters
        // took a third of the generator's core in the reconnect storm).
        WaitGroup one(ioc_);
        one.add();
        c.sync_waiter = &one;
        asio::co_spawn(ioc_, run_client(c, resume, &synced), asio::detached);
        co_await one.wait();
      }
      starters.done();
    }, asio::detached);
  }
  co_await synced.wait();
  co_await starters.wait();
  int ok = 0;
  for (int i = first; i < last; ++i) ok += clients[i].ws && clients[i].ws->open() ? 1 : 0;
  co_return ok;
}

void Fleet::drop(int first, int last) {
  for (int i = first; i < last; ++i) {
    if (clients[i].ws) clients[i].ws->close_abruptly();
  }
}

}  // namespace bench
