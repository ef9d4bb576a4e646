#include "api/pagination.hpp"

#include <sodium.h>

#include <cstring>

#include <boost/json.hpp>

namespace crema::api {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxCursorChars = 2048;

PageRequest read_limit_and_cursor(Query& query, int default_limit, int max_limit) {
  PageRequest page;
  page.limit = static_cast<int>(query.integer("limit", 1, max_limit).value_or(default_limit));
  if (auto cursor = query.text("cursor", kMaxCursorChars)) {
    if (auto key = decode_cursor(*cursor)) {
      page.after = std::move(*key);
    } else {
      reject_cursor(query);
    }
  }
  return page;
}

}  // namespace

PageRequest page_request(Query& query) {
  return read_limit_and_cursor(query, kDefaultPageSize, kMaxPageSize);
}

PageRequest page_request(Query& query, int default_limit, int max_limit) {
  return read_limit_and_cursor(query, default_limit, max_limit);
}

void reject_cursor(Query& query) { query.issue("cursor", "is not a cursor this API returned"); }

KeysetPage keyset_page(Query& query, int default_limit, int max_limit) {
  auto read = read_limit_and_cursor(query, default_limit, max_limit);
  KeysetPage page;
  page.limit = read.limit;
  if (!read.after.empty()) {
    page.after = keyset_of(read.after);
    if (!page.after) reject_cursor(query);
  }
  return page;
}

json::array keyset_key(const repo::Keyset& keyset) {
  return json::array{json::value(keyset.at), json::value(keyset.id)};
}

std::optional<repo::Keyset> keyset_of(const json::array& key) {
  if (key.size() != 2 || !key[0].is_int64() || !key[1].is_string()) return std::nullopt;
  return repo::Keyset{key[0].get_int64(), std::string(key[1].get_string())};
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
