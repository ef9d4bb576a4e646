#include "api/pagination.hpp"

#include <sodium.h>

#include <cstring>

#include <boost/json.hpp>

namespace crema::api {

namespace json = boost::json;

PageRequest page_request(Query& query) {
  PageRequest page;
  if (auto limit = query.integer("limit", 1, kMaxPageSize)) page.limit = static_cast<int>(*limit);
  if (auto cursor = query.text("cursor", 2048)) {
    if (auto key = decode_cursor(*cursor)) {
      page.after = std::move(*key);
    } else {
      query.issue("cursor", "is not a cursor this API returned");
    }
  }
  return page;
}

std::string encode_cursor(const json::array& key) {
  const std::string raw = json::serialize(key);
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<json::array> decode_cursor(std::string_view cursor) {
  std::string raw(cursor.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), cursor.data(),
                        cursor.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return std::nullopt;
  raw.resize(len);
  boost::system::error_code ec;
  auto v = json::parse(raw, ec);
  if (ec || !v.is_array() || v.get_array().empty()) return std::nullopt;
  return std::move(v.get_array());
}

json::object page_body(json::array items, std::optional<json::array> next) {
  json::object body;
  body["items"] = std::move(items);
  if (next) {
    body["next_cursor"] = encode_cursor(*next);
  } else {
    body["next_cursor"] = nullptr;
  }
  return body;
}

}  // namespace crema::api
