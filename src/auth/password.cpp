#include "auth/password.hpp"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <semaphore>
#include <stdexcept>
#include <thread>

#include "auth/crypto.hpp"

namespace crema::auth {

namespace {

constexpr std::size_t kMinCodePoints = 10;
constexpr std::size_t kMaxBytes = 1024;
// std::counting_semaphore needs a compile-time ceiling; machines have fewer threads.
constexpr std::ptrdiff_t kSemaphoreCeiling = 4096;

struct Limits {
  unsigned long long ops;
  std::size_t mem;
};

Limits limits(Argon2Profile p) noexcept {
  if (p == Argon2Profile::moderate)
    return {crypto_pwhash_argon2id_OPSLIMIT_MODERATE, crypto_pwhash_argon2id_MEMLIMIT_MODERATE};
  return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

std::size_t hardware_threads() noexcept {
  const unsigned n = std::thread::hardware_concurrency();
  return std::clamp<std::size_t>(n, 1, kSemaphoreCeiling);
}

// Each Argon2 run takes its whole memory limit (64 or 256 MiB), so a burst of logins is
// made to queue here rather than exhaust memory.
std::counting_semaphore<kSemaphoreCeiling>& hash_slots() {
  static std::counting_semaphore<kSemaphoreCeiling> slots(
      static_cast<std::ptrdiff_t>(hardware_threads()));
  return slots;
}

std::atomic<std::size_t> running{0};
std::atomic<std::size_t> peak{0};
std::atomic<std::uint64_t> verifications{0};
std::atomic<std::size_t> inside{0};        // hashing or waiting for a slot
std::atomic<std::size_t> inside_limit{0};  // 0: unbounded
std::atomic<std::uint64_t> refusals{0};

// Holds one hashing slot for its lifetime and keeps the running/peak counters.
class HashSlot {
 public:
  HashSlot() {
    const std::size_t limit = inside_limit.load(std::memory_order_relaxed);
    if (inside.fetch_add(1) >= limit && limit > 0) {
      inside.fetch_sub(1);
      refusals.fetch_add(1, std::memory_order_relaxed);
      throw crema::Busy("Too many sign-ins are being checked right now; retry in a second.", 1);
    }
    hash_slots().acquire();
    const std::size_t now = ++running;
    std::size_t seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {}
  }
  ~HashSlot() {
    --running;
    hash_slots().release();
    inside.fetch_sub(1);
  }
  HashSlot(const HashSlot&) = delete;
  HashSlot& operator=(const HashSlot&) = delete;
};

char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Code points in valid UTF-8, or nothing for invalid UTF-8 (overlong forms, surrogates and
// values past U+10FFFF included).
std::optional<std::size_t> utf8_code_points(std::string_view s) noexcept {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size(); ++count) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (b < 0x80) {
      len = 1;
      cp = b;
    } else if ((b & 0xe0) == 0xc0) {
      len = 2;
      cp = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      len = 3;
      cp = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      len = 4;
      cp = b & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + len > s.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (c & 0x3f);
    }
    constexpr std::uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return std::nullopt;
    i += len;
  }
  return count;
}

bool equal_ignoring_ascii_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

}  // namespace

std::optional<Argon2Profile> parse_argon2_profile(std::string_view text) noexcept {
  if (text == "interactive") return Argon2Profile::interactive;
  if (text == "moderate") return Argon2Profile::moderate;
  return std::nullopt;
}

std::string hash_password(std::string_view password, Argon2Profile profile) {
  ensure_sodium();
  const Limits l = limits(profile);
  char out[crypto_pwhash_STRBYTES];
  int rc = 0;
  {
    HashSlot slot;
    rc = crypto_pwhash_str_alg(out, password.data(), password.size(), l.ops, l.mem,
                               crypto_pwhash_ALG_ARGON2ID13);
  }
  if (rc != 0) throw std::runtime_error("password hashing failed: not enough memory");
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
  ensure_sodium();
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string h(hash);  // libsodium wants it NUL-terminated
  HashSlot slot;
  verifications.fetch_add(1, std::memory_order_relaxed);
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

bool password_needs_rehash(std::string_view hash, Argon2Profile profile) {
  ensure_sodium();
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return true;
  const std::string h(hash);
  const Limits l = limits(profile);
  // 1: other limits; -1: not an Argon2id hash at all. Either way, hash again.
  return crypto_pwhash_str_needs_rehash(h.c_str(), l.ops, l.mem) != 0;
}

std::vector<FieldIssue> check_password_rules(std::string_view password, std::string_view email,
                                             std::string_view field) {
  std::vector<FieldIssue> issues;
  auto add = [&](std::string issue) { issues.push_back({std::string(field), std::move(issue)}); };
  if (password.size() > kMaxBytes) {
    add("must be at most " + std::to_string(kMaxBytes) + " bytes");
  } else if (auto n = utf8_code_points(password); !n) {
    add("must be valid UTF-8");
  } else if (*n < kMinCodePoints) {
    add("must be at least " + std::to_string(kMinCodePoints) + " characters");
  }
  if (!email.empty() && equal_ignoring_ascii_case(password, email))
    add("must not be the same as the email");
  return issues;
}

std::size_t max_concurrent_hashes() noexcept { return hardware_threads(); }

std::size_t peak_concurrent_hashes() noexcept { return peak.load(); }

std::uint64_t password_verifications() noexcept { return verifications.load(); }

void set_hash_queue_limit(std::size_t limit) noexcept { inside_limit.store(limit); }

std::uint64_t hash_queue_refusals() noexcept { return refusals.load(); }

}  // namespace crema::auth
