#include "util/text_case.hpp"

#include <cstdint>

namespace crema::util {

namespace {

// The small letter of a capital in the ranges a café's names use; other code points as
// they are. Sources: Unicode's UnicodeData.txt simple lower-case mappings for these blocks.
char32_t lower_of(char32_t c) noexcept {
  if (c >= U'A' && c <= U'Z') return c + 0x20;
  if (c < 0xC0) return c;
  // Latin-1 Supplement: À…Þ except ×.
  if (c <= 0xDE) return c == 0xD7 ? c : c + 0x20;
  if (c < 0x100) return c;
  // Latin Extended-A: mostly capital/small pairs, with two shifts of parity.
  if (c <= 0x137) {
    if (c == 0x130) return U'i';  // İ: its full lower case is i + U+0307; i is what people type
    if (c == 0x131) return c;     // ı
    return (c % 2 == 0) ? c + 1 : c;
  }
  if (c >= 0x139 && c <= 0x148) return (c % 2 == 1) ? c + 1 : c;
  if (c >= 0x14A && c <= 0x177) return (c % 2 == 0) ? c + 1 : c;
  if (c == 0x178) return 0xFF;  // Ÿ → ÿ
  if (c >= 0x179 && c <= 0x17E) return (c % 2 == 1) ? c + 1 : c;
  // Greek.
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 0x25;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 0x3F;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 0x20;
  // Cyrillic.
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if (c == 0x1E9E) return 0xDF;  // ẞ → ß
  return c;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

}  // namespace

std::string fold_case(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      out += static_cast<char>(b >= 'A' && b <= 'Z' ? b | 0x20 : b);
      ++i;
      continue;
    }
    // Only two- and three-byte sequences hold letters this folds; anything else (four-byte
    // sequences, stray or truncated bytes) is copied through byte by byte.
    std::size_t len = (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : 0;
    bool ok = len != 0 && i + len <= text.size();
    char32_t c = len == 2 ? (b & 0x1F) : (b & 0x0F);
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto cont = static_cast<unsigned char>(text[i + k]);
      ok = (cont & 0xC0) == 0x80;
      c = (c << 6) | (cont & 0x3F);
    }
    if (!ok) {
      out += text[i];
      ++i;
      continue;
    }
    const char32_t lower = lower_of(c);
    if (lower == c) {
      out.append(text.substr(i, len));
    } else {
      append_utf8(out, lower);
    }
    i += len;
  }
  return out;
}

}  // namespace crema::util
