#pragma once
/// Password hashing (Argon2id via libsodium) and the password rules of SPEC §3.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace crema::auth {

/// CREMA_ARGON2: libsodium's interactive (64 MiB, 2 passes) or moderate (256 MiB, 3 passes).
enum class Argon2Profile { interactive, moderate };

/// "interactive" or "moderate"; nothing otherwise.
std::optional<Argon2Profile> parse_argon2_profile(std::string_view text) noexcept;

/// An Argon2id hash string (`$argon2id$v=19$m=…`) of the password. At most
/// max_concurrent_hashes() hashes or verifications run at once; callers beyond that wait,
/// and at most set_hash_queue_limit() callers are running or waiting: one more throws
/// crema::Busy at once (answered 503 with Retry-After) instead of taking a worker thread
/// that other routes need. Throws std::runtime_error when the memory cannot be had.
std::string hash_password(std::string_view password, Argon2Profile profile);

/// True when the password matches the hash; false for a wrong password or a malformed
/// hash. Bounded like hash_password (crema::Busy when the queue is full).
bool verify_password(std::string_view hash, std::string_view password);

/// True when the hash was made with other limits than the profile's (rehash on login).
bool password_needs_rehash(std::string_view hash, Argon2Profile profile);

/// Every rule the password breaks, as issues on `field`: at least 10 characters (UTF-8
/// code points), at most 1024 bytes, valid UTF-8, not the email (ignoring case).
std::vector<FieldIssue> check_password_rules(std::string_view password, std::string_view email,
                                             std::string_view field = "password");

/// How many hashes may run at once: the number of hardware threads (at least 1).
std::size_t max_concurrent_hashes() noexcept;
/// How many callers may be inside hash_password/verify_password at once, hashing or
/// waiting for a slot (`crema serve`: half its blocking worker threads, at least 1).
/// 0: no bound (the default, for tools and tests).
void set_hash_queue_limit(std::size_t limit) noexcept;
/// Hashes and verifications refused because the queue was full (tests, metrics).
std::uint64_t hash_queue_refusals() noexcept;
/// How many passwords verify_password has checked against a hash since the process started
/// (the metric password_verifications_total; the lockout test counts with it).
std::uint64_t password_verifications() noexcept;
/// The most hashes seen running at once since the process started (tests, metrics).
std::size_t peak_concurrent_hashes() noexcept;

}  // namespace crema::auth
