#pragma once
/// Keyset pagination (SPEC §2): `?limit=` (default 50, max 200) and an opaque `?cursor=`;
/// lists answer `{"items": [...], "next_cursor": "…" | null}`.
///
/// A cursor is the sort key of the last item returned, as a JSON array, base64url-encoded.
/// Repositories fetch `limit + 1` rows ordered by (sort key…, id) and take the rows after
/// the cursor's key with a row comparison (repo::SqlQuery::page), so pages stay stable under
/// concurrent inserts.
///
/// A list sorted by (time, id) — nearly all of them — reads its page with keyset_page and
/// answers with keyset_page_body:
///
///     auto page = keyset_page(query);              // bad limit or cursor: an issue, 400
///     f.limit = page.limit;
///     f.before = page.after;
///     if (!query.ok()) return Response::from(query.error());
///     return Response::json(200, keyset_page_body(service.list(f), to_json));

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "api/input.hpp"
#include "repo/keyset.hpp"
#include "service/page.hpp"

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
/// The same with other limits (the CSV exports').
PageRequest page_request(Query& query, int default_limit, int max_limit);

/// Records the one answer to a cursor this list cannot use (not made by encode_cursor, or
/// the key of another list) on `query` (→ 400).
void reject_cursor(Query& query);

/// The page of a list sorted by (time, id): its size and the keyset it starts after.
struct KeysetPage {
  int limit = kDefaultPageSize;
  std::optional<repo::Keyset> after;  ///< empty for the first page
};

/// Reads `?limit=` (1 to `max_limit`, else `default_limit`) and `?cursor=`, whose key must be
/// a keyset [at, id]; problems are recorded on `query` (→ 400). The CSV exports pass their
/// own (larger) limits.
KeysetPage keyset_page(Query& query, int default_limit = kDefaultPageSize,
                       int max_limit = kMaxPageSize);

/// The cursor key of a keyset, [at, id]; and back (nothing when `key` is not one).
boost::json::array keyset_key(const repo::Keyset& keyset);
std::optional<repo::Keyset> keyset_of(const boost::json::array& key);
/// The next cursor's key of a page, if there is a next page.
inline std::optional<boost::json::array> next_key(const std::optional<repo::Keyset>& next) {
  if (!next) return std::nullopt;
  return keyset_key(*next);
}

/// The cursor for a sort key.
std::string encode_cursor(const boost::json::array& key);
/// The key inside a cursor; nothing when it was not made by encode_cursor.
std::optional<boost::json::array> decode_cursor(std::string_view cursor);

/// `{"items": items, "next_cursor": cursor-or-null}`.
boost::json::object page_body(boost::json::array items, std::optional<boost::json::array> next);

/// The body of a page service::make_page made: each item through `to_json` (given the item
/// by reference, which it may move from) and the next cursor from the page's keyset.
template <class Item, class ToJson>
boost::json::object keyset_page_body(service::Page<Item, repo::Keyset> page, ToJson&& to_json) {
  boost::json::array items;
  items.reserve(page.items.size());
  for (auto& item : page.items) items.emplace_back(to_json(item));
  return page_body(std::move(items), next_key(page.next));
}

}  // namespace crema::api
