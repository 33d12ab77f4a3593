// Shared by REST and WebSocket: reading a "send a message" request.
#pragma once

#include <boost/json/object.hpp>

#include "services/messages.h"

namespace tonari::api {

// The fields of a post (client_id, body, reply_to, mentions, mention_all, files, stamp,
// action, ack_required) for `room`.
Result<services::PostRequest> post_request(const boost::json::object& o, RoomId room);

}  // namespace tonari::api
