#include "util/csv.hpp"

namespace crema::util {

std::string CsvWriter::field(std::string_view value) {
  std::string v;
  if (!value.empty() && (value.front() == '=' || value.front() == '+' || value.front() == '-' ||
                         value.front() == '@' || value.front() == '\t' || value.front() == '\r'))
    v = "'";
  v.append(value);
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
