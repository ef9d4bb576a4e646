#include "net/http_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <list>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <tuple>

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>

#include "net/chunk_queue.hpp"
#include "net/dispatcher.hpp"
#include "net/ws_session.hpp"
#include "obs/log.hpp"
#include "obs/metrics.hpp"

namespace crema::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

/// A streamed response's chunks waiting to be sent, at most: the producer waits beyond it.
/// With the CSV exports' ~1000-row pages that is a few hundred KiB per export at worst.
constexpr std::size_t kStreamQueueChunks = 4;

/// What shutdown needs to know about one connection. Lives in the session's coroutine
/// frame; only touched on the connection's own I/O thread.
struct SessionHandle {
  tcp::socket* socket = nullptr;
  bool idle = true;                ///< waiting for the first byte of a request
  WsControl* websocket = nullptr;  ///< set while the connection is a WebSocket session
};

/// One I/O thread: its io_context, its acceptor, its connections.
struct Shard {
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::list<SessionHandle*> sessions;
  std::thread thread;
};

// Appends "Name: value\r\n". Names and values come from code, but a value may carry
// request data (a Location with an id): CR and LF are replaced so no header can be forged.
void append_header(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  bool clean = true;
  for (char c : value) clean &= (c != '\r') & (c != '\n');
  if (clean) {
    out += value;
  } else {
    for (char c : value) out += (c == '\r' || c == '\n') ? ' ' : c;
  }
  out += "\r\n";
}

enum class BodyFraming : std::uint8_t { none, length, chunked, until_close };

// The head is written by hand into one buffer and sent with the body in one gathered
// write: Beast's serializer walked its field list buffer by buffer and was a quarter of
// the instructions of a small response.
std::string response_head(const http::Response& res, unsigned version, bool keep_alive,
                          BodyFraming framing, std::size_t length) {
  std::string out;
  out.reserve(256 + res.headers.size() * 48);
  out += "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  out += bhttp::obsolete_reason(static_cast<bhttp::status>(res.status));
  out += "\r\n";
  if (!res.content_type.empty()) append_header(out, "Content-Type", res.content_type);
  for (const auto& [name, value] : res.headers) append_header(out, name, value);
  if (framing == BodyFraming::length) {
    out += "Content-Length: ";
    out += std::to_string(length);
    out += "\r\n";
  } else if (framing == BodyFraming::chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  }
  if (!keep_alive) {
    out += "Connection: close\r\n";
  } else if (version < 11) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
  return out;
}

bool is_disconnect(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::operation_aborted || ec == beast::error::timeout ||
         ec == asio::error::not_connected || ec == asio::ssl::error::stream_truncated ||
         ec == asio::error::bad_descriptor;
}

// The client address a request is attributed to: the peer, or — only when the peer is a
// trusted proxy — the right-most X-Forwarded-For entry that is not itself a trusted proxy.
std::string client_address(const std::string& peer_text, bool peer_trusted,
                           const std::vector<util::Cidr>& trusted,
                           std::optional<std::string_view> forwarded_for) {
  if (!peer_trusted || !forwarded_for) return peer_text;
  std::string_view list = *forwarded_for;
  std::string last_valid = peer_text;
  while (!list.empty()) {
    auto comma = list.rfind(',');
    auto item = comma == std::string_view::npos ? list : list.substr(comma + 1);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    auto ip = util::IpAddress::parse(item);
    if (!ip) break;  // garbage: stop believing the chain here
    last_valid = ip->to_string();
    bool is_proxy = false;
    for (const auto& c : trusted) is_proxy = is_proxy || c.contains(*ip);
    if (!is_proxy) return last_valid;
  }
  return last_valid;
}

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  http::Dispatcher& dispatcher;
  asio::thread_pool& workers;
  obs::Metrics* metrics;
  events::Hub* hub = nullptr;
  std::unique_ptr<asio::ssl::context> tls;
  std::vector<std::unique_ptr<Shard>> shards;
  std::uint16_t bound_port = 0;
  std::atomic<bool> draining{false};
  std::atomic<int> open_sessions{0};
  std::atomic<int> open_streams{0};
  std::mutex idle_mutex;
  std::condition_variable idle_cv;
  bool started = false;
  bool stopped = false;

  Impl(ServerOptions o, http::Dispatcher& d, asio::thread_pool& w, obs::Metrics* m)
      : options(std::move(o)), dispatcher(d), workers(w), metrics(m) {}

  void session_closed() {
    if (open_sessions.fetch_sub(1) == 1) {
      std::lock_guard lock(idle_mutex);
      idle_cv.notify_all();
    }
  }

  asio::awaitable<void> accept_loop(Shard& shard);
  asio::awaitable<void> run_plain(Shard& shard, tcp::socket socket);
  asio::awaitable<void> run_tls(Shard& shard, tcp::socket socket);
  /// Serves HTTP requests until the connection ends, or until an accepted WebSocket upgrade,
  /// which is returned for the caller to run once this frame (and its parser) is gone.
  template <class Stream>
  asio::awaitable<std::optional<WsStart>> serve(Stream& stream, SessionHandle& handle,
                                                const util::IpAddress& peer, bool over_tls);
  template <class Stream, class InFlight>
  asio::awaitable<std::optional<WsStart>> upgrade(Stream& stream, http::Exchange& ex,
                                                  bhttp::request_parser<bhttp::string_body>& parser,
                                                  InFlight& in_flight);
  WsEnvironment websocket_environment() { return {*hub, workers, options.websocket, dispatcher}; }
  template <class Stream>
  asio::awaitable<bool> write_response(Stream& stream, http::Exchange& ex, http::Response& res,
                                       unsigned version, bool keep_alive, bool head);
  /// Sends a streamed response (Response::stream): its producer runs on the worker pool and
  /// fills a bounded ChunkQueue; each chunk goes out as it comes (chunked; to HTTP/1.0
  /// clients as a body ended by closing). False when the connection must end (the client
  /// left, the producer failed, or an HTTP/1.0 body).
  template <class Stream>
  asio::awaitable<bool> write_stream(Stream& stream, http::Exchange& ex, http::Response& res,
                                     unsigned version, bool keep_alive);
};

// ---- connections ------------------------------------------------------------------------

namespace {

/// Registers a session with its shard for the life of the connection coroutine.
class SessionGuard {
 public:
  SessionGuard(Shard& shard, SessionHandle& handle, HttpServer::Impl& impl)
      : shard_(shard), impl_(impl) {
    it_ = shard_.sessions.insert(shard_.sessions.end(), &handle);
  }
  ~SessionGuard() {
    shard_.sessions.erase(it_);
    impl_.session_closed();
  }
  SessionGuard(const SessionGuard&) = delete;
  SessionGuard& operator=(const SessionGuard&) = delete;

 private:
  Shard& shard_;
  HttpServer::Impl& impl_;
  std::list<SessionHandle*>::iterator it_;
};

util::IpAddress peer_of(const tcp::socket& socket) {
  error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return {};
  return util::IpAddress::parse(ep.address().to_string()).value_or(util::IpAddress{});
}

}  // namespace

asio::awaitable<void> HttpServer::Impl::run_plain(Shard& shard, tcp::socket socket) {
  const auto peer = peer_of(socket);
  beast::tcp_stream stream(std::move(socket));
  SessionHandle handle{&stream.socket()};
  SessionGuard guard(shard, handle, *this);
  if (auto ws = co_await serve(stream, handle, peer, false)) {
    // Its closing handshake has ended the connection: nothing to linger for.
    co_await run_websocket(stream, std::move(ws->request), std::move(ws->upgrade),
                           websocket_environment(), handle.websocket);
    stream.close();
    co_return;
  }
  // Lingering close: stop sending, then read and drop what the client still sends for a
  // moment, so that closing with unread bytes (a refused 413 body) does not reset the
  // connection before the client has read our answer.
  error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (!ec) {
    // On the heap, only now: in the coroutine frame it would cost every open connection
    // (thousands of WebSocket clients) 4 KiB.
    const auto sink = std::make_unique<char[]>(4096);
    std::size_t drained = 0;
    stream.expires_after(std::chrono::milliseconds(500));
    while (drained < 256 * 1024) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink.get(), 4096), kUseTuple);
      if (rec) break;
      drained += n;
    }
  }
  stream.close();
}

asio::awaitable<void> HttpServer::Impl::run_tls(Shard& shard, tcp::socket socket) {
  const auto peer = peer_of(socket);
  beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
  SessionHandle handle{&beast::get_lowest_layer(stream).socket()};
  SessionGuard guard(shard, handle, *this);
  beast::get_lowest_layer(stream).expires_after(options.request_timeout);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kUseTuple);
  if (!ec) {
    if (auto ws = co_await serve(stream, handle, peer, true)) {
      // The WebSocket's own teardown ends TLS too.
      co_await run_websocket(stream, std::move(ws->request), std::move(ws->upgrade),
                             websocket_environment(), handle.websocket);
    } else {
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(kUseTuple);
    }
  }
  beast::get_lowest_layer(stream).close();
}

template <class Stream>
asio::awaitable<bool> HttpServer::Impl::write_response(Stream& stream, http::Exchange& ex,
                                                       http::Response& res, unsigned version,
                                                       bool keep_alive, bool head) {
  dispatcher.finish(ex, res);
  const bool bodiless = res.status < 200 || res.status == 204 || res.status == 304;
  const std::string_view body = res.body_view();
  // A streamed answer here is a HEAD's: its head says chunked, as the GET's would.
  const auto framing = bodiless     ? BodyFraming::none
                       : res.stream ? BodyFraming::chunked
                                    : BodyFraming::length;
  const std::string out = response_head(res, version, keep_alive, framing, body.size());
  const bool send_body = !head && !bodiless && !body.empty();
  const std::array<asio::const_buffer, 2> buffers{
      asio::buffer(out), send_body ? asio::buffer(body.data(), body.size()) : asio::const_buffer()};
  beast::get_lowest_layer(stream).expires_after(options.request_timeout);
  auto [ec, n] = co_await asio::async_write(stream, buffers, kUseTuple);
  co_return !ec;
}

template <class Stream>
asio::awaitable<bool> HttpServer::Impl::write_stream(Stream& stream, http::Exchange& ex,
                                                     http::Response& res, unsigned version,
                                                     bool keep_alive) {
  dispatcher.finish(ex, res);  // sees res.stream set: compression leaves it alone
  http::StreamProducer producer = std::move(res.stream);
  const bool chunked = version >= 11;
  if (!chunked) keep_alive = false;
  const std::string head = response_head(
      res, version, keep_alive, chunked ? BodyFraming::chunked : BodyFraming::until_close, 0);

  // The producer's thread posts a wake-up to this I/O thread after each chunk; the session
  // always looks at the queue before it waits, and a posted wake-up can only run once the
  // session is suspended in that wait, so none is lost.
  auto queue = std::make_shared<http::ChunkQueue>(kStreamQueueChunks);
  auto wake = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor,
                                                   asio::steady_timer::time_point::max());
  queue->set_notify([wake] { asio::post(wake->get_executor(), [wake] { wake->cancel(); }); });
  // However this coroutine ends (the client left, a write timed out, the server stopped),
  // the producer is told and stops at its next chunk: its page reads end with it.
  struct CancelOnExit {
    std::shared_ptr<http::ChunkQueue> q;
    ~CancelOnExit() { q->cancel(); }
  } cancel_on_exit{queue};
  asio::post(workers, [queue, producer = std::move(producer), route = ex.request.route] {
    try {
      producer(*queue);
      queue->close(true);
    } catch (const std::exception& e) {
      obs::Log(obs::Level::error, "stream producer failed")
          .str("route", route)
          .str("error", e.what());
      queue->close(false);
    } catch (...) {
      queue->close(false);
    }
  });

  beast::get_lowest_layer(stream).expires_after(options.request_timeout);
  if (auto [ec, n] = co_await asio::async_write(stream, asio::buffer(head), kUseTuple); ec)
    co_return false;
  std::string chunk;
  char size_line[24];
  static constexpr std::string_view kCrlf = "\r\n";
  static constexpr std::string_view kLastChunk = "0\r\n\r\n";
  for (;;) {
    const auto next = queue->pop(chunk);
    if (next == http::ChunkQueue::Next::wait) {
      wake->expires_at(asio::steady_timer::time_point::max());
      co_await wake->async_wait(kUseTuple);
      continue;
    }
    // A failed producer: the stream is cut without its last chunk, so the client knows.
    if (next == http::ChunkQueue::Next::failed) co_return false;
    beast::get_lowest_layer(stream).expires_after(options.request_timeout);
    if (next == http::ChunkQueue::Next::done) {
      if (!chunked) co_return false;
      auto [ec, n] = co_await asio::async_write(stream, asio::buffer(kLastChunk), kUseTuple);
      co_return !ec && keep_alive;
    }
    error_code ec;
    if (chunked) {
      const int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
      const std::array<asio::const_buffer, 3> buffers{
          asio::buffer(size_line, static_cast<std::size_t>(len)), asio::buffer(chunk),
          asio::buffer(kCrlf)};
      std::tie(ec, std::ignore) = co_await asio::async_write(stream, buffers, kUseTuple);
    } else {
      std::tie(ec, std::ignore) =
          co_await asio::async_write(stream, asio::buffer(chunk), kUseTuple);
    }
    if (ec) co_return false;
  }
}

template <class Stream>
asio::awaitable<std::optional<WsStart>> HttpServer::Impl::serve(Stream& stream,
                                                                SessionHandle& handle,
                                                                const util::IpAddress& peer,
                                                                bool over_tls) {
  bool peer_trusted = false;
  for (const auto& c : options.trusted_proxies) peer_trusted = peer_trusted || c.contains(peer);
  const std::string peer_text = peer.to_string();  // once per connection: inet_ntop is slow

  beast::flat_buffer buffer;
  for (;;) {
    if (draining.load(std::memory_order_relaxed) && buffer.size() == 0) co_return std::nullopt;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    // No body limit while reading the headers: the route's limit is applied once the
    // target is known (a Content-Length over it is refused with 413 before any body byte).
    parser.body_limit(boost::none);
    handle.idle = buffer.size() == 0;
    beast::get_lowest_layer(stream).expires_after(options.request_timeout);
    auto [read_ec, read_n] = co_await bhttp::async_read_header(stream, buffer, parser, kUseTuple);
    handle.idle = false;
    const auto t0 = std::chrono::steady_clock::now();

    http::Request req;
    req.client_ip = peer_text;
    req.secure = over_tls;
    http::Match match;
    http::Exchange ex{req, match, t0};

    if (read_ec) {
      if (is_disconnect(read_ec) || !parser.got_some()) co_return std::nullopt;
      // Malformed or oversized headers: answer once and drop this connection only.
      http::Response res =
          read_ec == bhttp::error::header_limit
              ? http::Response::from(ErrorCode::bad_request, "The request headers are too large.")
              : http::Response::from(ErrorCode::bad_request, "The request is not valid HTTP/1.1.");
      if (read_ec == bhttp::error::header_limit) res.status = 431;
      req.method = http::Method::other;
      co_await write_response(stream, ex, res, 11, false, false);
      co_return std::nullopt;
    }

    if (metrics) metrics->in_flight().Increment();
    struct InFlight {
      obs::Metrics* m;
      ~InFlight() { release(); }
      void release() {  // a WebSocket session is not a request in flight
        if (m) m->in_flight().Decrement();
        m = nullptr;
      }
    } in_flight{metrics};

    auto& head = parser.get();
    const unsigned version = head.version();
    req.method = http::parse_method(head.method_string());
    req.target = std::string(head.target());
    req.headers.reserve(16);
    for (const auto& field : head) req.headers.emplace_back(field.name_string(), field.value());
    if (peer_trusted)
      req.client_ip = client_address(peer_text, peer_trusted, options.trusted_proxies,
                                     req.header("x-forwarded-for"));
    if (peer_trusted) {
      if (auto proto = req.header("x-forwarded-proto")) req.secure = over_tls || *proto == "https";
    }

    bool bad_target = true;
    if (auto url = boost::urls::parse_origin_form(req.target)) {
      bad_target = false;
      req.path = http::resolve_api_alias(std::string(url->path()));
      for (auto p : url->params()) req.query.emplace_back(p.key, p.value);
    }
    if (!bad_target) match = dispatcher.router().match(req.method, req.path);

    const bool is_head = req.method == http::Method::head;
    const std::size_t limit = match.route ? match.route->body_limit : http::kDefaultBodyLimit;
    bool keep_alive = head.keep_alive();

    if (bad_target) {
      http::Response res =
          http::Response::from(ErrorCode::bad_request, "The request target is not valid.");
      co_await write_response(stream, ex, res, version, false, is_head);
      co_return std::nullopt;
    }
    if (auto len = parser.content_length(); len && *len > limit) {
      // Refused from the announced length alone: the body is never read.
      http::Response res =
          http::Response::from(ErrorCode::payload_too_large,
                               "The body may be at most " + std::to_string(limit) + " bytes.");
      co_await write_response(stream, ex, res, version, false, is_head);
      co_return std::nullopt;
    }
    if (!parser.is_done()) {
      if (auto expect = req.header("expect"); expect && beast::iequals(*expect, "100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, version};
        beast::get_lowest_layer(stream).expires_after(options.request_timeout);
        auto [ec, n] = co_await bhttp::async_write(stream, cont, kUseTuple);
        if (ec) co_return std::nullopt;
      }
      parser.body_limit(limit);
      beast::get_lowest_layer(stream).expires_after(options.request_timeout);
      auto [body_ec, body_n] = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
      if (body_ec) {
        if (body_ec == bhttp::error::body_limit) {
          http::Response res =
              http::Response::from(ErrorCode::payload_too_large,
                                   "The body may be at most " + std::to_string(limit) + " bytes.");
          co_await write_response(stream, ex, res, version, false, is_head);
        } else if (!is_disconnect(body_ec)) {
          http::Response res =
              http::Response::from(ErrorCode::bad_request, "The request body is malformed.");
          co_await write_response(stream, ex, res, version, false, is_head);
        }
        co_return std::nullopt;
      }
    }
    if (match.route && match.route->websocket && beast::websocket::is_upgrade(parser.get())) {
      co_return co_await upgrade(stream, ex, parser, in_flight);
    }
    req.body = std::move(parser.get().body());

    // A request that has arrived is served even while draining; its answer closes the
    // connection.
    http::Response res;
    if (auto early = dispatcher.prepare(ex)) {
      res = std::move(*early);
    } else if (auto quick = dispatcher.try_fast_path(ex)) {
      res = std::move(*quick);
    } else if (match.route->offload) {
      res = co_await asio::co_spawn(
          workers, [&]() -> asio::awaitable<http::Response> { co_return dispatcher.invoke(ex); },
          asio::use_awaitable);
    } else {
      res = dispatcher.invoke(ex);
    }
    keep_alive = keep_alive && !res.close && !draining.load(std::memory_order_relaxed);
    if (res.stream && !is_head && !res.error &&
        open_streams.fetch_add(1) >= std::max(1, options.max_streams)) {
      open_streams.fetch_sub(1);
      res = http::Response::from(ErrorCode::unavailable,
                                 "Too many exports are being sent; try again shortly.");
      res.header("Retry-After", "5");
    }
    if (res.stream && !is_head && !res.error) {
      struct StreamSlot {
        std::atomic<int>& n;
        ~StreamSlot() { n.fetch_sub(1); }
      } slot{open_streams};
      if (!co_await write_stream(stream, ex, res, version, keep_alive)) co_return std::nullopt;
      if (!keep_alive) co_return std::nullopt;
      continue;
    }
    // HEAD of a streamed answer: the head only (write_response never runs the producer).
    if (!co_await write_response(stream, ex, res, version, keep_alive, is_head))
      co_return std::nullopt;
    if (!keep_alive) co_return std::nullopt;
  }
}

// ---- WebSocket upgrades --------------------------------------------------------------------

namespace {

// The access token of an upgrade request: the `bearer.<token>` subprotocol (which must be
// echoed back) or `?token=`.
struct UpgradeToken {
  std::string token;
  std::string protocol;
  bool order_token = false;  ///< `?order_token=`: a guest's (SPEC §15.1)
};

UpgradeToken upgrade_token(const http::Request& req) {
  UpgradeToken out;
  if (auto offered = req.header("sec-websocket-protocol")) {
    std::string_view list = *offered;
    while (!list.empty()) {
      auto comma = list.find(',');
      auto item = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      constexpr std::string_view kPrefix = "bearer.";
      if (item.size() > kPrefix.size() && item.substr(0, kPrefix.size()) == kPrefix) {
        out.protocol = std::string(item);
        out.token = std::string(item.substr(kPrefix.size()));
        return out;
      }
    }
  }
  if (auto q = req.query_param("token")) {
    out.token = std::string(*q);
  } else if (auto g = req.query_param("order_token")) {
    out.token = std::string(*g);
    out.order_token = true;
  }
  return out;
}

}  // namespace

// Authenticates an upgrade request before anything is upgraded: every refusal is an
// ordinary HTTP answer with the error body, and the connection is closed after it.
template <class Stream, class InFlight>
asio::awaitable<std::optional<WsStart>> HttpServer::Impl::upgrade(
    Stream& stream, http::Exchange& ex, bhttp::request_parser<bhttp::string_body>& parser,
    InFlight& in_flight) {
  auto& req = ex.request;
  const unsigned version = parser.get().version();
  std::optional<http::Response> refusal = dispatcher.prepare(ex);
  UpgradeToken token;
  WsAdmission admission;
  std::optional<auth::Principal> principal;
  if (!refusal) {
    auto ws_version = req.header("sec-websocket-version");
    auto key = req.header("sec-websocket-key");
    if (!parser.is_done() || parser.content_length().value_or(0) != 0) {
      refusal = http::Response::from(ErrorCode::bad_request, "An upgrade request has no body.");
    } else if (!key || key->empty()) {
      refusal = http::Response::from(ErrorCode::bad_request, "Sec-WebSocket-Key is missing.");
    } else if (!ws_version || *ws_version != "13") {
      refusal =
          http::Response::from(ErrorCode::bad_request, "Only WebSocket version 13 is spoken.");
      refusal->status = 426;
      refusal->header("Sec-WebSocket-Version", "13");
    } else if (!hub || draining.load()) {
      refusal = http::Response::from(
          ErrorCode::unavailable, hub ? "The server is shutting down." : "No real-time feed here.");
    }
  }
  if (!refusal) {
    // Exactly as a request carrying the token in its Authorization header: the installed
    // Authenticator, the rate limits, the route's access rule. It may block (a database or
    // Redis lookup), so it runs on the worker pool.
    token = upgrade_token(req);
    admission = WsAdmission{ex.match.route, req.path, req.client_ip, req.secure, token.order_token};
    using Outcome = std::optional<std::optional<http::Response>>;
    Outcome outcome = co_await asio::co_spawn(
        workers,
        [&]() -> asio::awaitable<Outcome> {
          co_return admit_token(dispatcher, admission, token.token, req.request_id, principal);
        },
        asio::use_awaitable);
    refusal = std::move(*outcome);
    if (refusal && refusal->status == 401 && token.token.empty()) {
      refusal = http::Response::from(
          ErrorCode::unauthorized,
          "Send the access token as ?token= or as the Sec-WebSocket-Protocol bearer.<token>.");
    } else if (!refusal) {
      req.principal = principal;  // for the access log's user_id
    }
  }
  if (refusal) {
    co_await write_response(stream, ex, *refusal, version, false, false);
    co_return std::nullopt;
  }

  http::Response switching(101, {}, {});
  dispatcher.finish(ex, switching);  // request id, security headers, access log, metrics
  in_flight.release();
  co_return WsStart{parser.release(),
                    WsUpgrade{std::move(*principal), std::move(admission), std::move(token.token),
                              std::move(token.protocol), std::move(switching.headers)}};
}

// ---- accepting ----------------------------------------------------------------------------

asio::awaitable<void> HttpServer::Impl::accept_loop(Shard& shard) {
  asio::steady_timer backoff(shard.ioc);
  for (;;) {
    auto [ec, socket] = co_await shard.acceptor.async_accept(kUseTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !shard.acceptor.is_open()) co_return;
      // Out of file descriptors or similar: don't spin; let connections drain.
      obs::Log(obs::Level::warn, "accept failed").str("error", ec.message());
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(kUseTuple);
      continue;
    }
    if (draining.load()) continue;  // socket closes as it goes out of scope
    error_code opt_ec;
    socket.set_option(tcp::no_delay(true), opt_ec);
    open_sessions.fetch_add(1);
    if (tls) {
      asio::co_spawn(shard.ioc, run_tls(shard, std::move(socket)), asio::detached);
    } else {
      asio::co_spawn(shard.ioc, run_plain(shard, std::move(socket)), asio::detached);
    }
  }
}

// ---- lifecycle ----------------------------------------------------------------------------

HttpServer::HttpServer(ServerOptions options, http::Dispatcher& dispatcher,
                       asio::thread_pool& workers, obs::Metrics* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), dispatcher, workers, metrics)) {}

HttpServer::~HttpServer() {
  if (impl_->started && !impl_->stopped) shutdown(std::chrono::milliseconds(0));
}

void HttpServer::start() {
  auto& im = *impl_;
  if (!im.options.tls_cert.empty()) {
    im.tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    im.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(im.tls->native_handle(), TLS1_2_VERSION);
    // TLS 1.2: forward-secret AEAD suites only; TLS 1.3 suites are all strong.
    SSL_CTX_set_cipher_list(im.tls->native_handle(),
                            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                            "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                            "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
    error_code ec;
    im.tls->use_certificate_chain_file(im.options.tls_cert, ec);
    if (ec) throw std::runtime_error("CREMA_TLS_CERT cannot be used: " + ec.message());
    im.tls->use_private_key_file(im.options.tls_key, asio::ssl::context::pem, ec);
    if (ec) throw std::runtime_error("CREMA_TLS_KEY cannot be used: " + ec.message());
  }

  error_code ec;
  auto address = asio::ip::make_address(im.options.host, ec);
  if (ec) throw std::runtime_error("cannot listen on " + im.options.host + ": " + ec.message());
  std::uint16_t port = im.options.port;
  const int threads = std::max(1, im.options.threads);
  for (int i = 0; i < threads; ++i) {
    auto shard = std::make_unique<Shard>();
    tcp::endpoint endpoint(address, port);
    auto& acc = shard->acceptor;
    acc.open(endpoint.protocol(), ec);
    if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) {
      using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
      acc.set_option(reuse_port(true), ec);
    }
    if (!ec) acc.bind(endpoint, ec);
    if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw std::runtime_error("cannot listen on " + im.options.host + ":" + std::to_string(port) +
                               ": " + ec.message());
    port = acc.local_endpoint().port();  // the real port, when 0 was asked
    im.shards.push_back(std::move(shard));
  }
  im.bound_port = port;
  for (auto& shard : im.shards) {
    asio::co_spawn(shard->ioc, im.accept_loop(*shard), asio::detached);
    shard->thread = std::thread([s = shard.get()] {
      for (;;) {
        try {
          s->ioc.run();
          return;
        } catch (const std::exception& e) {
          // A bug escaped a connection; log it and keep serving the others.
          obs::Log(obs::Level::error, "io thread exception").str("error", e.what());
        }
      }
    });
  }
  im.started = true;
}

std::uint16_t HttpServer::port() const noexcept { return impl_->bound_port; }

std::string HttpServer::address() const {
  const auto& host = impl_->options.host;
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(impl_->bound_port);
}

void HttpServer::set_websocket_hub(events::Hub* hub) noexcept { impl_->hub = hub; }

int HttpServer::connections() const noexcept { return impl_->open_sessions.load(); }

bool HttpServer::shutdown(std::chrono::milliseconds grace) {
  auto& im = *impl_;
  if (!im.started || im.stopped) return true;
  im.draining = true;
  // Stop accepting and close the connections that are only waiting for a next request.
  for (auto& shard : im.shards) {
    asio::post(shard->ioc, [s = shard.get()] {
      error_code ec;
      s->acceptor.close(ec);
      for (auto* h : s->sessions) {
        if (h->websocket) {
          h->websocket->going_away();  // 1001, within the close timeout
        } else if (h->idle) {
          h->socket->close(ec);
        }
      }
    });
  }
  bool clean;
  {
    std::unique_lock lock(im.idle_mutex);
    clean = im.idle_cv.wait_for(lock, grace, [&] { return im.open_sessions.load() == 0; });
  }
  if (!clean) {
    for (auto& shard : im.shards) {
      asio::post(shard->ioc, [s = shard.get()] {
        error_code ec;
        for (auto* h : s->sessions) h->socket->close(ec);
      });
    }
    std::unique_lock lock(im.idle_mutex);
    im.idle_cv.wait_for(lock, std::chrono::seconds(2),
                        [&] { return im.open_sessions.load() == 0; });
  }
  for (auto& shard : im.shards) shard->ioc.stop();
  for (auto& shard : im.shards)
    if (shard->thread.joinable()) shard->thread.join();
  im.stopped = true;
  return clean;
}

}  // namespace crema::net
