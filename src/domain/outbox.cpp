#include "domain/outbox.hpp"

#include <algorithm>
#include <array>

namespace crema::domain {

std::int64_t outbox_retry_delay_ms(int attempts, std::int64_t base_ms, std::int64_t cap_ms,
                                   double unit_random) noexcept {
  if (attempts < 1) attempts = 1;
  if (base_ms < 1) base_ms = 1;
  if (cap_ms < base_ms) cap_ms = base_ms;
  std::int64_t delay = base_ms;
  // Doubling stops at the cap, so no overflow however many attempts are counted.
  for (int i = 1; i < attempts && delay < cap_ms; ++i) delay = std::min(cap_ms, delay * 2);
  unit_random = std::clamp(unit_random, 0.0, 0.999999);
  const std::int64_t half = delay / 2;
  return (delay - half) + static_cast<std::int64_t>(static_cast<double>(half) * unit_random);
}

bool is_notification_type(std::string_view type) noexcept {
  return std::find(kNotificationTypes.begin(), kNotificationTypes.end(), type) !=
         kNotificationTypes.end();
}

bool is_notification_channel(std::string_view channel) noexcept {
  return channel == "log" || channel == "email" || channel == "sms";
}

}  // namespace crema::domain
