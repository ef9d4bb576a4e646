#pragma once
/// Pure rules of the outbox (SPEC §10): how many tries a message gets and how long it waits
/// between them.

#include <array>
#include <cstdint>
#include <string_view>

namespace crema::domain {

/// A message is tried this many times, then marked `failed`.
inline constexpr int kOutboxMaxAttempts = 8;

/// The wait before the next try after `attempts` failed tries (1 for the first failure):
/// exponential (`base_ms`, 2×, 4×… capped at `cap_ms`) with "equal jitter": a uniformly
/// random point in the upper half of that delay, chosen by `unit_random` in [0, 1), so
/// messages that failed together (a provider outage) do not all come back at once.
std::int64_t outbox_retry_delay_ms(int attempts, std::int64_t base_ms, std::int64_t cap_ms,
                                   double unit_random) noexcept;

/// The notification types of SPEC §10 (and §15), in one place: the outbox checks against
/// it and the API lists it (api::enum_list("notification_type")).
inline constexpr std::array<std::string_view, 13> kNotificationTypes = {
    "order_placed",        "order_status_changed",   "delivery_update",
    "low_stock",           "event_request_received", "daily_summary",
    "weekly_summary",      "monthly_summary",        "promotion",
    "password_reset",      "verify_email",           "event_quoted",
    "event_status_changed"};

/// Whether `type` is one of kNotificationTypes.
bool is_notification_type(std::string_view type) noexcept;

/// The channels a notification may name.
bool is_notification_channel(std::string_view channel) noexcept;

}  // namespace crema::domain
