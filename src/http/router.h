// Router: maps (method, path pattern) to an asynchronous handler. Patterns are literal
// segments and {name} parameters, e.g. "/api/rooms/{id}/messages". An unknown path gives
// 404 not_found, a known path with another method 405 method_not_allowed.
// Thread safety: add() before serving; dispatch() from any thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <vector>

#include "http/types.h"

namespace tonari::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

class Router {
 public:
  void add(std::string method, std::string pattern, Handler h);
  // Finds the route, fills req.params and runs it; errors as JSON responses.
  boost::asio::awaitable<Response> dispatch(Request& req) const;
  // Handler for GET paths outside every route and outside /api/ (static files); 404 if unset.
  void set_fallback(Handler h) { fallback_ = std::move(h); }

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{x}" marks a parameter
    Handler handler;
  };
  std::vector<Route> routes_;
  Handler fallback_;
};

Response json_error(int status, const char* code, const std::string& message);

}  // namespace tonari::http
