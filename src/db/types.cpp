#include "db/types.hpp"

#include <cmath>

#include "db/number_text.hpp"

namespace crema::db {

using detail::format_double;
using detail::parse_double;
using detail::parse_int64;

namespace {

[[noreturn]] void fail_conversion(std::string message) {
  throw Error(Error::Kind::other, std::move(message));
}

std::string col_label(std::size_t col) { return "column " + std::to_string(col); }

}  // namespace

const Cell& Row::cell(std::size_t col) const {
  if (col >= width_)
    fail_conversion(col_label(col) + " is out of range (row has " + std::to_string(width_) + ")");
  return (*cells_)[offset_ + col];
}

bool Row::is_null(std::size_t col) const {
  return std::holds_alternative<std::nullptr_t>(cell(col));
}

std::int64_t Row::int64(std::size_t col) const {
  const Cell& c = cell(col);
  if (const auto* i = std::get_if<std::int64_t>(&c)) return *i;
  if (const auto* d = std::get_if<double>(&c)) {
    // Accept a REAL only when it holds an exact integer (SQLite arithmetic may yield 3.0).
    if (std::isfinite(*d) && std::trunc(*d) == *d && *d >= -9.2233720368547758e18 &&
        *d < 9.2233720368547758e18)
      return static_cast<std::int64_t>(*d);
    fail_conversion(col_label(col) + " is not an integer");
  }
  if (const auto* s = std::get_if<std::string>(&c)) {
    // PostgreSQL numeric (e.g. SUM(bigint)) arrives as text.
    if (auto v = parse_int64(*s)) return *v;
    fail_conversion(col_label(col) + " is not an integer");
  }
  fail_conversion(col_label(col) + " is NULL");
}

double Row::real(std::size_t col) const {
  const Cell& c = cell(col);
  if (const auto* d = std::get_if<double>(&c)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&c)) return static_cast<double>(*i);
  if (const auto* s = std::get_if<std::string>(&c)) {
    if (auto v = parse_double(*s)) return *v;
    fail_conversion(col_label(col) + " is not a number");
  }
  fail_conversion(col_label(col) + " is NULL");
}

bool Row::boolean(std::size_t col) const {
  const Cell& c = cell(col);
  if (const auto* i = std::get_if<std::int64_t>(&c)) {
    if (*i == 0 || *i == 1) return *i == 1;
    fail_conversion(col_label(col) + " is not a boolean");
  }
  if (const auto* s = std::get_if<std::string>(&c)) {
    if (*s == "1" || *s == "t" || *s == "true") return true;
    if (*s == "0" || *s == "f" || *s == "false") return false;
    fail_conversion(col_label(col) + " is not a boolean");
  }
  if (std::holds_alternative<double>(c)) fail_conversion(col_label(col) + " is not a boolean");
  fail_conversion(col_label(col) + " is NULL");
}

std::string Row::text(std::size_t col) const {
  const Cell& c = cell(col);
  if (const auto* s = std::get_if<std::string>(&c)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&c)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&c)) return format_double(*d);
  fail_conversion(col_label(col) + " is NULL");
}

std::string_view Row::text_view(std::size_t col) const {
  const Cell& c = cell(col);
  if (const auto* s = std::get_if<std::string>(&c)) return *s;
  if (std::holds_alternative<std::nullptr_t>(c)) fail_conversion(col_label(col) + " is NULL");
  fail_conversion(col_label(col) + " is not text");
}

std::optional<std::int64_t> Row::opt_int64(std::size_t col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

std::optional<std::string> Row::opt_text(std::size_t col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

Result::Result(std::vector<std::string> columns, std::vector<Cell> cells, std::int64_t affected)
    : columns_(std::move(columns)), cells_(std::move(cells)), affected_(affected) {
  if (columns_.empty()) {
    if (!cells_.empty()) fail_conversion("result has cells but no columns");
  } else {
    if (cells_.size() % columns_.size() != 0)
      fail_conversion("result cells do not fill whole rows");
    rows_ = cells_.size() / columns_.size();
  }
}

Row Result::operator[](std::size_t i) const {
  if (i >= rows_)
    fail_conversion("row " + std::to_string(i) + " is out of range (result has " +
                    std::to_string(rows_) + ")");
  return Row(&cells_, i * columns_.size(), columns_.size());
}

std::size_t Result::column(std::string_view name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i] == name) return i;
  fail_conversion("no column named \"" + std::string(name) + "\" in the result");
}

}  // namespace crema::db
