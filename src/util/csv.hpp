#pragma once
/// CSV text (RFC 4180) for `?format=csv` answers: comma-separated, CRLF line ends, a field
/// quoted when it holds a comma, a quote, CR or LF (quotes doubled). A field that a
/// spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a leading
/// apostrophe, so an exported value can never execute in Excel or LibreOffice (OWASP's
/// advice on CSV injection).

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
