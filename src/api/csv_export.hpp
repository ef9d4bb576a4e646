#pragma once
/// `?format=csv` on a keyset-paginated list (SPEC §12, §15.5): the list's own filters, the
/// JSON item's fields as flat columns, streamed page by page (net::ChunkQueue behind
/// Response::stream) so an export of a year never sits in memory.
///
/// Without `?limit=` the whole list from `?cursor=` (or its start) is sent: the handler reads
/// the first page itself (so a bad id or filter is still a 4xx), then the producer, on the
/// worker pool, reads the next pages of kCsvExportPage rows, each its own short read
/// transaction (no cursor or transaction held across pages, none on SQLite's writer), and
/// writes each page as one chunk; it waits while the client is slow and stops when it leaves.
/// With `?limit=` (1 to kCsvMaxPage) one page is answered from memory with the next page's
/// cursor in X-Next-Cursor, as the audit log's CSV always did.

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "api/pagination.hpp"
#include "net/http_types.hpp"
#include "service/page.hpp"
#include "util/csv.hpp"

namespace crema::api {

/// Rows per page read (and per chunk sent) while streaming.
inline constexpr int kCsvExportPage = 1000;
/// The largest `?limit=` of one CSV page answered from memory.
inline constexpr int kCsvMaxPage = 10000;

/// A flat cell from a JSON field: a string as it is, null empty, a number or boolean as JSON
/// writes it, an array or object as compact JSON.
std::string csv_cell(const boost::json::value& v);

/// `item`'s fields named by `columns`, in order (an absent one empty).
std::vector<std::string> csv_cells(const boost::json::object& item,
                                   const std::vector<std::string>& columns);

/// `?format=csv` was asked (records a bad value on `query`).
bool wants_csv(Query& query);

/// The `?limit=` of a CSV answer: nothing (stream it all) unless the request has one.
std::optional<int> csv_limit(const http::Request& req, int limit);

template <class Item, class Key>
struct CsvExport {
  std::string filename;  ///< Content-Disposition's, e.g. "orders.csv"
  std::vector<std::string> header;
  /// One page after `after` (nothing: the first), at most `limit` items. May throw (the
  /// stream is then cut short).
  std::function<service::Page<Item, Key>(const std::optional<Key>& after, int limit)> fetch;
  std::function<std::vector<std::string>(const Item&)> row;
  /// The cursor key of a Key (for X-Next-Cursor).
  std::function<boost::json::array(const Key&)> cursor_key;
};

/// The CSV answer: one page from memory when `limit` is set, else the whole list streamed.
/// Call on the worker pool (it reads the first page).
template <class Item, class Key>
http::Response csv_export(CsvExport<Item, Key> x, std::optional<Key> after,
                          std::optional<int> limit) {
  http::Response res(200, {}, "text/csv; charset=utf-8");
  res.header("Content-Disposition", "attachment; filename=\"" + x.filename + "\"");
  auto page = x.fetch(after, limit.value_or(kCsvExportPage));
  util::CsvWriter out;
  out.row(x.header);
  for (const auto& item : page.items) out.row(x.row(item));
  if (limit) {
    res.body = out.take();
    if (page.next) res.header("X-Next-Cursor", encode_cursor(x.cursor_key(*page.next)));
    return res;
  }
  res.stream = [x = std::move(x), first = out.take(),
                next = std::move(page.next)](http::ChunkSink& sink) mutable {
    if (!sink.write(std::move(first))) return;
    while (next) {
      auto more = x.fetch(next, kCsvExportPage);
      util::CsvWriter rows;
      for (const auto& item : more.items) rows.row(x.row(item));
      if (!sink.write(rows.take())) return;  // the client left: no more reads
      next = std::move(more.next);
    }
  };
  return res;
}

}  // namespace crema::api
