#include "db/connection.hpp"

#include <string>

namespace crema::db {

namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

std::string rewrite_placeholders_for_sqlite(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  const std::size_t n = sql.size();
  std::size_t i = 0;
  // Copies sql[i, end) verbatim and moves i there.
  auto copy_to = [&](std::size_t end) {
    out.append(sql.substr(i, end - i));
    i = end;
  };
  while (i < n) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      // A string literal or quoted identifier; a doubled quote is an escaped quote, which
      // this loop handles naturally as the end of one quoted run and the start of the next.
      std::size_t close = sql.find(c, i + 1);
      copy_to(close == std::string_view::npos ? n : close + 1);
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      std::size_t eol = sql.find('\n', i + 2);
      copy_to(eol == std::string_view::npos ? n : eol + 1);
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      // SQLite does not nest block comments, so neither does this.
      std::size_t close = sql.find("*/", i + 2);
      copy_to(close == std::string_view::npos ? n : close + 2);
    } else if (c == '$' && i + 1 < n && is_digit(sql[i + 1])) {
      out.push_back('?');
      ++i;
      while (i < n && is_digit(sql[i])) out.push_back(sql[i++]);
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

}  // namespace crema::db
