#include "net/ws_session.hpp"

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>

#include "db/types.hpp"
#include "events/hub.hpp"
#include "obs/log.hpp"

namespace crema::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using boost::system::error_code;

namespace {

constexpr auto kWsUseTuple = asio::as_tuple(asio::use_awaitable);

/// One client. The queue is filled from any thread (deliver()); everything else is touched
/// only on the connection's I/O thread.
class Session final : public events::Subscriber,
                      public WsControl,
                      public std::enable_shared_from_this<Session> {
 public:
  Session(asio::any_io_executor executor, const WebSocketOptions& options,
          auth::Principal principal)
      : executor_(executor),
        options_(options),
        principal_(std::move(principal)),
        wake_(executor),
        ping_timer_(executor),
        close_deadline_(executor),
        done_(executor) {}

  // ---- any thread ----

  void deliver(const events::Frame& frame) override {
    {
      std::lock_guard lock(mutex_);
      if (!accepting_) return;
      if (queue_.size() >= options_.queue_frames ||
          queued_bytes_ + frame->size() > options_.queue_bytes) {
        // Too slow to keep up: never block the publisher, never grow without bound.
        accepting_ = false;
        overflowed_ = true;
        queue_.clear();
        queued_bytes_ = 0;
      } else {
        queue_.push_back(frame);
        queued_bytes_ += frame->size();
      }
      if (wake_posted_) return;
      wake_posted_ = true;
    }
    asio::post(executor_, [self = shared_from_this()] { self->on_wake(); });
  }

  // ---- the I/O thread ----

  void going_away() override { begin_close(websocket::close_code::going_away, "server restart"); }

  /// Starts a server-side close: the writer sends `code` once the queue is empty, and the
  /// connection is cut if that has not finished within the close timeout.
  void begin_close(websocket::close_code code, std::string_view reason) {
    if (close_code_ || finished_) return;
    close_code_ = code;
    close_reason_ = std::string(reason);
    {
      std::lock_guard lock(mutex_);
      accepting_ = false;
    }
    close_deadline_.expires_after(options_.close_timeout);
    close_deadline_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec && !self->finished_) self->abort();
    });
    wake_.cancel();
  }

  /// Closes the TCP connection at once (pending operations fail).
  void abort() {
    if (abort_) abort_();
  }

  void on_wake() {
    bool overflowed = false;
    {
      std::lock_guard lock(mutex_);
      wake_posted_ = false;
      overflowed = overflowed_;
    }
    if (overflowed && !close_code_) {
      obs::Log(obs::Level::warn, "websocket client too slow; closing it")
          .str("user_id", principal_.user_id)
          .num("queue_frames", static_cast<std::int64_t>(options_.queue_frames))
          .num("queue_bytes", static_cast<std::int64_t>(options_.queue_bytes));
      begin_close(websocket::close_code::policy_error, "send queue overflow");
    }
    wake_.cancel();
  }

  /// The frame to write next (not removed until written), or nothing.
  events::Frame front() {
    std::lock_guard lock(mutex_);
    return queue_.empty() ? nullptr : queue_.front();
  }
  void pop(const events::Frame& written) {
    std::lock_guard lock(mutex_);
    // An overflow may have emptied the queue while the frame was on its way.
    if (!queue_.empty() && queue_.front() == written) {
      queued_bytes_ -= written->size();
      queue_.pop_front();
    }
  }

  void send(std::string_view type, json::object data) {
    deliver(events::make_control_frame(type, data));
  }
  void send_error(std::string_view code, std::string message, std::string_view channel = {}) {
    json::object data{{"code", code}, {"message", std::move(message)}};
    if (!channel.empty()) data["channel"] = channel;
    send("error", std::move(data));
  }

  /// Wakes the writer (I/O thread).
  void wake() { wake_.cancel(); }

  void finish() {
    finished_ = true;
    {
      std::lock_guard lock(mutex_);
      accepting_ = false;
      queue_.clear();
      queued_bytes_ = 0;
    }
    wake_.cancel();
    ping_timer_.cancel();
    close_deadline_.cancel();
  }

  /// Marks one of the helper coroutines as ended.
  void helper_done() {
    --helpers_;
    done_.cancel();
  }

  asio::any_io_executor executor_;
  const WebSocketOptions& options_;
  const auth::Principal principal_;
  std::set<std::string> channels_;
  asio::steady_timer wake_;  ///< the writer waits on it
  asio::steady_timer ping_timer_;
  asio::steady_timer close_deadline_;
  asio::steady_timer done_;  ///< the session waits on it for its helpers to end
  std::function<void()> abort_;
  std::optional<websocket::close_code> close_code_;
  std::string close_reason_;
  int missed_pongs_ = 0;
  bool ping_due_ = false;
  bool finished_ = false;
  int helpers_ = 0;

 private:
  std::mutex mutex_;
  std::deque<events::Frame> queue_;
  std::size_t queued_bytes_ = 0;
  bool accepting_ = true;
  bool overflowed_ = false;
  bool wake_posted_ = false;
};

/// Ends a helper coroutine's share of the session, however it ends.
struct HelperGuard {
  Session& s;
  ~HelperGuard() { s.helper_done(); }
};

// The one writer of the socket: frames in queue order, pings, and the closing frame.
template <class Ws>
asio::awaitable<void> write_loop(Ws& ws, std::shared_ptr<Session> s) {
  HelperGuard guard{*s};
  for (;;) {
    if (s->finished_) co_return;
    if (s->ping_due_) {
      s->ping_due_ = false;
      auto [ec] = co_await ws.async_ping({}, kWsUseTuple);
      if (ec) co_return;
      continue;
    }
    if (auto frame = s->front()) {
      auto [ec, n] = co_await ws.async_write(asio::buffer(*frame), kWsUseTuple);
      if (ec) co_return;
      s->pop(frame);
      continue;
    }
    if (s->close_code_) {
      // Whatever the outcome, the reader sees the connection end.
      co_await ws.async_close(websocket::close_reason(*s->close_code_, s->close_reason_),
                              kWsUseTuple);
      co_return;
    }
    s->wake_.expires_at(asio::steady_timer::time_point::max());
    co_await s->wake_.async_wait(kWsUseTuple);
  }
}

// Liveness: a ping every interval; a client that leaves `missed_pongs` of them unanswered
// is dropped without ceremony (it is not listening).
asio::awaitable<void> ping_loop(std::shared_ptr<Session> s) {
  HelperGuard guard{*s};
  for (;;) {
    s->ping_timer_.expires_after(s->options_.ping_interval);
    auto [ec] = co_await s->ping_timer_.async_wait(kWsUseTuple);
    if (ec || s->finished_) co_return;
    if (s->missed_pongs_ >= s->options_.missed_pongs) {
      obs::Log(obs::Level::info, "websocket client missed its pongs; dropping it")
          .str("user_id", s->principal_.user_id);
      s->abort();
      co_return;
    }
    ++s->missed_pongs_;
    s->ping_due_ = true;
    s->wake();
  }
}

enum class ChannelOutcome { no, yes, unavailable, failed };

// Runs a channel rule (on the worker pool); never throws.
ChannelOutcome run_channel_check(const events::Hub::ChannelCheck& check,
                                 const auth::Principal& principal, const std::string& channel) {
  try {
    return check(principal, channel) ? ChannelOutcome::yes : ChannelOutcome::no;
  } catch (const db::Error& e) {
    if (e.kind() == db::Error::Kind::unavailable) return ChannelOutcome::unavailable;
    obs::Log(obs::Level::error, "websocket channel check failed")
        .str("channel", channel)
        .str("error", e.what());
  } catch (const std::exception& e) {
    obs::Log(obs::Level::error, "websocket channel check failed")
        .str("channel", channel)
        .str("error", e.what());
  }
  return ChannelOutcome::failed;
}

// One client message: {"action": "subscribe" | "unsubscribe", "channel": "…"}.
asio::awaitable<void> handle_message(std::shared_ptr<Session> s, const WsEnvironment& env,
                                     std::string text) {
  error_code ec;
  auto v = json::parse(text, ec);
  const json::object* o = !ec ? v.if_object() : nullptr;
  const json::value* action = o ? o->if_contains("action") : nullptr;
  const json::value* channel = o ? o->if_contains("channel") : nullptr;
  if (!action || !action->is_string() || !channel || !channel->is_string()) {
    s->send_error("bad_request",
                  R"(Send {"action": "subscribe" | "unsubscribe", "channel": "<channel>"}.)");
    co_return;
  }
  const std::string ch(channel->as_string());
  if (!events::Hub::valid_channel(ch)) {
    s->send_error("bad_request", "That is not a channel name.");
    co_return;
  }
  if (action->as_string() == "unsubscribe") {
    if (s->channels_.erase(ch) != 0) env.hub.unsubscribe(ch, s.get());
    s->send("unsubscribed", {{"channel", ch}});
    co_return;
  }
  if (action->as_string() != "subscribe") {
    s->send_error("bad_request", R"(The action is "subscribe" or "unsubscribe".)", ch);
    co_return;
  }
  if (s->channels_.count(ch) != 0) {
    s->send("subscribed", {{"channel", ch}});
    co_return;
  }
  if (s->channels_.size() >= env.options.max_channels) {
    s->send_error("bad_request",
                  "At most " + std::to_string(env.options.max_channels) + " channels at once.", ch);
    co_return;
  }
  using Kind = events::Hub::Decision::Kind;
  auto decision = env.hub.decide(s->principal_, ch);
  bool allowed = decision.kind == Kind::allowed;
  if (decision.kind == Kind::check) {
    // The rule may query the database: never on the I/O thread. (The work is a plain
    // function: no try/catch inside the coroutine, which GCC 12 miscompiles.)
    const auto check = decision.check;
    const ChannelOutcome outcome = co_await asio::co_spawn(
        env.workers,
        [&]() -> asio::awaitable<ChannelOutcome> {
          co_return run_channel_check(*check, s->principal_, ch);
        },
        asio::use_awaitable);
    if (s->finished_) co_return;
    if (outcome == ChannelOutcome::unavailable) {
      s->send_error("unavailable", "The database is unavailable; try again.", ch);
      co_return;
    }
    if (outcome == ChannelOutcome::failed) {
      s->send_error("internal", "That channel could not be checked.", ch);
      co_return;
    }
    allowed = outcome == ChannelOutcome::yes;
  }
  if (!allowed) {
    s->send_error("forbidden", "You may not listen on " + ch + ".", ch);
    co_return;
  }
  s->channels_.insert(ch);
  env.hub.subscribe(ch, s);
  s->send("subscribed", {{"channel", ch}});
}

}  // namespace

template <class Stream>
asio::awaitable<void> run_websocket(Stream& stream, UpgradeRequest request, WsUpgrade upgrade,
                                    WsEnvironment env, WsControl*& control) {
  websocket::stream<Stream&> ws(stream);
  // The websocket layer keeps its own time (pings below); the HTTP deadline must not fire.
  beast::get_lowest_layer(ws).expires_never();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = env.options.close_timeout;  // the 101 answer, and closing
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws.set_option(timeouts);
  ws.set_option(websocket::stream_base::decorator([&upgrade](websocket::response_type& res) {
    res.erase(beast::http::field::server);
    for (const auto& [name, value] : upgrade.headers) res.set(name, value);
    if (!upgrade.protocol.empty())
      res.set(beast::http::field::sec_websocket_protocol, upgrade.protocol);
  }));
  ws.read_message_max(env.options.max_message);
  ws.auto_fragment(false);  // one frame per message: frames are small JSON
  ws.text(true);

  auto [accept_ec] = co_await ws.async_accept(request, kWsUseTuple);
  if (accept_ec) co_return;
  // Needed for the handshake only: free them for the life of the session.
  request = {};
  upgrade.headers = {};
  upgrade.protocol = {};

  auto session =
      std::make_shared<Session>(ws.get_executor(), env.options, std::move(upgrade.principal));
  session->abort_ = [&ws] {
    error_code ec;
    beast::get_lowest_layer(ws).socket().close(ec);
  };
  ws.control_callback([s = session.get()](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::pong) s->missed_pongs_ = 0;
  });

  // The first frame is hello, and the role's channels are in place before it is queued:
  // whatever is published from here on follows it in the queue.
  const auto defaults = events::Hub::default_channels(session->principal_);
  json::array channels;
  for (const auto& ch : defaults) channels.emplace_back(ch);
  session->send("hello", {{"user_id", session->principal_.user_id},
                          {"role", auth::role_name(session->principal_.role)},
                          {"channels", std::move(channels)}});
  for (const auto& ch : defaults) {
    session->channels_.insert(ch);
    env.hub.subscribe(ch, session);
  }
  env.hub.session_opened();
  control = session.get();

  session->helpers_ = 2;
  asio::co_spawn(ws.get_executor(), write_loop(ws, session), asio::detached);
  asio::co_spawn(ws.get_executor(), ping_loop(session), asio::detached);

  beast::flat_buffer buffer;
  for (;;) {
    auto [ec, n] = co_await ws.async_read(buffer, kWsUseTuple);
    if (ec) break;
    if (!ws.got_text()) {
      session->send_error("bad_request", "Messages are JSON text frames.");
    } else {
      co_await handle_message(session, env, beast::buffers_to_string(buffer.data()));
    }
    buffer.consume(buffer.size());
  }

  control = nullptr;
  session->finish();
  for (const auto& ch : session->channels_) env.hub.unsubscribe(ch, session.get());
  // The writer may be stuck on a client that stopped reading; nothing more will be said.
  if (session->helpers_ > 0) session->abort();
  while (session->helpers_ > 0) {
    session->done_.expires_at(asio::steady_timer::time_point::max());
    co_await session->done_.async_wait(kWsUseTuple);
  }
  session->abort_ = nullptr;
  env.hub.session_closed();
}

template asio::awaitable<void> run_websocket<beast::tcp_stream>(beast::tcp_stream&, UpgradeRequest,
                                                                WsUpgrade, WsEnvironment,
                                                                WsControl*&);
template asio::awaitable<void> run_websocket<beast::ssl_stream<beast::tcp_stream>>(
    beast::ssl_stream<beast::tcp_stream>&, UpgradeRequest, WsUpgrade, WsEnvironment, WsControl*&);

}  // namespace crema::net
