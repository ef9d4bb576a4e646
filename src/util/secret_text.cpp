#include "util/secret_text.hpp"

#include <utility>

namespace crema::util {

namespace {

// [start, end) of the password in `url`, or npos.
std::pair<std::size_t, std::size_t> password_span(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {std::string_view::npos, 0};
  const std::size_t authority = scheme + 3;
  const auto end = url.find_first_of("/?#", authority);
  const std::string_view auth = url.substr(
      authority, end == std::string_view::npos ? std::string_view::npos : end - authority);
  const auto at = auth.rfind('@');
  if (at == std::string_view::npos) return {std::string_view::npos, 0};
  const auto colon = auth.find(':');
  if (colon == std::string_view::npos || colon > at) return {std::string_view::npos, 0};
  return {authority + colon + 1, authority + at};
}

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit_value(s[i + 1]) >= 0 &&
        hex_digit_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit_value(s[i + 1]) * 16 + hex_digit_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

void replace_all(std::string& text, std::string_view what) {
  if (what.empty()) return;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 3))
    text.replace(at, what.size(), "…");
}

}  // namespace

std::string url_password(std::string_view url) {
  const auto [start, end] = password_span(url);
  if (start == std::string_view::npos) return {};
  return std::string(url.substr(start, end - start));
}

std::string mask_url_password(std::string_view url) {
  const auto [start, end] = password_span(url);
  if (start == std::string_view::npos || start == end) return std::string(url);
  return std::string(url.substr(0, start)) + "…" + std::string(url.substr(end));
}

std::string hide(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  replace_all(text, secret);
  const std::string decoded = percent_decoded(secret);
  if (decoded != secret) replace_all(text, decoded);
  return text;
}

}  // namespace crema::util
