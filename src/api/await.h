// Bridges the services' callback style to C++20 coroutines: `co_await await_result<T>(...)`
// resumes the calling coroutine on its own executor when the callback fires (the callback
// itself may run on the store's writer thread, an I/O thread, or the blocking pool).
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "core/status.h"

namespace tonari::api {

// `start` is called with a callback taking Result<T>; it must call it exactly once.
template <class T, class Start>
boost::asio::awaitable<Result<T>> await_result(Start start) {
  namespace asio = boost::asio;
  return asio::async_initiate<decltype(asio::use_awaitable), void(Result<T>)>(
      [start = std::move(start)](auto handler) mutable {
        auto ex = asio::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        start([h, ex](Result<T> r) mutable {
          asio::post(ex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); });
        });
      },
      asio::use_awaitable);
}

}  // namespace tonari::api
