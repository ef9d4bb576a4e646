#pragma once
/// `crema seed-demo`'s order history: a few business days of walk-in and online orders on
/// the demo menu, placed through the order service (priced, stock reserved and consumed),
/// most of them completed, some cancelled, today's still moving through the kitchen.

#include "app/config.hpp"
#include "db/pool.hpp"
#include "events/bus.hpp"

namespace crema::app {

/// Places the demo orders (needs the demo accounts and menu); returns how many were placed.
int seed_demo_orders(db::Pool& pool, events::Bus& bus, const Config& config, int days = 3);

}  // namespace crema::app
