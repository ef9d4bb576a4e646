#pragma once
/// Keyset pagination (SPEC §2): `?limit=` (default 50, max 200) and an opaque `?cursor=`;
/// lists answer `{"items": [...], "next_cursor": "…" | null}`.
///
/// A cursor is the sort key of the last item returned, as a JSON array, base64url-encoded.
/// Repositories fetch `limit + 1` rows ordered by (sort key…, id) and take the rows after
/// the cursor's key with a row comparison, so pages stay stable under concurrent inserts.

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "api/input.hpp"

namespace crema::api {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 200;

struct PageRequest {
  int limit = kDefaultPageSize;
  /// The decoded key of the last item of the previous page; empty for the first page.
  boost::json::array after;
};

/// Reads `limit` and `cursor`; problems are recorded on `query` (→ 400).
PageRequest page_request(Query& query);

/// The cursor for a sort key.
std::string encode_cursor(const boost::json::array& key);
/// The key inside a cursor; nothing when it was not made by encode_cursor.
std::optional<boost::json::array> decode_cursor(std::string_view cursor);

/// `{"items": items, "next_cursor": cursor-or-null}`.
boost::json::object page_body(boost::json::array items, std::optional<boost::json::array> next);

}  // namespace crema::api
