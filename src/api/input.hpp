#pragma once
/// Reading and validating JSON request bodies and query strings: every problem is
/// collected, so a 422 lists every bad field at once (SPEC §2). Handlers use it; services
/// receive plain, already-valid values.

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "net/http_types.hpp"
#include "util/error.hpp"

namespace crema::api {

enum class Need { required, optional };

/// A field name and, for the bakery clients, its camelCase alias (SPEC §2).
struct Field {
  std::string_view name;
  std::string_view alias = {};
  Field(const char* n) : name(n) {}  // NOLINT(google-explicit-constructor)
  Field(std::string_view n, std::string_view a = {}) : name(n), alias(a) {}
};

/// A view of one JSON object with the issues found so far. Children made with child()
/// share the issue list and prefix their field paths (`items[2].quantity`).
class Input {
 public:
  /// `body` should be an object; anything else (null for an empty body) is one issue.
  explicit Input(const boost::json::value& body);

  /// Present and not null.
  bool has(const Field& f) const;
  /// Present and null (a nullable field cleared, in a partial update).
  bool given_null(const Field& f) const;
  /// The raw value (nullptr when absent or null).
  const boost::json::value* raw(const Field& f) const;

  std::optional<std::string> text(const Field& f, Need need, std::size_t min_chars = 0,
                                  std::size_t max_chars = 10000);
  std::optional<std::int64_t> integer(const Field& f, Need need, std::int64_t min,
                                      std::int64_t max);
  std::optional<bool> boolean(const Field& f, Need need);
  /// Money in major units with at most two decimals → minor units, at least `min_minor`.
  std::optional<std::int64_t> money(const Field& f, Need need, std::int64_t min_minor = 0);
  /// A quantity with at most three decimals → thousandths, within [min, max] thousandths.
  std::optional<std::int64_t> quantity(const Field& f, Need need, std::int64_t min,
                                       std::int64_t max);
  /// One of the given strings.
  std::optional<std::string> one_of(const Field& f, Need need,
                                    std::initializer_list<std::string_view> allowed);
  std::optional<std::string> one_of(const Field& f, Need need,
                                    std::span<const std::string_view> allowed);
  /// A UUID string (any version), lower-cased.
  std::optional<std::string> uuid(const Field& f, Need need);
  /// A free JSON object of at most `max_bytes` once serialised (metadata, options).
  std::optional<boost::json::object> object(const Field& f, Need need, std::size_t max_bytes);
  /// An array of at most `max_items` (at least `min_items`); nullptr when absent or invalid.
  const boost::json::array* array(const Field& f, Need need, std::size_t min_items,
                                  std::size_t max_items);

  /// A child for a nested object, e.g. child(items[i], "items[" + i + "]").
  Input child(const boost::json::value& v, std::string path) const;
  /// Records an issue on a field of this object (or on `path` as given when absolute).
  void issue(const Field& f, std::string message);
  void issue_at(std::string path, std::string message);
  /// The full path of a field of this object.
  std::string path(const Field& f) const;

  bool ok() const noexcept { return issues_->empty(); }
  const std::vector<FieldIssue>& issues() const noexcept { return *issues_; }
  /// 422 validation_failed listing every issue.
  crema::Error error() const;

 private:
  Input(const boost::json::value& body, std::string prefix,
        std::shared_ptr<std::vector<FieldIssue>> issues);
  const boost::json::value* find(const Field& f) const;
  bool missing(const Field& f, Need need, const boost::json::value* v);

  const boost::json::object* obj_ = nullptr;
  std::string prefix_;
  std::shared_ptr<std::vector<FieldIssue>> issues_;
};

/// A resource id from the path parameter `name`: a UUID, lower-cased; nothing when the
/// parameter is not one (the route answers 404: no such resource).
std::optional<std::string> path_uuid(const http::Request& req, std::string_view name = "id");

/// The version a PUT expects: `If-Match: "<version>"` (or W/"…") or a `version` field.
/// Nothing when neither is given; an issue (version) when malformed.
std::optional<std::int64_t> expected_version(const http::Request& req, Input& body);

/// Query parameters, validated the same way; problems are 400 bad_request (SPEC §2).
class Query {
 public:
  explicit Query(const http::Request& req) : req_(req) {}
  std::optional<std::string> text(std::string_view name, std::size_t max_chars = 200);
  std::optional<std::int64_t> integer(std::string_view name, std::int64_t min, std::int64_t max);
  std::optional<bool> boolean(std::string_view name);
  std::optional<std::int64_t> money(std::string_view name);
  std::optional<std::string> one_of(std::string_view name,
                                    std::initializer_list<std::string_view> allowed);
  std::optional<std::string> one_of(std::string_view name,
                                    std::span<const std::string_view> allowed);
  /// A comma-separated list, each item one of `allowed` (`?status=a,b`).
  std::vector<std::string> list_of(std::string_view name,
                                   std::initializer_list<std::string_view> allowed);
  std::vector<std::string> list_of(std::string_view name,
                                   std::span<const std::string_view> allowed);
  /// `YYYY-MM-DD`.
  std::optional<std::string> date(std::string_view name);
  /// An RFC 3339 time → epoch milliseconds.
  std::optional<std::int64_t> time(std::string_view name);
  /// A list's `from`/`to` bound → epoch ms: an RFC 3339 time, or a business date in `zone`
  /// (the start of that day; with `end`, the start of the next, so `from=to=DATE` is one day).
  std::optional<std::int64_t> bound(std::string_view name, const std::string& zone, bool end);
  void issue(std::string_view name, std::string message);
  bool ok() const noexcept { return issues_.empty(); }
  crema::Error error() const;  ///< 400 bad_request listing every issue

 private:
  const http::Request& req_;
  std::vector<FieldIssue> issues_;
};

}  // namespace crema::api
