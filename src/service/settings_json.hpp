#pragma once
/// The shop's settings as GET /settings answers them (and as `settings_updated` carries
/// them): every field of SPEC §15.3, nothing secret, plus what follows from them now —
/// `open_now` (online orders taken now) and `next_open_at` (when they are taken next, while
/// not) — and the process settings clients need to schedule orders.

#include <cstdint>

#include <boost/json/object.hpp>

#include "service/settings_service.hpp"

namespace crema::service {

boost::json::object settings_json(const ShopSnapshot& snapshot, const SettingsOptions& options,
                                  std::int64_t now_ms);

}  // namespace crema::service
