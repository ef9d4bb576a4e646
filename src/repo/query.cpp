#include "repo/query.hpp"

#include <utility>

namespace crema::repo {

SqlQuery::SqlQuery(db::Dialect dialect, std::string head)
    : dialect_(dialect), sql_(std::move(head)) {}

std::string SqlQuery::param(db::Param value) {
  params_.push_back(value);
  return "$" + std::to_string(params_.size());
}

std::string SqlQuery::text(std::string value) {
  texts_.push_back(std::move(value));
  return param(std::string_view(texts_.back()));
}

SqlQuery& SqlQuery::where(std::string_view cond) {
  sql_ += has_where_ ? " AND " : " WHERE ";
  sql_ += cond;
  has_where_ = true;
  return *this;
}

SqlQuery& SqlQuery::where_eq(std::string_view column, db::Param value) {
  return where(std::string(column) + " = " + param(value));
}

SqlQuery& SqlQuery::where_eq(std::string_view column, const std::optional<std::string>& value) {
  if (value) where_eq(column, std::string_view(*value));
  return *this;
}

SqlQuery& SqlQuery::where_in(std::string_view column, std::span<const std::string> values) {
  if (values.empty()) return *this;
  std::string cond = std::string(column) + " IN (";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) cond += ", ";
    cond += param(std::string_view(values[i]));
  }
  cond += ")";
  return where(cond);
}

SqlQuery& SqlQuery::after(std::string_view sort_column, std::string_view id_column,
                          db::Param sort_value, std::string_view id, Direction dir) {
  // Copied: a keyset is often a temporary (a decoded cursor), and the query outlives it.
  const auto* text_value = std::get_if<std::string_view>(&sort_value);
  const std::string value = text_value ? text(std::string(*text_value)) : param(sort_value);
  const std::string key = text(std::string(id));
  return where("(" + std::string(sort_column) + ", " + std::string(id_column) + ") " +
               (dir == descending ? "<" : ">") + " (" + value + ", " + key + ")");
}

SqlQuery& SqlQuery::after(std::string_view sort_column, std::string_view id_column,
                          const std::optional<Keyset>& key, Direction dir) {
  if (key) after(sort_column, id_column, key->at, key->id, dir);
  return *this;
}

SqlQuery& SqlQuery::order_by(std::string_view sort_column, std::string_view id_column,
                             Direction dir) {
  const std::string_view way = dir == descending ? " DESC" : "";
  sql_ += " ORDER BY ";
  sql_ += sort_column;
  sql_ += way;
  sql_ += ", ";
  sql_ += id_column;
  sql_ += way;
  return *this;
}

SqlQuery& SqlQuery::limit(std::int64_t rows) {
  sql_ += " LIMIT " + param(rows);
  return *this;
}

SqlQuery& SqlQuery::page(std::string_view sort_column, std::string_view id_column,
                         const std::optional<Keyset>& key, Direction dir, int limit) {
  after(sort_column, id_column, key, dir);
  order_by(sort_column, id_column, dir);
  return this->limit(static_cast<std::int64_t>(limit) + 1);
}

SqlQuery& SqlQuery::for_update() {
  if (dialect_ == db::Dialect::postgres) sql_ += " FOR UPDATE";
  return *this;
}

}  // namespace crema::repo
