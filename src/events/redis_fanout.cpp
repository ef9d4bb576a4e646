#include "events/redis_fanout.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>

#include <boost/json.hpp>
#include <hiredis/hiredis.h>

#include "obs/log.hpp"
#include "util/json_text.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::events {

namespace {

constexpr std::string_view kMagic = "crema1";
constexpr std::size_t kBatch = 256;

using Context = std::unique_ptr<redisContext, decltype(&redisFree)>;
using Reply = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

timeval fanout_timeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

Reply command(redisContext* c, const char* format, ...) {
  va_list ap;
  va_start(ap, format);
  void* r = redisvCommand(c, format, ap);
  va_end(ap);
  return Reply(static_cast<redisReply*>(r), &freeReplyObject);
}

bool is_error(const Reply& r) { return !r || r->type == REDIS_REPLY_ERROR; }

// Connects, authenticates and leaves a blocking context whose reads and writes time out.
// On failure returns nullptr and says why in `why` (never the password).
Context connect(const RedisEndpoint& e, std::chrono::milliseconds timeout, std::string& why) {
  const timeval tv = fanout_timeval(timeout);
  Context c(redisConnectWithTimeout(e.host.c_str(), e.port, tv), &redisFree);
  if (!c) {
    why = "out of memory";
    return Context(nullptr, &redisFree);
  }
  if (c->err) {
    why = c->errstr;
    return Context(nullptr, &redisFree);
  }
  redisSetTimeout(c.get(), tv);
  redisEnableKeepAlive(c.get());
  if (!e.password.empty()) {
    auto r = e.username.empty()
                 ? command(c.get(), "AUTH %s", e.password.c_str())
                 : command(c.get(), "AUTH %s %s", e.username.c_str(), e.password.c_str());
    if (is_error(r)) {
      why = "authentication failed";
      return Context(nullptr, &redisFree);
    }
  }
  return c;
}

std::string where(const RedisEndpoint& e) { return e.host + ":" + std::to_string(e.port); }

}  // namespace

// ---- the wire format -------------------------------------------------------------------------

std::string encode_fanout_message(std::string_view origin, const std::vector<std::string>& topics,
                                  std::string_view frame) {
  boost::json::array list;
  for (const auto& t : topics) list.emplace_back(t);
  std::string out;
  out.reserve(kMagic.size() + origin.size() + frame.size() + 16 * topics.size() + 8);
  out += kMagic;
  out += '\n';
  out += origin;
  out += '\n';
  util::append_json(out, list);
  out += '\n';
  out += frame;
  return out;
}

std::optional<FanoutMessage> decode_fanout_message(std::string_view text) {
  auto line = [&text]() -> std::optional<std::string_view> {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    auto out = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    return out;
  };
  auto magic = line();
  if (!magic || *magic != kMagic) return std::nullopt;
  auto origin = line();
  auto topics_text = line();
  if (!origin || !topics_text || origin->empty()) return std::nullopt;
  boost::system::error_code ec;
  auto topics = boost::json::parse(*topics_text, ec);
  if (ec || !topics.is_array()) return std::nullopt;
  FanoutMessage m;
  m.origin = std::string(*origin);
  for (const auto& t : topics.as_array()) {
    if (!t.is_string()) return std::nullopt;
    m.topics.emplace_back(t.as_string());
  }
  m.frame = std::string(text);
  return m;
}

std::optional<Event> event_from_frame(std::string_view frame, std::vector<std::string> topics) {
  boost::system::error_code ec;
  auto v = boost::json::parse(frame, ec);
  if (ec || !v.is_object()) return std::nullopt;
  auto& o = v.as_object();
  // Only lookups here: object::operator[] may rehash and leave these pointers dangling.
  auto* type = o.if_contains("type");
  auto* at = o.if_contains("at");
  auto* data = o.if_contains("data");
  if (!type || !type->is_string() || !data) return std::nullopt;
  Event e;
  e.type = std::string(type->as_string());
  if (at && at->is_string()) e.at_ms = util::parse_rfc3339(at->as_string()).value_or(0);
  e.data = std::move(*data);
  e.topics = std::move(topics);
  return e;
}

// ---- the fan-out -----------------------------------------------------------------------------

RedisFanout::RedisFanout(Bus& bus, RedisFanoutOptions options)
    : bus_(bus), options_(std::move(options)) {
  if (options_.origin.empty()) options_.origin = util::new_uuid_v7();
  channel_ = "crema:" + std::to_string(options_.endpoint.db) + ":events";
}

RedisFanout::~RedisFanout() { stop(); }

void RedisFanout::on_link_change(std::function<void(bool)> callback) {
  on_link_ = std::move(callback);
}

void RedisFanout::start() {
  if (started_) return;
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) throw std::runtime_error("eventfd failed");
  started_ = true;
  publisher_ = std::thread([this] { publisher_loop(); });
  subscriber_ = std::thread([this] { subscriber_loop(); });
  bus_.set_forwarder(this);
}

void RedisFanout::stop() {
  if (!started_) return;
  bus_.set_forwarder(nullptr);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  if (publisher_.joinable()) publisher_.join();
  if (subscriber_.joinable()) subscriber_.join();
  ::close(wake_fd_);
  wake_fd_ = -1;
  started_ = false;
}

void RedisFanout::forward(const Event& event, const Frame& frame) {
  auto message = encode_fanout_message(options_.origin, event.topics, *frame);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (queue_.size() >= options_.max_backlog) {
      queue_.pop_front();
      dropped_.fetch_add(1);
      if (!warned_full_) {
        warned_full_ = true;
        obs::Log(obs::Level::warn, "redis fan-out backlog full; dropping the oldest events")
            .num("backlog", static_cast<std::int64_t>(options_.max_backlog));
      }
    }
    queue_.push_back(std::move(message));
  }
  cv_.notify_one();
}

bool RedisFanout::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

void RedisFanout::set_link(bool up) {
  if (subscribed_.exchange(up) == up) return;
  if (on_link_) {
    try {
      on_link_(up);
    } catch (const std::exception& e) {
      obs::Log(obs::Level::error, "redis link callback failed").str("error", e.what());
    }
  }
}

void RedisFanout::publisher_loop() {
  Context c(nullptr, &redisFree);
  auto backoff = options_.backoff_min;
  bool reported_down = false;
  for (;;) {
    std::vector<std::string> batch;
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      stopping = stopping_;
      if (queue_.empty()) return;  // stopping, and everything was sent
      while (!queue_.empty() && batch.size() < kBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    auto put_back = [&](std::size_t from) {
      std::lock_guard lock(mutex_);
      for (std::size_t i = batch.size(); i-- > from;) {
        if (queue_.size() >= options_.max_backlog) {
          dropped_.fetch_add(1);
          continue;
        }
        queue_.push_front(std::move(batch[i]));
      }
    };
    if (!c) {
      std::string why;
      c = connect(options_.endpoint, options_.connect_timeout, why);
      if (!c) {
        if (!reported_down) {
          obs::Log(obs::Level::warn, "redis publisher cannot connect; retrying")
              .str("redis", where(options_.endpoint))
              .str("error", why);
          reported_down = true;
        }
        if (stopping) {  // no time left to wait for Redis: what is queued is lost
          dropped_.fetch_add(batch.size());
          std::lock_guard lock(mutex_);
          dropped_.fetch_add(queue_.size());
          queue_.clear();
          return;
        }
        put_back(0);
        pause(backoff);
        backoff = std::min(backoff * 2, options_.backoff_max);
        continue;
      }
      if (reported_down) {
        obs::Log(obs::Level::info, "redis publisher connected")
            .str("redis", where(options_.endpoint));
        reported_down = false;
      }
      backoff = options_.backoff_min;
    }
    // Pipelined: every PUBLISH of the batch goes out before the first reply is read.
    for (const auto& m : batch)
      redisAppendCommand(c.get(), "PUBLISH %b %b", channel_.data(), channel_.size(), m.data(),
                         m.size());
    std::size_t done = 0;
    while (done < batch.size()) {
      void* raw = nullptr;
      if (redisGetReply(c.get(), &raw) != REDIS_OK) break;
      Reply r(static_cast<redisReply*>(raw), &freeReplyObject);
      ++done;
    }
    published_.fetch_add(done);
    if (done < batch.size()) {
      obs::Log(obs::Level::warn, "redis publisher lost its connection; reconnecting")
          .str("redis", where(options_.endpoint))
          .str("error", c->errstr);
      c.reset();
      reported_down = true;
      // Unacknowledged messages are sent again: a repeat is harmless (events carry whole
      // resources), a loss is not.
      put_back(done);
    }
  }
}

void RedisFanout::subscriber_loop() {
  using Clock = std::chrono::steady_clock;
  auto backoff = options_.backoff_min;
  bool reported_down = false;
  auto stopping = [this] {
    std::lock_guard lock(mutex_);
    return stopping_;
  };
  while (!stopping()) {
    std::string why;
    Context c = connect(options_.endpoint, options_.connect_timeout, why);
    if (c) {
      auto r = command(c.get(), "SUBSCRIBE %b", channel_.data(), channel_.size());
      if (is_error(r) || r->type != REDIS_REPLY_ARRAY) {
        why = r ? std::string(r->str ? r->str : "unexpected reply") : std::string(c->errstr);
        c.reset();
      }
    }
    if (!c) {
      set_link(false);
      if (!reported_down) {
        obs::Log(obs::Level::warn, "redis subscriber cannot connect; retrying")
            .str("redis", where(options_.endpoint))
            .str("error", why);
        reported_down = true;
      }
      pause(backoff);
      backoff = std::min(backoff * 2, options_.backoff_max);
      continue;
    }
    backoff = options_.backoff_min;
    reported_down = false;
    obs::Log(obs::Level::info, "redis events subscribed")
        .str("redis", where(options_.endpoint))
        .str("channel", channel_);
    set_link(true);

    auto last_heard = Clock::now();
    bool ping_out = false;
    std::string lost;
    while (lost.empty()) {
      pollfd fds[2] = {{c->fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      const int n = ::poll(fds, 2, 1000);
      if (stopping()) break;
      if (n < 0) {
        if (errno == EINTR) continue;
        lost = "poll failed";
        break;
      }
      if (fds[0].revents != 0) {
        if (redisBufferRead(c.get()) != REDIS_OK) {
          lost = c->errstr;
          break;
        }
        last_heard = Clock::now();
        ping_out = false;
        for (;;) {
          void* raw = nullptr;
          if (redisGetReplyFromReader(c.get(), &raw) != REDIS_OK) {
            lost = c->errstr;
            break;
          }
          if (!raw) break;
          Reply reply(static_cast<redisReply*>(raw), &freeReplyObject);
          if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
              reply->element[0]->type == REDIS_REPLY_STRING &&
              std::string_view(reply->element[0]->str, reply->element[0]->len) == "message" &&
              reply->element[2]->type == REDIS_REPLY_STRING) {
            handle_message(std::string_view(reply->element[2]->str, reply->element[2]->len));
          }
        }
        continue;
      }
      // Silence: ask, and give up on a link that does not answer.
      const auto quiet = Clock::now() - last_heard;
      if (ping_out && quiet > 2 * options_.keepalive) {
        lost = "no answer to PING";
      } else if (!ping_out && quiet > options_.keepalive) {
        redisAppendCommand(c.get(), "PING");
        int done = 0;
        while (!done) {
          if (redisBufferWrite(c.get(), &done) != REDIS_OK) {
            lost = c->errstr;
            break;
          }
        }
        ping_out = true;
      }
    }
    set_link(false);
    if (!lost.empty()) {
      obs::Log(obs::Level::warn, "redis subscription lost; reconnecting")
          .str("redis", where(options_.endpoint))
          .str("error", lost);
      reported_down = true;
    }
  }
}

void RedisFanout::handle_message(std::string_view payload) {
  auto m = decode_fanout_message(payload);
  if (!m) {
    obs::Log(obs::Level::warn, "redis fan-out: ignoring a malformed message")
        .num("bytes", static_cast<std::int64_t>(payload.size()));
    return;
  }
  if (m->origin == options_.origin) return;  // ours: delivered here when it was published
  auto event = event_from_frame(m->frame, std::move(m->topics));
  if (!event) {
    obs::Log(obs::Level::warn, "redis fan-out: ignoring a message with a malformed frame");
    return;
  }
  received_.fetch_add(1);
  bus_.deliver_remote(std::move(*event), std::make_shared<const std::string>(std::move(m->frame)));
}

}  // namespace crema::events
