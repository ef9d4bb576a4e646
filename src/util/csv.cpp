#include "util/csv.hpp"

namespace crema::util {

namespace {

// What makes a spreadsheet run a cell as a formula when it starts the cell: = + - @, a tab
// or a CR (OWASP), and their full-width forms, which some spreadsheets fold to them.
std::size_t formula_lead(std::string_view s) {
  if (s.empty()) return 0;
  switch (s.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
      return 1;
    default:
      break;
  }
  // U+FF1D ＝, U+FF0B ＋, U+FF0D －, U+FF20 ＠ (EF BC 9D / 8B / 8D, EF BC A0).
  if (s.size() >= 3 && static_cast<unsigned char>(s[0]) == 0xef &&
      static_cast<unsigned char>(s[1]) == 0xbc) {
    const auto c = static_cast<unsigned char>(s[2]);
    if (c == 0x9d || c == 0x8b || c == 0x8d || c == 0xa0) return 3;
  }
  return 0;
}

// Where a spreadsheet may start a new cell inside one field: after a separator it could be
// splitting on (its locale's `;`, a tab, a comma when it ignores quotes) or a line break.
bool cell_break(char c) { return c == ',' || c == ';' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::string CsvWriter::field(std::string_view value) {
  // Every place a cell may start — the field's start and after each break, past any spaces
  // — that would begin a formula gets an apostrophe, so an exported value never runs as one
  // in Excel, LibreOffice or Sheets however the file is opened.
  std::string v;
  v.reserve(value.size() + 2);
  bool at_start = true;
  for (std::size_t i = 0; i < value.size();) {
    if (at_start) {
      std::size_t j = i;
      while (j < value.size() && value[j] == ' ') ++j;
      v.append(value.substr(i, j - i));
      i = j;
      at_start = false;
      if (formula_lead(value.substr(i)) > 0) v += '\'';
      continue;
    }
    const char c = value[i++];
    v += c;
    if (cell_break(c)) at_start = true;
  }
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string quoted = "\"";
  for (char c : v) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

void CsvWriter::row(std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (auto f : fields) {
    if (!first) out_ += ',';
    out_ += field(f);
    first = false;
  }
  out_ += "\r\n";
}

void CsvWriter::row(const std::vector<std::string>& fields) {
  bool first = true;
  for (const auto& f : fields) {
    if (!first) out_ += ',';
    out_ += field(f);
    first = false;
  }
  out_ += "\r\n";
}

}  // namespace crema::util
