#include "util/uuid.hpp"

#include <sodium.h>

#include <array>
#include <chrono>
#include <mutex>
#include <stdexcept>

namespace crema::util {

namespace {

void ensure_sodium() {
  static const int rc = sodium_init();  // idempotent; -1 only when it cannot initialise
  if (rc < 0) throw std::runtime_error("libsodium could not be initialised");
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Where the hyphens of the canonical form go.
bool is_hyphen_position(std::size_t i) noexcept { return i == 8 || i == 13 || i == 18 || i == 23; }

// Monotonic state: RFC 9562 §6.2 method 1, a 12-bit counter in rand_a seeded randomly
// each new millisecond with its top bit clear, so at least 2048 ids fit in one
// millisecond; when it runs out the timestamp moves one millisecond ahead.
struct UuidClock {
  std::mutex mutex;
  std::int64_t last_ms = 0;
  std::uint32_t counter = 0;
};

}  // namespace

std::string new_uuid_v7() {
  ensure_sodium();
  static UuidClock clock;
  std::array<unsigned char, 10> random{};
  randombytes_buf(random.data(), random.size());

  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  std::int64_t ms = 0;
  std::uint32_t counter = 0;
  {
    std::lock_guard lock(clock.mutex);
    if (now > clock.last_ms) {
      clock.last_ms = now;
      clock.counter = ((std::uint32_t{random[0]} << 8) | random[1]) & 0x7ff;
    } else if (++clock.counter > 0xfff) {
      // Same millisecond (or the wall clock stepped back): count on, borrowing the next
      // millisecond when the counter is spent.
      ++clock.last_ms;
      clock.counter = ((std::uint32_t{random[0]} << 8) | random[1]) & 0x7ff;
    }
    ms = clock.last_ms;
    counter = clock.counter;
  }

  std::array<unsigned char, 16> b{};
  for (int i = 0; i < 6; ++i)
    b[static_cast<std::size_t>(i)] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  b[6] = static_cast<unsigned char>(0x70 | ((counter >> 8) & 0x0f));  // version 7
  b[7] = static_cast<unsigned char>(counter & 0xff);
  for (std::size_t i = 8; i < 16; ++i) b[i] = random[i - 6];
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3f));  // variant 10

  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0x0f];
  }
  return out;
}

bool is_uuid(std::string_view text) noexcept {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_hyphen_position(i) ? text[i] != '-' : hex_value(text[i]) < 0) return false;
  }
  return true;
}

bool is_uuid_v7(std::string_view text) noexcept {
  return is_uuid(text) && text[14] == '7' && (hex_value(text[19]) & 0xc) == 0x8;
}

std::int64_t uuid_v7_unix_ms(std::string_view text) noexcept {
  std::int64_t ms = 0;
  for (std::size_t i = 0; i < 13 && i < text.size(); ++i) {
    if (i == 8) continue;
    ms = (ms << 4) | hex_value(text[i]);
  }
  return ms;
}

}  // namespace crema::util
