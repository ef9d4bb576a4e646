#include "api/multipart.hpp"

namespace crema::api {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  return true;
}

// The value of parameter `name` in `type; a=1; name="x"` (quotes and escapes removed), or
// nothing. Quoted values may contain ';' and '='.
std::optional<std::string> parameter(std::string_view header, std::string_view name) {
  std::size_t i = header.find(';');
  while (i != std::string_view::npos && i < header.size()) {
    ++i;  // past ';'
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t')) ++i;
    const std::size_t key_start = i;
    while (i < header.size() && header[i] != '=' && header[i] != ';') ++i;
    const auto key = trim(header.substr(key_start, i - key_start));
    std::string value;
    if (i < header.size() && header[i] == '=') {
      ++i;
      while (i < header.size() && (header[i] == ' ' || header[i] == '\t')) ++i;
      if (i < header.size() && header[i] == '"') {
        ++i;
        bool closed = false;
        while (i < header.size()) {
          if (header[i] == '\\' && i + 1 < header.size()) {
            value += header[i + 1];
            i += 2;
          } else if (header[i] == '"') {
            ++i;
            closed = true;
            break;
          } else {
            value += header[i++];
          }
        }
        if (!closed) return std::nullopt;
      } else {
        const std::size_t v_start = i;
        while (i < header.size() && header[i] != ';') ++i;
        value = std::string(trim(header.substr(v_start, i - v_start)));
      }
    }
    if (iequals(key, name)) return value;
    i = header.find(';', i);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  auto semi = content_type.find(';');
  if (!iequals(trim(content_type.substr(0, semi)), "multipart/form-data")) return std::nullopt;
  auto b = parameter(content_type, "boundary");
  if (!b || b->empty() || b->size() > 70) return std::nullopt;
  return b;
}

std::optional<std::vector<MultipartPart>> parse_multipart(std::string_view body,
                                                          std::string_view boundary) {
  const std::string delimiter = "--" + std::string(boundary);
  // The first delimiter may be preceded by a preamble; later ones follow a CRLF.
  auto start = body.find(delimiter);
  if (start == std::string_view::npos) return std::nullopt;
  std::vector<MultipartPart> parts;
  std::size_t pos = start + delimiter.size();
  const std::string next_delimiter = "\r\n" + delimiter;
  while (true) {
    if (body.substr(pos, 2) == "--") return parts;  // the closing delimiter
    // Transport padding, then the CRLF that ends the delimiter line.
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != "\r\n") return std::nullopt;
    pos += 2;
    auto headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) return std::nullopt;
    MultipartPart part;
    std::string_view headers = body.substr(pos, headers_end - pos);
    while (!headers.empty()) {
      auto eol = headers.find("\r\n");
      auto line = headers.substr(0, eol);
      auto colon = line.find(':');
      if (colon != std::string_view::npos) {
        auto name = trim(line.substr(0, colon));
        auto value = trim(line.substr(colon + 1));
        if (iequals(name, "content-disposition")) {
          part.name = parameter(value, "name").value_or("");
          part.filename = parameter(value, "filename").value_or("");
        } else if (iequals(name, "content-type")) {
          part.content_type = std::string(value);
        }
      }
      if (eol == std::string_view::npos) break;
      headers.remove_prefix(eol + 2);
    }
    const std::size_t content = headers_end + 4;
    auto end = body.find(next_delimiter, content);
    if (end == std::string_view::npos) return std::nullopt;
    part.body = body.substr(content, end - content);
    parts.push_back(std::move(part));
    pos = end + next_delimiter.size();
  }
}

}  // namespace crema::api
