#pragma once
/// The service-layer Actor for a request.

#include "net/http_types.hpp"
#include "service/actor.hpp"

namespace crema::api {

inline service::Actor actor_of(const http::Request& req) {
  return service::Actor{req.principal, req.client_ip, req.request_id};
}

}  // namespace crema::api
