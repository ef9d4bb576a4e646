#pragma once
/// `crema seed-demo`'s order history: a few business days of walk-in and online orders on
/// the demo menu, placed through the order service (priced, stock reserved and consumed),
/// most of them completed, some cancelled, today's still moving through the kitchen, and
/// yesterday one guest's order (SPEC §15.1: no account, paid online with its order token).

#include "app/config.hpp"
#include "db/pool.hpp"
#include "events/bus.hpp"

namespace crema::app {

/// Places the demo orders (needs the demo accounts and menu); returns how many were placed.
int seed_demo_orders(db::Pool& pool, events::Bus& bus, const Config& config, int days = 3);

/// The demo café's opening hours and slot capacity (SPEC §15.3), and a customer's online
/// order scheduled for tomorrow at 10:30; false when it could not be placed.
bool seed_demo_schedule(db::Pool& pool, events::Bus& bus, const Config& config);

}  // namespace crema::app
