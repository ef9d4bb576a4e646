/// Building a SELECT from the filters in use and the keyset of a page (issue 19).
///
/// A list whose filters are optional writes only the filters in use into the statement, so
/// each shape gets a plan that uses its index (a generic `CAST($n AS …) IS NULL OR …` plan
/// cannot). Placeholders are numbered `$n` on both stores: the SQLite driver rewrites them to
/// `?n` when it prepares the statement (db::rewrite_placeholders_for_sqlite), so the text
/// differs between dialects only where the stores do (FOR UPDATE, written for PostgreSQL
/// only: SQLite's single writer already holds the lock).
///
///     SqlQuery q(conn.dialect(), "SELECT " + std::string(kColumns) + " FROM deliveries");
///     q.where_eq("driver_id", f.driver_id);              // only when the filter is set
///     q.page("created_at", "id", f.before, SqlQuery::descending, f.limit);
///     auto rows = q.exec(conn);
///     // SELECT … FROM deliveries WHERE driver_id = $1 AND (created_at, id) < ($2, $3)
///     //   ORDER BY created_at DESC, id DESC LIMIT $4
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "db/connection.hpp"
#include "db/types.hpp"
#include "repo/keyset.hpp"

namespace crema::repo {

class SqlQuery {
 public:
  /// The order of a keyset list: by (sort key, id), both the same way.
  enum Direction { ascending, descending };

  /// `head` is the statement up to its WHERE clause ("SELECT … FROM t [JOIN …]"); every
  /// condition, fixed ones too, is added with where().
  SqlQuery(db::Dialect dialect, std::string head);

  SqlQuery(const SqlQuery&) = delete;
  SqlQuery& operator=(const SqlQuery&) = delete;
  SqlQuery(SqlQuery&&) = default;
  SqlQuery& operator=(SqlQuery&&) = default;

  /// Binds a value and returns its placeholder (`$n`). Text is not copied: it must outlive
  /// exec(); use text() for a string made on the way.
  std::string param(db::Param value);
  /// Binds a copy of `value` (a LIKE pattern, a value made on the way) kept by the query.
  std::string text(std::string value);

  /// Appends a condition: ` WHERE cond` first, then ` AND cond`. `cond` is SQL written in
  /// the repository with placeholders from param()/text() — never input text.
  SqlQuery& where(std::string_view cond);
  /// `column = $n`.
  SqlQuery& where_eq(std::string_view column, db::Param value);
  /// `column = $n` when the filter is set, nothing otherwise.
  SqlQuery& where_eq(std::string_view column, const std::optional<std::string>& value);
  /// `column IN ($n, …)`; nothing for no values.
  SqlQuery& where_in(std::string_view column, std::span<const std::string> values);

  /// The rows after a keyset in the list's order: `(sort, id) < ($a, $b)` descending,
  /// `>` ascending (a row comparison, which an index on (…, sort, id) serves as a range).
  /// The key's text is copied into the query, so a temporary keyset is fine.
  SqlQuery& after(std::string_view sort_column, std::string_view id_column, db::Param sort_value,
                  std::string_view id, Direction dir);
  /// The same from a time keyset; nothing for the first page.
  SqlQuery& after(std::string_view sort_column, std::string_view id_column,
                  const std::optional<Keyset>& key, Direction dir);
  /// ` ORDER BY sort [DESC], id [DESC]`.
  SqlQuery& order_by(std::string_view sort_column, std::string_view id_column, Direction dir);
  /// ` LIMIT $n`.
  SqlQuery& limit(std::int64_t rows);
  /// One page of a keyset list: after(key), order_by and `limit + 1` rows (the extra row
  /// tells service::make_page there is a next page).
  SqlQuery& page(std::string_view sort_column, std::string_view id_column,
                 const std::optional<Keyset>& key, Direction dir, int limit);
  /// ` FOR UPDATE` on PostgreSQL; nothing on SQLite, whose writer is alone.
  SqlQuery& for_update();

  const std::string& sql() const noexcept { return sql_; }
  const std::vector<db::Param>& params() const noexcept { return params_; }
  db::Dialect dialect() const noexcept { return dialect_; }

  db::Result exec(db::Connection& conn) const { return conn.exec(sql_, params_); }

 private:
  db::Dialect dialect_;
  std::string sql_;
  bool has_where_ = false;
  std::vector<db::Param> params_;
  std::deque<std::string> texts_;  ///< text() values; a deque keeps their addresses
};

}  // namespace crema::repo
