#pragma once
/// An HTTP response as the black-box tests see it, shared by HttpClient and RawConnection.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace crema::test {

/// Response header fields in wire order; lookups ignore the case of the name.
class Headers {
 public:
  /// Appends a field.
  void add(std::string name, std::string value);
  /// The first value of a field.
  std::optional<std::string> get(std::string_view name) const;
  /// The first value of a field, "" when absent.
  std::string value(std::string_view name) const { return get(name).value_or(""); }
  /// Whether the field is present.
  bool has(std::string_view name) const { return get(name).has_value(); }
  /// Every value of a field, in order.
  std::vector<std::string> all(std::string_view name) const;
  /// Every field, in order.
  const std::vector<std::pair<std::string, std::string>>& items() const noexcept { return items_; }
  /// Drops every field.
  void clear() { items_.clear(); }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

/// One response.
struct HttpResponse {
  int status = 0;
  std::string reason;  ///< the reason phrase (RawConnection only)
  Headers headers;
  std::string body;
  /// The parsed body when the Content-Type is JSON and the body parses.
  std::optional<boost::json::value> json;
  /// New connections the client opened for this request (HttpClient only; 0 = reused).
  long new_connections = 0;

  /// A header's first value, "" when absent.
  std::string header(std::string_view name) const { return headers.value(name); }
  /// The JSON body as an object; throws std::runtime_error (with the body) when it is not one.
  const boost::json::object& object() const;
  /// Whether the server said `Connection: close`.
  bool connection_close() const;
  /// Status, headers and body, for failure messages.
  std::string describe() const;
};

/// Whether a Content-Type denotes JSON (application/json, or a +json type).
bool is_json_content_type(std::string_view content_type);
/// Parses JSON; nullopt when malformed.
std::optional<boost::json::value> parse_json(std::string_view text);
/// Fills `response.json` from its body when the content type says JSON.
void attach_json(HttpResponse& response);
/// The comma-separated tokens of a header value, trimmed (e.g. `GET, HEAD` → {GET, HEAD}).
std::vector<std::string> header_tokens(std::string_view value);
/// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b) noexcept;
/// A string member of a JSON object at a path of keys ("" when missing or not a string).
std::string json_string(const boost::json::value& v, std::initializer_list<std::string_view> path);

}  // namespace crema::test
