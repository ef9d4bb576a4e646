#include "api/input.hpp"

#include <charconv>
#include <cmath>

#include <boost/json.hpp>

#include "domain/money.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"
#include "util/validation_error.hpp"
#include "util/zoned_date.hpp"

namespace crema::api {

namespace json = boost::json;

namespace {

// Characters, not bytes: names and comments are UTF-8.
std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80         ? 1
                      : (c >> 5) == 6  ? 2
                      : (c >> 4) == 14 ? 3
                      : (c >> 3) == 30 ? 4
                                       : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += len;
  }
  return true;
}

std::optional<double> number_of(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
  return out;
}

}  // namespace

Input::Input(const json::value& body)
    : Input(body, {}, std::make_shared<std::vector<FieldIssue>>()) {}

Input::Input(const json::value& body, std::string prefix,
             std::shared_ptr<std::vector<FieldIssue>> issues)
    : prefix_(std::move(prefix)), issues_(std::move(issues)) {
  obj_ = body.if_object();
  if (!obj_) issues_->push_back({prefix_.empty() ? "body" : prefix_, "must be a JSON object"});
}

std::string Input::path(const Field& f) const {
  if (prefix_.empty()) return std::string(f.name);
  return prefix_ + "." + std::string(f.name);
}

void Input::issue(const Field& f, std::string message) {
  issues_->push_back({path(f), std::move(message)});
}

void Input::issue_at(std::string p, std::string message) {
  issues_->push_back({std::move(p), std::move(message)});
}

const json::value* Input::find(const Field& f) const {
  if (!obj_) return nullptr;
  if (auto* v = obj_->if_contains(f.name)) return v;
  if (!f.alias.empty())
    if (auto* v = obj_->if_contains(f.alias)) return v;
  return nullptr;
}

bool Input::has(const Field& f) const {
  auto* v = find(f);
  return v && !v->is_null();
}

bool Input::given_null(const Field& f) const {
  auto* v = find(f);
  return v && v->is_null();
}

const json::value* Input::raw(const Field& f) const {
  auto* v = find(f);
  return v && !v->is_null() ? v : nullptr;
}

// True when the field is absent or null; records "is required" when it must be there.
bool Input::missing(const Field& f, Need need, const json::value* v) {
  if (v && !v->is_null()) return false;
  if (need == Need::required && obj_) issue(f, "is required");
  return true;
}

std::optional<std::string> Input::text(const Field& f, Need need, std::size_t min_chars,
                                       std::size_t max_chars) {
  auto* v = find(f);
  if (missing(f, need, v)) return std::nullopt;
  if (!v->is_string()) {
    issue(f, "must be a string");
    return std::nullopt;
  }
  std::string_view s = v->get_string();
  if (!valid_utf8(s)) {
    issue(f, "must be valid UTF-8");
    return std::nullopt;
  }
  // PostgreSQL cannot store U+0000 in text (and libpq would cut the string there), while
  // SQLite would keep it: refused here so both stores see the same text.
  if (s.find('\0') != std::string_view::npos) {
    issue(f, "must not contain the NUL character (U+0000)");
    return std::nullopt;
  }
  const auto n = utf8_length(s);
  if (n < min_chars) {
    issue(f, min_chars == 1 ? "must not be empty"
                            : "must be at least " + std::to_string(min_chars) + " characters");
    return std::nullopt;
  }
  if (n > max_chars) {
    issue(f, "must be at most " + std::to_string(max_chars) + " characters");
    return std::nullopt;
  }
  return std::string(s);
}

std::optional<std::int64_t> Input::integer(const Field& f, Need need, std::int64_t min,
                                           std::int64_t max) {
  auto* v = find(f);
  if (missing(f, need, v)) return std::nullopt;
  std::optional<std::int64_t> n;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64()) {
    if (v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
      n = static_cast<std::int64_t>(v->get_uint64());
  } else if (v->is_double()) {
    double d = v->get_double();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15)
      n = static_cast<std::int64_t>(d);
  }
  if (!n) {
    issue(f, "must be a whole number");
    return std::nullopt;
  }
  if (*n < min) {
    issue(f, "must be at least " + std::to_string(min));
    return std::nullopt;
  }
  if (*n > max) {
    issue(f, "must be at most " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> Input::boolean(const Field& f, Need need) {
  auto* v = find(f);
  if (missing(f, need, v)) return std::nullopt;
  if (!v->is_bool()) {
    issue(f, "must be true or false");
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<std::int64_t> Input::money(const Field& f, Need need, std::int64_t min_minor) {
  auto* v = find(f);
  if (missing(f, need, v)) return std::nullopt;
  auto d = number_of(*v);
  if (!d) {
    issue(f, "must be a number");
    return std::nullopt;
  }
  auto minor = domain::money_from_major(*d);
  if (!minor) {
    issue(f, "must be an amount with at most two decimals");
    return std::nullopt;
  }
  if (*minor < min_minor) {
    issue(f, min_minor == 0
                 ? "must not be negative"
                 : "must be at least " + std::to_string(domain::money_to_major(min_minor)));
    return std::nullopt;
  }
  return minor;
}

std::optional<std::int64_t> Input::quantity(const Field& f, Need need, std::int64_t min,
                                            std::int64_t max) {
  auto* v = find(f);
  if (missing(f, need, v)) return std::nullopt;
  auto d = number_of(*v);
  if (!d) {
    issue(f, "must be a number");
    return std::nullopt;
  }
  auto q = domain::quantity_from_units(*d);
  if (!q) {
    issue(f, "must have at most three decimals");
    return std::nullopt;
  }
  if (*q < min || *q > max) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "must be between %g and %g", domain::quantity_to_units(min),
                  domain::quantity_to_units(max));
    issue(f, buf);
    return std::nullopt;
  }
  return q;
}

std::optional<std::string> Input::one_of(const Field& f, Need need,
                                         std::initializer_list<std::string_view> allowed) {
  return one_of(f, need, std::span<const std::string_view>(allowed.begin(), allowed.size()));
}

std::optional<std::string> Input::one_of(const Field& f, Need need,
                                         std::span<const std::string_view> allowed) {
  auto* v = find(f);
  if (missing(f, need, v)) return std::nullopt;
  if (v->is_string()) {
    for (auto a : allowed)
      if (v->get_string() == a) return std::string(a);
  }
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  issue(f, "must be one of: " + list);
  return std::nullopt;
}

std::optional<std::string> Input::uuid(const Field& f, Need need) {
  auto* v = find(f);
  if (missing(f, need, v)) return std::nullopt;
  if (!v->is_string() || !util::is_uuid(v->get_string())) {
    issue(f, "must be a UUID");
    return std::nullopt;
  }
  return lower(v->get_string());
}

std::optional<json::object> Input::object(const Field& f, Need need, std::size_t max_bytes) {
  auto* v = find(f);
  if (missing(f, need, v)) return std::nullopt;
  if (!v->is_object()) {
    issue(f, "must be a JSON object");
    return std::nullopt;
  }
  if (json::serialize(*v).size() > max_bytes) {
    issue(f, "must be at most " + std::to_string(max_bytes) + " bytes");
    return std::nullopt;
  }
  return v->get_object();
}

const json::array* Input::array(const Field& f, Need need, std::size_t min_items,
                                std::size_t max_items) {
  auto* v = find(f);
  if (missing(f, need, v)) return nullptr;
  if (!v->is_array()) {
    issue(f, "must be an array");
    return nullptr;
  }
  const auto& a = v->get_array();
  if (a.size() < min_items) {
    issue(f, min_items == 1 ? "must not be empty"
                            : "must have at least " + std::to_string(min_items) + " items");
    return nullptr;
  }
  if (a.size() > max_items) {
    issue(f, "must have at most " + std::to_string(max_items) + " items");
    return nullptr;
  }
  return &a;
}

Input Input::child(const json::value& v, std::string p) const {
  return Input(v, std::move(p), issues_);
}

crema::Error Input::error() const { return crema::validation_error(*issues_); }

std::optional<std::string> path_uuid(const http::Request& req, std::string_view name) {
  std::string id(req.param(name));
  if (!util::is_uuid(id)) return std::nullopt;
  for (auto& c : id) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
  return id;
}

std::optional<std::int64_t> expected_version(const http::Request& req, Input& body) {
  if (auto h = req.header("if-match")) {
    std::string_view s = *h;
    if (s.substr(0, 2) == "W/") s.remove_prefix(2);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 1) {
      body.issue_at("If-Match", "must be the resource's version, e.g. \"3\"");
      return std::nullopt;
    }
    return v;
  }
  return body.integer("version", Need::optional, 1, INT64_MAX);
}

// ---- query strings ----------------------------------------------------------------------

void Query::issue(std::string_view name, std::string message) {
  issues_.push_back({std::string(name), std::move(message)});
}

crema::Error Query::error() const {
  return crema::Error::make(ErrorCode::bad_request, "Some query parameters are invalid.", issues_);
}

std::optional<std::string> Query::text(std::string_view name, std::size_t max_chars) {
  auto v = req_.query_param(name);
  if (!v || v->empty()) return std::nullopt;
  if (!valid_utf8(*v) || v->find('\0') != std::string_view::npos || utf8_length(*v) > max_chars) {
    issue(name, "must be valid text of at most " + std::to_string(max_chars) + " characters");
    return std::nullopt;
  }
  return std::string(*v);
}

std::optional<std::int64_t> Query::integer(std::string_view name, std::int64_t min,
                                           std::int64_t max) {
  auto v = req_.query_param(name);
  if (!v || v->empty()) return std::nullopt;
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n < min || n > max) {
    issue(name,
          "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> Query::boolean(std::string_view name) {
  auto v = req_.query_param(name);
  if (!v || v->empty()) return std::nullopt;
  if (*v == "true" || *v == "1") return true;
  if (*v == "false" || *v == "0") return false;
  issue(name, "must be true or false");
  return std::nullopt;
}

std::optional<std::int64_t> Query::money(std::string_view name) {
  auto v = req_.query_param(name);
  if (!v || v->empty()) return std::nullopt;
  double d = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
  std::optional<std::int64_t> minor;
  if (ec == std::errc() && p == v->data() + v->size()) minor = domain::money_from_major(d);
  if (!minor || *minor < 0) {
    issue(name, "must be an amount with at most two decimals");
    return std::nullopt;
  }
  return minor;
}

std::optional<std::string> Query::one_of(std::string_view name,
                                         std::initializer_list<std::string_view> allowed) {
  return one_of(name, std::span<const std::string_view>(allowed.begin(), allowed.size()));
}

std::optional<std::string> Query::one_of(std::string_view name,
                                         std::span<const std::string_view> allowed) {
  auto v = req_.query_param(name);
  if (!v || v->empty()) return std::nullopt;
  for (auto a : allowed)
    if (*v == a) return std::string(a);
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  issue(name, "must be one of: " + list);
  return std::nullopt;
}

std::vector<std::string> Query::list_of(std::string_view name,
                                        std::initializer_list<std::string_view> allowed) {
  return list_of(name, std::span<const std::string_view>(allowed.begin(), allowed.size()));
}

std::vector<std::string> Query::list_of(std::string_view name,
                                        std::span<const std::string_view> allowed) {
  std::vector<std::string> out;
  auto v = req_.query_param(name);
  if (!v || v->empty()) return out;
  std::string_view rest = *v;
  while (true) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    bool known = false;
    for (auto a : allowed) known = known || item == a;
    if (!known) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      issue(name, "must be a comma-separated list of: " + list);
      return {};
    }
    out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

std::optional<std::int64_t> Query::bound(std::string_view name, const std::string& zone, bool end) {
  auto raw = req_.query_param(name);
  if (!raw || raw->empty()) return std::nullopt;
  if (raw->size() != 10) return time(name);
  auto d = date(name);
  if (!d) return std::nullopt;
  auto ms = util::day_start_ms(*d, zone, end ? 1 : 0);
  if (!ms) issue(name, "is not a date in the shop's time zone");
  return ms;
}

std::optional<std::string> Query::date(std::string_view name) {
  auto v = req_.query_param(name);
  if (!v || v->empty()) return std::nullopt;
  auto s = *v;
  auto digits = [&](std::size_t from, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y = 0, m = 0, d = 0;
  bool ok = s.size() == 10 && s[4] == '-' && s[7] == '-' && digits(0, 4, y) && digits(5, 2, m) &&
            digits(8, 2, d) && m >= 1 && m <= 12 && d >= 1;
  if (ok) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    ok = d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0) && y >= 1970;
  }
  if (!ok) {
    issue(name, "must be a date as YYYY-MM-DD");
    return std::nullopt;
  }
  return std::string(s);
}

std::optional<std::int64_t> Query::time(std::string_view name) {
  auto v = req_.query_param(name);
  if (!v || v->empty()) return std::nullopt;
  auto t = util::parse_rfc3339(*v);
  if (!t) {
    issue(name, "must be an RFC 3339 time such as 2026-11-22T09:15:00Z");
    return std::nullopt;
  }
  return t;
}

}  // namespace crema::api
