#pragma once
/// Values, rows and errors shared by every database driver.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace crema::db {

enum class Dialect { sqlite, postgres };

/// A parameter bound to `$n`. Text is copied by the driver only when it must be.
/// Portable conventions: money and quantities are int64 (minor units, thousandths), times
/// are int64 epoch milliseconds, ids and JSON are text, booleans are bool (INTEGER 0/1 in
/// SQLite, BOOLEAN in PostgreSQL). PostgreSQL receives them typed as bigint, float8,
/// boolean and text (NULL untyped), so `SELECT $1` and `$1 + 1` behave as on SQLite; a
/// string compared with a non-text column needs an explicit cast.
using Param = std::variant<std::nullptr_t, std::int64_t, double, bool, std::string_view>;

/// One column value of a result row, as the driver produced it. SQLite cells carry the
/// storage class of the value. PostgreSQL sends text, and its driver turns integer
/// (int2/int4/int8), float (float4/float8) and boolean (as 0/1) columns into int64 and
/// double cells by the column's type; every other type (text, json, numeric, …) stays
/// text. The typed getters of Row convert either way.
using Cell = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

/// One row of a Result; valid as long as the Result it came from.
class Row {
 public:
  Row(const std::vector<Cell>* cells, std::size_t offset, std::size_t width)
      : cells_(cells), offset_(offset), width_(width) {}

  std::size_t size() const noexcept { return width_; }
  bool is_null(std::size_t col) const;
  std::int64_t int64(std::size_t col) const;  ///< throws db::Error on NULL or non-integer
  double real(std::size_t col) const;
  bool boolean(std::size_t col) const;                ///< accepts 0/1, t/f, true/false
  std::string text(std::size_t col) const;            ///< integers are formatted
  std::string_view text_view(std::size_t col) const;  ///< only for text cells
  std::optional<std::int64_t> opt_int64(std::size_t col) const;
  std::optional<std::string> opt_text(std::size_t col) const;
  const Cell& cell(std::size_t col) const;

 private:
  const std::vector<Cell>* cells_;
  std::size_t offset_;
  std::size_t width_;
};

/// The rows a statement returned (row-major) and how many rows it changed.
class Result {
 public:
  Result() = default;
  Result(std::vector<std::string> columns, std::vector<Cell> cells, std::int64_t affected);

  std::size_t size() const noexcept { return rows_; }
  bool empty() const noexcept { return rows_ == 0; }
  Row operator[](std::size_t i) const;
  Row front() const { return (*this)[0]; }
  /// Rows changed by INSERT, UPDATE or DELETE (for RETURNING statements: rows returned).
  std::int64_t affected() const noexcept { return affected_; }
  const std::vector<std::string>& columns() const noexcept { return columns_; }
  /// Index of a named column; throws db::Error when absent.
  std::size_t column(std::string_view name) const;

  class iterator {
   public:
    iterator(const Result* r, std::size_t i) : r_(r), i_(i) {}
    Row operator*() const { return (*r_)[i_]; }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator!=(const iterator& o) const { return i_ != o.i_; }

   private:
    const Result* r_;
    std::size_t i_;
  };
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, rows_}; }

 private:
  std::vector<std::string> columns_;
  std::vector<Cell> cells_;
  std::size_t rows_ = 0;
  std::int64_t affected_ = 0;
};

/// Infrastructure failures of the database. Services catch the kinds they can act on
/// (unique_violation → 409 duplicate); everything else becomes 503 or 500 at the edge.
class Error : public std::runtime_error {
 public:
  enum class Kind {
    unavailable,       ///< cannot connect, connection lost, database shutting down → 503
    unique_violation,  ///< a UNIQUE or PRIMARY KEY constraint
    foreign_key_violation,
    check_violation,
    not_null_violation,
    retryable,  ///< serialization failure, deadlock, SQLITE_BUSY after the timeout
    other,
  };
  Error(Kind kind, std::string message, std::string sqlstate = {})
      : std::runtime_error(std::move(message)), kind_(kind), sqlstate_(std::move(sqlstate)) {}
  Kind kind() const noexcept { return kind_; }
  /// PostgreSQL SQLSTATE, or the SQLite extended result code as text.
  const std::string& sqlstate() const noexcept { return sqlstate_; }

 private:
  Kind kind_;
  std::string sqlstate_;
};

}  // namespace crema::db
