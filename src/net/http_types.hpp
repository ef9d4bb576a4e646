#pragma once
/// The request and response seen by handlers: plain C++ types, no Beast. The HTTP session
/// (net/http_server.cpp) builds a Request from the wire and writes the Response back.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "auth/roles.hpp"
#include "util/error.hpp"

namespace crema::http {

enum class Method : std::uint8_t { get, head, post, put, patch, del, options, other };
inline constexpr std::size_t kMethodCount = 8;

std::string_view method_name(Method m) noexcept;
Method parse_method(std::string_view name) noexcept;

/// Request headers as received; views into the connection's buffers, valid for the
/// request's lifetime.
using HeaderList = std::vector<std::pair<std::string_view, std::string_view>>;

class Request {
 public:
  Method method = Method::get;
  std::string path;    ///< decoded path, the /api alias already resolved
  std::string target;  ///< the raw request target
  std::vector<std::pair<std::string, std::string>> query;        ///< decoded query parameters
  std::vector<std::pair<std::string_view, std::string>> params;  ///< path parameters
  HeaderList headers;
  std::string body;
  std::string client_ip;  ///< the peer, or X-Forwarded-For from a trusted proxy
  bool secure = false;    ///< TLS, or X-Forwarded-Proto: https from a trusted proxy
  std::string request_id;
  /// From a valid W3C `traceparent` header (empty without one): the caller's trace id
  /// (32 hex digits) and its span id (16), carried into the logs and error reports.
  std::string trace_id;
  std::string parent_span_id;
  std::string route;  ///< the matched route template, e.g. /api/v1/orders/{id}
  std::optional<auth::Principal> principal;  ///< set by authentication
  boost::json::value json;                   ///< the parsed body of a JSON route (null when empty)
  /// When the rate-limit guard charged this request (unix ms; 0: not charged), so a 304
  /// answer can be given back to the same sub-window.
  std::int64_t rate_charged_ms = 0;

  /// The first header with this name (compared without regard to case).
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  /// A path parameter by name ("" when absent).
  std::string_view param(std::string_view name) const noexcept;
  /// The first query parameter with this name.
  std::optional<std::string_view> query_param(std::string_view name) const noexcept;
};

/// Where a streamed response's producer writes its body, chunk by chunk (net/chunk_queue.hpp).
class ChunkSink {
 public:
  virtual ~ChunkSink() = default;
  /// Sends a chunk; blocks while the client is slow (a bounded queue). False when the client
  /// has gone away: stop producing.
  virtual bool write(std::string chunk) = 0;
  virtual bool cancelled() const = 0;
};

/// The producer of a streamed body. Runs on the worker pool (it may block on the database);
/// a throw cuts the stream short (the client sees an incomplete chunked body).
using StreamProducer = std::function<void(ChunkSink&)>;

class Response {
 public:
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;                 ///< close the connection after writing
  std::optional<crema::Error> error;  ///< rendered with the request id by the server
  /// A body kept by a cache and shared with every response that sends it (not copied);
  /// when set it is the body sent, instead of `body`.
  std::shared_ptr<const std::string> shared_body;
  /// A body produced while it is sent (Transfer-Encoding: chunked, never compressed): the
  /// CSV exports. When set, `body` is ignored; a HEAD request gets the head only.
  StreamProducer stream;

  Response() = default;
  Response(int s, std::string b, std::string ct = "application/json")
      : status(s), body(std::move(b)), content_type(std::move(ct)) {}

  static Response json(int status, const boost::json::value& v);
  static Response no_content() { return Response(204, {}, {}); }
  static Response from(crema::Error e);
  static Response from(crema::ErrorCode code, std::string message = {},
                       std::vector<crema::FieldIssue> details = {});
  /// The bytes sent: the shared body when there is one, else `body`.
  std::string_view body_view() const noexcept {
    return shared_body ? std::string_view(*shared_body) : std::string_view(body);
  }
  Response& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

/// The spec's error body: {"error": {code, message, details, request_id}}.
std::string render_error(const crema::Error& e, std::string_view request_id);

}  // namespace crema::http
