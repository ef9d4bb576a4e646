#pragma once
/// CSV text (RFC 4180) for `?format=csv` answers: comma-separated, CRLF line ends, a field
/// quoted when it holds a comma, a quote, CR or LF (quotes doubled). Wherever a spreadsheet
/// could start a cell — the field's start, and after a `,`, `;`, tab, CR or LF inside it
/// (a locale splitting on `;`, a tab import, a parser ignoring quotes), past any spaces —
/// a formula lead (= + - @, tab, CR, or their full-width forms) gets an apostrophe before
/// it, so an exported value never executes in Excel, LibreOffice or Sheets (OWASP's advice
/// on CSV injection, applied to every cell start, not only the first).

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace crema::util {

class CsvWriter {
 public:
  /// Appends one row.
  void row(std::initializer_list<std::string_view> fields);
  void row(const std::vector<std::string>& fields);
  /// The text so far.
  const std::string& text() const noexcept { return out_; }
  std::string take() { return std::move(out_); }

  /// One field as it is written.
  static std::string field(std::string_view value);

 private:
  std::string out_;
};

}  // namespace crema::util
