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
#include "net/ws_limits.hpp"
#include "obs/log.hpp"
#include "util/time.hpp"

namespace crema::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using boost::system::error_code;

namespace {

constexpr auto kWsUseTuple = asio::as_tuple(asio::use_awaitable);

/// The longest close reason a close frame can carry (RFC 6455 §5.5: 125 bytes of payload).
constexpr std::size_t kMaxCloseReason = 123;
/// A credentials check after a Redis outage that cannot be made is tried this often, this
/// far apart.
constexpr int kRecheckAttempts = 5;
constexpr std::chrono::milliseconds kRecheckPause{1000};

std::int64_t steady_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// One client. The queue is filled from any thread (deliver()), and revoke()/evict() may be
/// called from any thread; everything else is touched only on the connection's I/O thread.
class Session final : public events::Subscriber,
                      public WsControl,
                      public std::enable_shared_from_this<Session> {
 public:
  Session(asio::any_io_executor executor, const WsEnvironment& env, auth::Principal principal,
          WsAdmission admission, std::string token)
      : executor_(executor),
        env_(env),
        options_(env.options),
        principal_(std::move(principal)),
        admission_(std::move(admission)),
        token_(std::move(token)),
        rate_(env.options.max_messages, env.options.message_window.count()),
        wake_(executor),
        ping_timer_(executor),
        deadline_(executor),
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

  void revoke(const events::Revocation& r) override {
    asio::post(executor_, [self = shared_from_this(), r] { self->on_revoke(r); });
  }

  void evict() override {
    asio::post(executor_, [self = shared_from_this()] {
      if (self->close_code_ || self->finished_) return;
      obs::Log(obs::Level::info, "websocket replaced by a newer one of the same user")
          .str("user_id", self->principal_.user_id);
      self->close_now(WsClose::replaced, "too many connections for this user");
    });
  }

  void recheck() override {
    asio::post(executor_, [self = shared_from_this()] { self->start_recheck(1); });
  }

  // ---- the I/O thread ----

  // The token is checked again on the worker pool, exactly as at the upgrade; only a refusal
  // of the token itself (401, 403) closes the session. A check that could not be made (the
  // database or Redis still coming back, rate limited) is tried again a few times, a second
  // apart. A reauth meanwhile checks anyway.
  void start_recheck(int attempt) {
    if (close_code_ || finished_ || reauthing_) return;
    const std::uint64_t generation = credentials_generation_;
    asio::post(env_.workers, [self = shared_from_this(), token = token_, generation, attempt] {
      std::optional<auth::Principal> principal;
      auto refusal = admit_token(self->env_.dispatcher, self->admission_, token,
                                 http::RequestIdMiddleware::generate(), principal);
      const ErrorCode code =
          !refusal ? ErrorCode::internal
                   : (refusal->error ? refusal->error->code : ErrorCode::unauthorized);
      const bool revoked =
          refusal && (code == ErrorCode::unauthorized || code == ErrorCode::forbidden);
      const bool unknown = refusal && !revoked;
      asio::post(self->executor_, [self, revoked, unknown, generation, attempt] {
        if (generation != self->credentials_generation_ || self->reauthing_) return;
        if (revoked) {
          self->on_revoke(events::Revocation::user(self->principal_.user_id,
                                                   "the credentials are no longer valid"));
        } else if (unknown && attempt < kRecheckAttempts && !self->close_code_) {
          auto timer = std::make_shared<asio::steady_timer>(self->executor_, kRecheckPause);
          timer->async_wait([self, timer, attempt](error_code ec) {
            if (!ec) self->start_recheck(attempt + 1);
          });
        }
      });
    });
  }

  void going_away() override { begin_close(WsClose::going_away, "server restart", false); }

  /// Starts a server-side close: the writer sends `code` once the queue is empty (at once
  /// when `drop_queue`), and the connection is cut if that has not finished within the close
  /// timeout.
  void begin_close(WsClose code, std::string_view reason, bool drop_queue) {
    if (close_code_ || finished_) return;
    close_code_ = code;
    close_reason_ = std::string(reason.substr(0, kMaxCloseReason));
    {
      std::lock_guard lock(mutex_);
      accepting_ = false;
      // A frame being written stays at the front until written: only the rest is dropped.
      if (drop_queue) {
        const std::size_t keep = writing_ ? 1 : 0;
        while (queue_.size() > keep) {
          queued_bytes_ -= queue_.back()->size();
          queue_.pop_back();
        }
      }
    }
    arm_deadline(options_.close_timeout);
    wake_.cancel();
  }
  /// Closes without sending what is still queued: the client may not see more.
  void close_now(WsClose code, std::string_view reason) { begin_close(code, reason, true); }

  /// Closes the TCP connection at once (pending operations fail).
  void abort() {
    if (abort_) abort_();
  }

  // The deadline timer serves the access token's expiry until the session starts closing,
  // then the close timeout. Each arming bumps the generation, so a wait that completed just
  // as the timer was re-armed is recognised as stale.
  void arm_deadline(std::chrono::milliseconds after) {
    const std::uint64_t generation = ++deadline_generation_;
    deadline_.expires_after(std::max(after, std::chrono::milliseconds(0)));
    deadline_.async_wait([self = shared_from_this(), generation](error_code ec) {
      if (ec || generation != self->deadline_generation_ || self->finished_) return;
      self->on_deadline();
    });
  }

  /// (Re)arms the expiry of the access token the session is authenticated with.
  void arm_expiry() {
    if (close_code_ || principal_.token_expires_ms <= 0) return;
    arm_deadline(std::chrono::milliseconds(principal_.token_expires_ms - util::now_ms()));
  }

  void on_deadline() {
    if (close_code_) {
      abort();  // the closing handshake took too long
      return;
    }
    // `exp` has no leeway: the token is invalid from that millisecond on.
    if (util::now_ms() < principal_.token_expires_ms) {
      arm_expiry();  // woke early (the wall clock moved)
      return;
    }
    obs::Log(obs::Level::debug, "websocket access token expired; closing it")
        .str("user_id", principal_.user_id);
    close_now(WsClose::credentials, "access token expired");
  }

  void on_revoke(const events::Revocation& r) {
    if (close_code_ || finished_) return;
    // A reauth in flight may move the session to the revoked one: it looks at these too.
    if (reauthing_) held_revocations_.push_back(r);
    if (!r.concerns(principal_.user_id, principal_.session_id)) return;
    obs::Log(obs::Level::info, "websocket credentials revoked; closing it")
        .str("user_id", principal_.user_id)
        .str("reason", r.reason);
    close_now(WsClose::credentials, r.reason);
  }

  /// The client broke a message limit (SPEC §15.4).
  void violation(std::string_view what) {
    if (close_code_) return;
    obs::Log(obs::Level::info, "websocket client broke a message limit; closing it")
        .str("user_id", principal_.user_id)
        .str("limit", what);
    close_now(WsClose::policy, what);
  }

  /// Counts one client message against the rate limit; false (and closing) when over it.
  bool count_message() {
    if (rate_.allow(steady_ms())) return true;
    violation("too many messages");
    return false;
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
      begin_close(WsClose::policy, "send queue overflow", true);
    }
    wake_.cancel();
  }

  /// The frame to write next (not removed until written), or nothing.
  events::Frame front() {
    std::lock_guard lock(mutex_);
    writing_ = !queue_.empty();
    return queue_.empty() ? nullptr : queue_.front();
  }
  void pop(const events::Frame& written) {
    std::lock_guard lock(mutex_);
    writing_ = false;
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
    deadline_.cancel();
  }

  /// Marks one of the helper coroutines as ended.
  void helper_done() {
    --helpers_;
    done_.cancel();
  }

  asio::any_io_executor executor_;
  const WsEnvironment env_;
  const WebSocketOptions& options_;
  auth::Principal principal_;  ///< replaced by a successful reauth (same user and role)
  const WsAdmission admission_;
  std::string token_;                         ///< the access token of principal_
  std::uint64_t credentials_generation_ = 0;  ///< bumped by each successful reauth
  MessageRate rate_;
  std::set<std::string> channels_;
  asio::steady_timer wake_;  ///< the writer waits on it
  asio::steady_timer ping_timer_;
  asio::steady_timer deadline_;  ///< the token's expiry, then the close timeout
  asio::steady_timer done_;      ///< the session waits on it for its helpers to end
  std::uint64_t deadline_generation_ = 0;
  std::function<void()> abort_;
  std::optional<WsClose> close_code_;
  std::string close_reason_;
  int missed_pongs_ = 0;
  bool ping_due_ = false;
  bool finished_ = false;
  bool reauthing_ = false;
  std::vector<events::Revocation> held_revocations_;  ///< seen while reauthing_
  int helpers_ = 0;

 private:
  std::mutex mutex_;
  std::deque<events::Frame> queue_;
  std::size_t queued_bytes_ = 0;
  bool accepting_ = true;
  bool overflowed_ = false;
  bool wake_posted_ = false;
  bool writing_ = false;  ///< the front frame is being written
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
      // Application codes (4001, 4002) are not in Beast's enum, whose type is uint16_t.
      websocket::close_reason reason(static_cast<std::uint16_t>(*s->close_code_));
      reason.reason = s->close_reason_;
      co_await ws.async_close(reason, kWsUseTuple);
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

// A reauth's check, on the worker pool; never throws.
struct ReauthOutcome {
  std::optional<http::Response> refusal;
  std::optional<auth::Principal> principal;
};

ReauthOutcome check_reauth(http::Dispatcher& dispatcher, const WsAdmission& admission,
                           const std::string& token) {
  ReauthOutcome out;
  out.refusal = admit_token(dispatcher, admission, token, http::RequestIdMiddleware::generate(),
                            out.principal);
  return out;
}

// {"action": "reauth", "token": "<access token>"}: the session goes on with the new token's
// credentials (and expiry) when it is valid and of the same user and role; otherwise it
// closes with 4001. A refusal that says nothing about the token (rate limited, database
// unavailable) is an error frame, and the session keeps its current credentials.
asio::awaitable<void> reauth(std::shared_ptr<Session> s, const WsEnvironment& env,
                             std::string token) {
  if (s->principal_.is_guest()) {
    // An order token does not expire while its order is open: nothing to renew.
    s->send_error("bad_request", "A guest's socket (order_token) does not reauth.");
    co_return;
  }
  s->reauthing_ = true;
  s->held_revocations_.clear();
  const ReauthOutcome outcome = co_await asio::co_spawn(
      env.workers,
      [&]() -> asio::awaitable<ReauthOutcome> {
        co_return check_reauth(env.dispatcher, s->admission_, token);
      },
      asio::use_awaitable);
  s->reauthing_ = false;
  auto held = std::move(s->held_revocations_);
  s->held_revocations_.clear();
  if (s->finished_ || s->close_code_) co_return;
  if (outcome.refusal) {
    const auto code =
        outcome.refusal->error ? outcome.refusal->error->code : ErrorCode::unauthorized;
    if (code == ErrorCode::rate_limited || code == ErrorCode::unavailable ||
        code == ErrorCode::internal) {
      s->send_error(code_name(code),
                    outcome.refusal->error ? outcome.refusal->error->message : std::string(), {});
      co_return;
    }
    s->close_now(WsClose::credentials, "reauth refused: the token is not valid");
    co_return;
  }
  const auth::Principal& next = *outcome.principal;
  if (next.user_id != s->principal_.user_id) {
    s->close_now(WsClose::credentials, "reauth refused: the token is another user's");
    co_return;
  }
  if (next.role != s->principal_.role) {
    // The channels were chosen for the old role: a new connection chooses them again.
    s->close_now(WsClose::credentials, "reauth refused: the role changed; reconnect");
    co_return;
  }
  for (const auto& r : held) {
    if (r.concerns(next.user_id, next.session_id)) {
      s->close_now(WsClose::credentials, r.reason);
      co_return;
    }
  }
  s->principal_ = next;
  s->token_ = std::move(token);
  ++s->credentials_generation_;
  s->arm_expiry();
  json::object data{{"user_id", next.user_id}};
  if (next.token_expires_ms > 0) data["expires_at"] = util::format_rfc3339(next.token_expires_ms);
  s->send("reauthenticated", std::move(data));
}

// One client message: {"action": "subscribe" | "unsubscribe", "channel": "…"} or
// {"action": "reauth", "token": "…"}.
asio::awaitable<void> handle_message(std::shared_ptr<Session> s, const WsEnvironment& env,
                                     std::string text) {
  error_code ec;
  auto v = json::parse(text, ec);
  const json::object* o = !ec ? v.if_object() : nullptr;
  const json::value* action = o ? o->if_contains("action") : nullptr;
  if (action && action->is_string() && action->as_string() == "reauth") {
    const json::value* token = o->if_contains("token");
    if (!token || !token->is_string()) {
      s->send_error("bad_request", R"(Send {"action": "reauth", "token": "<access token>"}.)");
      co_return;
    }
    co_await reauth(s, env, std::string(token->as_string()));
    co_return;
  }
  const json::value* channel = o ? o->if_contains("channel") : nullptr;
  if (!action || !action->is_string() || !channel || !channel->is_string()) {
    s->send_error("bad_request",
                  R"(Send {"action": "subscribe" | "unsubscribe", "channel": "<channel>"} )"
                  R"(or {"action": "reauth", "token": "<access token>"}.)");
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
    s->send_error("bad_request", R"(The action is "subscribe", "unsubscribe" or "reauth".)", ch);
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

std::optional<http::Response> admit_token(http::Dispatcher& dispatcher,
                                          const WsAdmission& admission, std::string_view token,
                                          std::string request_id,
                                          std::optional<auth::Principal>& principal) {
  principal.reset();
  if (!admission.route)
    return http::Response::from(ErrorCode::unauthorized, "The access token is not valid.");
  http::Request probe;
  probe.method = http::Method::get;
  probe.path = admission.path;
  probe.target = admission.path;  // never the query: it holds the token
  probe.route = admission.route->pattern;
  probe.client_ip = admission.client_ip;
  probe.secure = admission.secure;
  probe.request_id = std::move(request_id);
  const std::string authorization = "Bearer " + std::string(token);
  if (!token.empty()) {
    if (admission.order_token) {
      probe.headers.emplace_back("x-order-token", token);  // views: `token` outlives probe
    } else {
      probe.headers.emplace_back("authorization", authorization);
    }
  }
  auto refusal = dispatcher.admit(probe, *admission.route);
  if (refusal) return refusal;
  if (!probe.principal || probe.principal->is_api_key())
    return http::Response::from(ErrorCode::unauthorized, "Sign in first.");
  principal = std::move(probe.principal);
  return std::nullopt;
}

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
  // Message sizes are checked below, as they arrive, so that an oversized one is answered
  // with 1008 as SPEC §15.4 says (Beast's own limit would answer 1009).
  ws.read_message_max(0);
  ws.auto_fragment(false);  // one frame per message: frames are small JSON
  ws.text(true);

  auto [accept_ec] = co_await ws.async_accept(request, kWsUseTuple);
  if (accept_ec) co_return;
  // Needed for the handshake only: free them for the life of the session.
  request = {};
  upgrade.headers = {};
  upgrade.protocol = {};

  auto session = std::make_shared<Session>(ws.get_executor(), env, std::move(upgrade.principal),
                                           std::move(upgrade.admission), std::move(upgrade.token));
  session->abort_ = [&ws] {
    error_code ec;
    beast::get_lowest_layer(ws).socket().close(ec);
  };
  ws.control_callback([s = session.get()](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::pong) s->missed_pongs_ = 0;
    // A client's pings are messages too (each costs a pong).
    if (kind == websocket::frame_type::ping && !s->close_code_) s->count_message();
  });

  // The credentials' life: closed (4001) at the token's expiry, or when revoked, which needs
  // the hub to know the session by its user; one more than CREMA_WS_PER_USER evicts the
  // user's oldest. In place before hello, so a client that has read hello is covered.
  const std::string user_id = session->principal_.user_id;  // a reauth keeps the user
  session->arm_expiry();
  if (!user_id.empty()) env.hub.add_user_session(user_id, session);

  // The first frame is hello, and the role's channels are in place before it is queued:
  // whatever is published from here on follows it in the queue.
  const auto defaults = events::Hub::default_channels(session->principal_);
  json::array channels;
  for (const auto& ch : defaults) channels.emplace_back(ch);
  // A guest (an order token, SPEC §15.1) has no user and the role "guest".
  const bool guest = session->principal_.is_guest();
  json::object hello{
      {"user_id", guest ? json::value(nullptr) : json::value(session->principal_.user_id)},
      {"role", guest ? std::string_view("guest") : auth::role_name(session->principal_.role)},
      {"channels", std::move(channels)}};
  if (session->principal_.token_expires_ms > 0)
    hello["expires_at"] = util::format_rfc3339(session->principal_.token_expires_ms);
  session->send("hello", std::move(hello));
  for (const auto& ch : defaults) {
    session->channels_.insert(ch);
    env.hub.subscribe(ch, session);
  }
  env.hub.session_opened();
  control = session.get();

  session->helpers_ = 2;
  asio::co_spawn(ws.get_executor(), write_loop(ws, session), asio::detached);
  asio::co_spawn(ws.get_executor(), ping_loop(session), asio::detached);

  const std::size_t max_message = env.options.max_message;
  beast::flat_buffer buffer;
  for (;;) {
    // At most one byte past the limit is read into the buffer, however long the frame says
    // it is.
    const std::size_t room = max_message + 1 - std::min(buffer.size(), max_message);
    auto [ec, n] = co_await ws.async_read_some(buffer, room, kWsUseTuple);
    if (ec) break;
    if (session->close_code_) {
      // Closing: what the client still sends is read (to reach its close frame) and dropped.
      buffer.consume(buffer.size());
      continue;
    }
    if (buffer.size() > max_message) {
      buffer.consume(buffer.size());
      session->violation("message too big");
      continue;
    }
    if (!ws.is_message_done()) continue;
    if (!session->count_message()) {
      buffer.consume(buffer.size());
      continue;
    }
    if (!ws.got_text()) {
      session->send_error("bad_request", "Messages are JSON text frames.");
    } else {
      co_await handle_message(session, env, beast::buffers_to_string(buffer.data()));
    }
    buffer.consume(buffer.size());
  }

  control = nullptr;
  session->finish();
  if (!user_id.empty()) env.hub.remove_user_session(user_id, session.get());
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
