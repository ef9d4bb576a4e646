#include "events/redis_endpoint.hpp"

#include <memory>

#include <boost/url/parse.hpp>
#include <hiredis/hiredis.h>

namespace crema::events {

std::optional<RedisEndpoint> RedisEndpoint::parse(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u || u->scheme() != "redis" || !u->has_authority() || u->host().empty()) return std::nullopt;
  RedisEndpoint e;
  e.host = std::string(u->host_address());
  if (u->has_port()) {
    if (u->port_number() == 0) return std::nullopt;
    e.port = u->port_number();
  }
  if (u->has_userinfo()) {
    e.username = std::string(u->user());
    e.password = std::string(u->password());
  }
  std::string path(u->path());
  if (path.size() > 1) {
    try {
      std::size_t used = 0;
      e.db = std::stoi(path.substr(1), &used);
      if (used != path.size() - 1 || e.db < 0) return std::nullopt;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return e;
}

std::string redis_ping(const RedisEndpoint& e, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  std::unique_ptr<redisContext, decltype(&redisFree)> c(
      redisConnectWithTimeout(e.host.c_str(), e.port, tv), &redisFree);
  if (!c) return "unavailable: out of memory";
  if (c->err) return std::string("unavailable: ") + c->errstr;
  redisSetTimeout(c.get(), tv);
  auto command = [&](auto... args) -> std::string {
    auto* reply = static_cast<redisReply*>(redisCommand(c.get(), args...));
    if (!reply) return std::string("unavailable: ") + c->errstr;
    std::string out = reply->type == REDIS_REPLY_ERROR ? std::string(reply->str, reply->len) : "";
    freeReplyObject(reply);
    return out;
  };
  if (!e.password.empty()) {
    auto err = e.username.empty() ? command("AUTH %s", e.password.c_str())
                                  : command("AUTH %s %s", e.username.c_str(), e.password.c_str());
    if (!err.empty()) return "unavailable: authentication failed";
  }
  if (e.db != 0) {
    if (auto err = command("SELECT %d", e.db); !err.empty()) return "unavailable: " + err;
  }
  if (auto err = command("PING"); !err.empty()) return "unavailable: " + err;
  return "ok";
}

}  // namespace crema::events
