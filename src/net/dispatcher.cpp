#include "net/dispatcher.hpp"

#include <boost/json/parse.hpp>

#include "db/types.hpp"
#include "net/compression.hpp"
#include "net/header_text.hpp"
#include "obs/log.hpp"
#include "obs/trace.hpp"

namespace crema::http {

namespace {

std::string media_type(std::string_view content_type) {
  auto semi = content_type.find(';');
  auto t = trim_ows(content_type.substr(0, semi));
  std::string out(t);
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
  return out;
}

std::string allow_header(const std::vector<Method>& methods) {
  std::string out;
  bool has_get = false;
  bool has_head = false;
  for (auto m : methods) {
    has_get = has_get || m == Method::get;
    has_head = has_head || m == Method::head;
  }
  for (auto m : methods) {
    if (!out.empty()) out += ", ";
    out += method_name(m);
  }
  if (has_get && !has_head) out += ", HEAD";
  return out;
}

}  // namespace

bool is_json_content_type(std::string_view content_type) noexcept {
  auto semi = content_type.find(';');
  auto t = trim_ows(content_type.substr(0, semi));
  if (iequals_ascii(t, "application/json")) return true;
  constexpr std::string_view kApp = "application/";
  constexpr std::string_view kSuffix = "+json";
  return t.size() > kApp.size() + kSuffix.size() && iequals_ascii(t.substr(0, kApp.size()), kApp) &&
         iequals_ascii(t.substr(t.size() - kSuffix.size()), kSuffix);
}

Dispatcher::Dispatcher(const Router& router, std::vector<std::unique_ptr<Middleware>> chain)
    : router_(router), chain_(std::move(chain)) {}

std::optional<Response> Dispatcher::prepare(Exchange& ex) {
  for (auto& m : chain_) {
    if (auto early = m->on_request(ex)) return early;
  }
  auto& req = ex.request;
  const Match& match = ex.match;
  if (!match.route) {
    if (!match.allowed.empty()) {
      if (req.method == Method::options) {
        Response res = Response::no_content();
        res.header("Allow", allow_header(match.allowed) + ", OPTIONS");
        return res;
      }
      Response res = Response::from(ErrorCode::method_not_allowed,
                                    "Method " + std::string(method_name(req.method)) +
                                        " is not allowed on " + req.path + ".");
      res.header("Allow", allow_header(match.allowed));
      return res;
    }
    return Response::from(ErrorCode::not_found, "No route matches " + req.path + ".");
  }
  const Route& route = *match.route;
  req.route = route.pattern;
  req.params = match.params;

  const bool has_body = !req.body.empty();
  if (has_body && route.body != BodyKind::none) {
    auto ct = req.header("content-type");
    if (route.body == BodyKind::json) {
      if (!ct || !is_json_content_type(*ct))
        return Response::from(ErrorCode::unsupported_media_type,
                              "This route takes application/json.");
    } else {
      const std::string type = ct ? media_type(*ct) : std::string();
      bool ok = false;
      for (const auto& t : route.content_types) ok = ok || t == type;
      if (!ok) {
        std::string list;
        for (const auto& t : route.content_types) list += (list.empty() ? "" : ", ") + t;
        return Response::from(ErrorCode::unsupported_media_type, "This route takes " + list + ".");
      }
    }
  }
  return std::nullopt;
}

std::optional<Response> Dispatcher::check_access(Request& req, const Route& route) {
  // Routes served on the I/O thread (offload=false) are public and read only memory;
  // authenticating there could block the thread (a database or Redis lookup), and they
  // have no use for the caller's identity.
  if (authenticator_ && route.credentials && (route.offload || !route.access.is_public)) {
    auto who = authenticator_->authenticate(req);
    if (!who) {
      // Bad credentials are charged like any anonymous request, so guessing tokens or
      // keys is rate limited too.
      if (guard_) {
        if (auto refused = guard_->before(req, route, route.offload)) return refused;
      }
      return Response::from(who.error());
    }
    req.principal = std::move(*who);
  }
  if (guard_) {
    if (auto refused = guard_->before(req, route, route.offload)) return refused;
  }
  // An X-Order-Token opens only the routes that take one (SPEC §15.1); anywhere else it is
  // not a credential at all.
  if (req.principal && req.principal->is_guest() && !route.access.order_token)
    return Response::from(ErrorCode::unauthorized,
                          "An order token opens only its order (GET /orders/{id}, DELETE "
                          "/orders/{id}, POST /payments/checkout, GET /ws); sign in for the rest.");
  if (!route.access.is_public) {
    if (!req.principal) {
      if (route.access.anonymous) return std::nullopt;
      return Response::from(ErrorCode::unauthorized, "Sign in first.");
    }
    const auto& p = *req.principal;
    if (p.is_guest()) return std::nullopt;  // the service keeps it to its one order
    if (p.is_api_key()) {
      if (route.access.api_key_scope.empty() || !p.has_scope(route.access.api_key_scope))
        return Response::from(ErrorCode::forbidden, "This API key may not call this route.");
    } else if (!route.access.allows(p.role)) {
      return Response::from(ErrorCode::forbidden, "Your role may not do this.");
    }
  }
  return std::nullopt;
}

namespace {
/// The caller's W3C trace on an error line, so its report joins the trace.
void add_trace(obs::Log& line, const Request& req) {
  if (!req.trace_id.empty()) line.str("trace_id", req.trace_id).str("span_id", req.parent_span_id);
}
}  // namespace

Response Dispatcher::fault(const Request& req, const Route& route) noexcept {
  try {
    throw;
  } catch (const crema::Busy& e) {
    Error busy = Error::make(ErrorCode::unavailable, e.what());
    busy.retry_after_s = e.retry_after_s;
    return Response::from(std::move(busy));
  } catch (const db::Error& e) {
    if (e.kind() == db::Error::Kind::unavailable) {
      obs::Log(obs::Level::warn, "database unavailable")
          .str("request_id", req.request_id)
          .str("error", e.what());
      Response res = Response::from(ErrorCode::unavailable, "The database is unavailable.");
      res.header("Retry-After", "1");
      return res;
    }
    obs::Log line(obs::Level::error, "database error");
    line.str("request_id", req.request_id)
        .str("route", route.pattern)
        .str("sqlstate", e.sqlstate())
        .str("error", e.what());
    add_trace(line, req);
    return Response::from(ErrorCode::internal);
  } catch (const std::exception& e) {
    obs::Log line(obs::Level::error, "unhandled exception");
    line.str("request_id", req.request_id).str("route", route.pattern).str("error", e.what());
    add_trace(line, req);
    return Response::from(ErrorCode::internal);
  } catch (...) {
    obs::Log line(obs::Level::error, "unhandled exception");
    line.str("request_id", req.request_id).str("route", route.pattern);
    add_trace(line, req);
    return Response::from(ErrorCode::internal);
  }
}

Response Dispatcher::invoke(Exchange& ex) {
  auto& req = ex.request;
  const Route& route = *ex.match.route;
  // The request's span (SPEC §15.5): a child of the caller's traceparent when it sent one;
  // the handler's transactions and outbound calls, on this thread, are its children.
  std::optional<obs::TraceContext> caller;
  if (!req.trace_id.empty()) caller = obs::TraceContext{req.trace_id, req.parent_span_id, true};
  obs::ScopedSpan span(std::string(method_name(req.method)) + " " + route.pattern,
                       obs::SpanKind::server, caller);
  Response res = handle(req, route);
  if (span.active()) {
    span.attr("http.request.method", method_name(req.method))
        .attr("http.route", route.pattern)
        .attr("http.response.status_code", static_cast<std::int64_t>(res.status))
        .attr("crema.request_id", req.request_id);
    if (res.status >= 500) span.fail("HTTP " + std::to_string(res.status));
  }
  return res;
}

Response Dispatcher::handle(Request& req, const Route& route) {
  try {
    if (auto refused = check_access(req, route)) return std::move(*refused);
    if (route.body == BodyKind::json && !req.body.empty()) {
      boost::system::error_code ec;
      boost::json::parse_options opts;
      opts.max_depth = 64;
      req.json = boost::json::parse(req.body, ec, {}, opts);
      if (ec)
        return Response::from(ErrorCode::bad_request, "The body is not valid JSON.",
                              {{"body", ec.message()}});
    }
    Response res = route.handler(req);
    if (guard_) guard_->after(req, route, res, route.offload);
    // Here, on the worker pool for offloaded routes, rather than on the I/O thread.
    compress_response(req, res);
    return res;
  } catch (...) {
    return fault(req, route);
  }
}

std::optional<Response> Dispatcher::admit(Request& req, const Route& route) {
  try {
    return check_access(req, route);
  } catch (...) {
    return fault(req, route);
  }
}

std::optional<Response> Dispatcher::try_fast_path(Exchange& ex) noexcept {
  const Route& route = *ex.match.route;
  if (!route.fast_path) return std::nullopt;
  try {
    auto res = route.fast_path(ex.request);
    // A fast answer is still a request: the guard counts it (with the in-process limiter,
    // as this runs on the I/O thread), after the fact so a declined fast path is not
    // counted twice.
    if (res && guard_) {
      if (auto refused = guard_->before(ex.request, route, false)) return refused;
      guard_->after(ex.request, route, *res, false);
    }
    return res;
  } catch (...) {
    return std::nullopt;  // the handler will answer, or report the fault
  }
}

void Dispatcher::finish(Exchange& ex, Response& res) {
  // Requests the server refused before the chain ran (unparseable, too large) still get
  // an id, in the body, the header and the log.
  if (ex.request.request_id.empty()) ex.request.request_id = RequestIdMiddleware::generate();
  if (res.error) {
    res.body = render_error(*res.error, ex.request.request_id);
    res.content_type = "application/json";
  }
  for (auto it = chain_.rbegin(); it != chain_.rend(); ++it) (*it)->on_response(ex, res);
}

}  // namespace crema::http
