#pragma once
/// From a parsed request to a response, without Beast: the middleware chain, the checks a
/// route declares (content type, who may call it), the handler, and the error shape.
/// The HTTP session decides where each phase runs: prepare() and finish() on the I/O
/// thread, invoke() on the worker pool for routes that touch the database.

#include <memory>
#include <optional>
#include <vector>

#include "net/middleware.hpp"
#include "net/router.hpp"

namespace crema::http {

/// Turns credentials into a principal. Implemented by the identity layer; may block (it can
/// look up an API key), so it runs with the handler on the worker pool.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  /// No credentials → nullopt principal; bad credentials → an unauthorized error.
  virtual crema::Result<std::optional<auth::Principal>> authenticate(const Request& req) = 0;
};

/// Checks every routed request after authentication and before its handler (the rate
/// limits of the identity layer), and sees the handler's answer. Runs where invoke() runs:
/// on the worker pool for offloaded routes, inline on the I/O thread otherwise —
/// `may_block` is false there and the guard must then not block.
class Guard {
 public:
  virtual ~Guard() = default;
  /// An answer (429, 403) ends the request here; nothing lets it through.
  virtual std::optional<Response> before(Request& req, const Route& route, bool may_block) = 0;
  /// Sees (and may replace) the handler's answer, e.g. to charge a conditional GET only when
  /// it was not answered 304.
  virtual void after(Request&, const Route&, Response&, bool /*may_block*/) {}
};

class Dispatcher {
 public:
  Dispatcher(const Router& router, std::vector<std::unique_ptr<Middleware>> chain);

  void set_authenticator(Authenticator* a) noexcept { authenticator_ = a; }
  void set_guard(Guard* g) noexcept { guard_ = g; }
  const Router& router() const noexcept { return router_; }

  /// Runs the request side of the chain and the checks that need no I/O. Returns a response
  /// when the request is answered already (404, 405, 415, a preflight…); otherwise the
  /// route's handler must be invoked.
  std::optional<Response> prepare(Exchange& ex);

  /// Authenticates, authorises, decodes a JSON body and calls the handler. Never throws:
  /// infrastructure faults become 503 (database unavailable) or a logged 500.
  Response invoke(Exchange& ex);

  /// What invoke() does before the handler — authentication, the guard, the route's access
  /// rule — for a request the server answers itself (the WebSocket upgrade, whose token
  /// comes in the query or a subprotocol and is presented here as an Authorization header).
  /// Sets req.principal; returns the refusal, or nothing when the request may go on. May
  /// block: call it on the worker pool. Never throws (faults become 503 or 500).
  std::optional<Response> admit(Request& req, const Route& route);

  /// The route's fast path (Route::fast_path), on the I/O thread: its answer (or the guard's
  /// 429 once the caller's budget is spent), or nothing to invoke() the handler. Never
  /// throws (a failing fast path just declines).
  std::optional<Response> try_fast_path(Exchange& ex) noexcept;

  /// Renders an error body with the request id and runs the response side of the chain.
  void finish(Exchange& ex, Response& res);

 private:
  std::optional<Response> check_access(Request& req, const Route& route);
  /// invoke() inside the request's span: access, the body's JSON, the handler, compression.
  Response handle(Request& req, const Route& route);
  /// The answer to the exception being handled (503 for an unavailable database, else 500).
  static Response fault(const Request& req, const Route& route) noexcept;

  const Router& router_;
  std::vector<std::unique_ptr<Middleware>> chain_;
  Authenticator* authenticator_ = nullptr;
  Guard* guard_ = nullptr;
};

/// True for `application/json` and `application/*+json`, with any parameters.
bool is_json_content_type(std::string_view content_type) noexcept;

}  // namespace crema::http
