#include "net/http_types.hpp"

#include <boost/json.hpp>

#include "util/json_text.hpp"

namespace crema::http {

namespace {
constexpr std::string_view kMethodNames[] = {"GET",   "HEAD",   "POST",    "PUT",
                                             "PATCH", "DELETE", "OPTIONS", ""};
}

std::string_view method_name(Method m) noexcept {
  return kMethodNames[static_cast<std::size_t>(m)];
}

Method parse_method(std::string_view name) noexcept {
  for (std::size_t i = 0; i + 1 < std::size(kMethodNames); ++i)
    if (kMethodNames[i] == name) return static_cast<Method>(i);
  return Method::other;
}

std::optional<std::string_view> Request::header(std::string_view name) const noexcept {
  for (const auto& [n, v] : headers) {
    if (n.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < n.size() && same; ++i) same = (n[i] | 0x20) == (name[i] | 0x20);
    if (same) return v;
  }
  return std::nullopt;
}

std::string_view Request::param(std::string_view name) const noexcept {
  for (const auto& [n, v] : params)
    if (n == name) return v;
  return {};
}

std::optional<std::string_view> Request::query_param(std::string_view name) const noexcept {
  for (const auto& [n, v] : query)
    if (n == name) return std::string_view(v);
  return std::nullopt;
}

Response Response::json(int status, const boost::json::value& v) {
  return Response(status, util::to_json(v));
}

Response Response::from(crema::Error e) {
  Response r;
  r.status = crema::http_status(e.code);
  if (e.message.empty()) e.message = std::string(crema::default_message(e.code));
  if (e.retry_after_s > 0) r.header("Retry-After", std::to_string(e.retry_after_s));
  r.error = std::move(e);
  return r;
}

Response Response::from(crema::ErrorCode code, std::string message,
                        std::vector<crema::FieldIssue> details) {
  return from(crema::Error{code, std::move(message), std::move(details)});
}

std::string render_error(const crema::Error& e, std::string_view request_id) {
  boost::json::object err;
  err["code"] = crema::code_name(e.code);
  err["message"] = e.message.empty() ? crema::default_message(e.code) : e.message;
  boost::json::array details;
  details.reserve(e.details.size());
  for (const auto& d : e.details) details.push_back({{"field", d.field}, {"issue", d.issue}});
  err["details"] = std::move(details);
  for (const auto& [name, value] : e.extra)
    err[name] = value ? boost::json::value(*value) : boost::json::value(nullptr);
  err["request_id"] = request_id;
  return boost::json::serialize(boost::json::object{{"error", std::move(err)}});
}

}  // namespace crema::http
