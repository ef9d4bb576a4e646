#include "events/redis_bridge.hpp"

#include <poll.h>

#include <chrono>
#include <memory>

#include <boost/json.hpp>
#include <hiredis/hiredis.h>

#include "obs/log.hpp"
#include "util/json_text.hpp"
#include "util/uuid.hpp"

namespace crema::events {

namespace {

using Context = std::unique_ptr<redisContext, decltype(&redisFree)>;
using Reply = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

constexpr auto kConnectTimeout = std::chrono::milliseconds(1000);
constexpr auto kCommandTimeout = std::chrono::milliseconds(2000);
constexpr int kPollMs = 250;  // how often the subscriber looks at the stop flag

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

Reply command(redisContext* c, const char* format, auto... args) {
  return Reply(static_cast<redisReply*>(redisCommand(c, format, args...)), &freeReplyObject);
}

// A connected, authenticated context, or null with the reason in `why`.
Context connect(const RedisEndpoint& e, std::string& why) {
  Context c(redisConnectWithTimeout(e.host.c_str(), e.port, to_timeval(kConnectTimeout)),
            &redisFree);
  if (!c || c->err) {
    why = c ? c->errstr : "out of memory";
    return Context(nullptr, &redisFree);
  }
  redisSetTimeout(c.get(), to_timeval(kCommandTimeout));
  if (!e.password.empty()) {
    auto r = e.username.empty()
                 ? command(c.get(), "AUTH %s", e.password.c_str())
                 : command(c.get(), "AUTH %s %s", e.username.c_str(), e.password.c_str());
    if (!r || r->type == REDIS_REPLY_ERROR) {
      why = "authentication failed";
      return Context(nullptr, &redisFree);
    }
  }
  return c;
}

// Waits up to `ms`, waking early when stopping.
void pause(std::atomic<bool>& stopping, std::chrono::milliseconds ms) {
  const auto until = std::chrono::steady_clock::now() + ms;
  while (!stopping.load() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

}  // namespace

RedisBridge::RedisBridge(RedisEndpoint endpoint, Bus& bus, std::string channel)
    : endpoint_(std::move(endpoint)),
      bus_(bus),
      channel_(channel.empty() ? "crema:events:" + std::to_string(endpoint_.db)
                               : std::move(channel)),
      origin_(util::new_uuid_v7()) {}

RedisBridge::~RedisBridge() { stop(); }

void RedisBridge::start() {
  if (started_) return;
  started_ = true;
  bus_.subscribe([this](const Event& e) {
    if (!e.remote && !stopping_.load()) enqueue(e);
  });
  publisher_ = std::thread([this] { publisher_loop(); });
  subscriber_ = std::thread([this] { subscriber_loop(); });
}

void RedisBridge::stop() {
  if (stopping_.exchange(true)) return;
  wake_.notify_all();
  if (publisher_.joinable()) publisher_.join();
  if (subscriber_.joinable()) subscriber_.join();
}

void RedisBridge::enqueue(const Event& e) {
  boost::json::object message{
      {"origin", origin_}, {"type", e.type}, {"data", e.data}, {"at", e.at_ms}};
  std::string text = util::to_json(message);
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= kQueueLimit) {
      queue_.pop_front();
      dropped_.fetch_add(1);
    }
    queue_.push_back(std::move(text));
  }
  wake_.notify_one();
}

void RedisBridge::publisher_loop() {
  Context c(nullptr, &redisFree);
  int failures = 0;
  while (!stopping_.load()) {
    std::string message;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_.load() || !queue_.empty(); });
      if (stopping_.load()) return;
      message = queue_.front();
    }
    if (!c) {
      std::string why;
      c = connect(endpoint_, why);
      if (!c) {
        if (failures++ == 0)
          obs::Log(obs::Level::warn, "redis publisher cannot connect").str("error", why);
        pause(stopping_, std::chrono::milliseconds(std::min(100 * failures, 1000)));
        continue;
      }
      if (failures > 0) obs::Log(obs::Level::info, "redis publisher reconnected");
      failures = 0;
    }
    auto r = command(c.get(), "PUBLISH %b %b", channel_.data(), channel_.size(), message.data(),
                     message.size());
    if (!r || r->type == REDIS_REPLY_ERROR) {
      obs::Log(obs::Level::warn, "redis publish failed")
          .str("error", r ? std::string(r->str, r->len) : std::string(c->errstr));
      c.reset();  // reconnect, and send the same message again
      continue;
    }
    std::lock_guard lock(mutex_);
    if (!queue_.empty() && queue_.front() == message) queue_.pop_front();
  }
}

void RedisBridge::set_state(bool up) {
  if (subscribed_.exchange(up) == up) return;
  if (up) obs::Log(obs::Level::info, "redis events subscribed").str("channel", channel_);
  if (on_state_) on_state_(up);
}

void RedisBridge::deliver(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  const auto* o = ec ? nullptr : v.if_object();
  const auto* origin = o ? o->if_contains("origin") : nullptr;
  const auto* type = o ? o->if_contains("type") : nullptr;
  if (!origin || !origin->is_string() || !type || !type->is_string()) {
    obs::Log(obs::Level::warn, "redis event ignored: not an event message");
    return;
  }
  if (origin->get_string() == origin_) return;  // our own, already delivered locally
  Event e;
  e.type = std::string(type->get_string());
  if (const auto* d = o->if_contains("data")) e.data = *d;
  if (const auto* at = o->if_contains("at"); at && at->is_int64()) e.at_ms = at->get_int64();
  e.remote = true;
  bus_.publish(e);
}

void RedisBridge::subscriber_loop() {
  int failures = 0;
  while (!stopping_.load()) {
    std::string why;
    Context c = connect(endpoint_, why);
    if (c) {
      auto r = command(c.get(), "SUBSCRIBE %b", channel_.data(), channel_.size());
      if (!r || r->type == REDIS_REPLY_ERROR) {
        why = r ? std::string(r->str, r->len) : std::string(c->errstr);
        c.reset();
      }
    }
    if (!c) {
      if (failures++ == 0)
        obs::Log(obs::Level::warn, "redis subscriber cannot subscribe").str("error", why);
      set_state(false);
      pause(stopping_, std::chrono::milliseconds(std::min(100 * failures, 1000)));
      continue;
    }
    if (failures > 0) obs::Log(obs::Level::info, "redis subscriber reconnected");
    failures = 0;
    set_state(true);
    // Replies already buffered first, then wait for the socket with a short timeout so the
    // stop flag is seen (a hiredis read timeout would break the context).
    while (!stopping_.load()) {
      void* raw = nullptr;
      if (redisGetReplyFromReader(c.get(), &raw) != REDIS_OK) break;
      if (raw) {
        Reply reply(static_cast<redisReply*>(raw), &freeReplyObject);
        if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
            reply->element[0]->type == REDIS_REPLY_STRING &&
            std::string_view(reply->element[0]->str, reply->element[0]->len) == "message" &&
            reply->element[2]->type == REDIS_REPLY_STRING)
          deliver(std::string_view(reply->element[2]->str, reply->element[2]->len));
        continue;
      }
      pollfd pfd{c->fd, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, kPollMs);
      if (ready == 0) continue;
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0 || redisBufferRead(c.get()) != REDIS_OK) break;
    }
    if (!stopping_.load()) {
      obs::Log(obs::Level::warn, "redis subscription lost").str("error", c->errstr);
      set_state(false);
    }
  }
}

}  // namespace crema::events
