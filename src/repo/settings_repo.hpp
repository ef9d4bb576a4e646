#pragma once
/// The shop_settings row (migration 0500): the shop's settings, one row or none (defaults).

#include <optional>
#include <string>

#include "db/pool.hpp"
#include "domain/shop_settings.hpp"

namespace crema::repo {

/// The stored settings; the defaults (version 1) while none were ever written.
domain::ShopSettings load_settings(db::Connection& conn);

/// The stored settings, locked for a change (the row is created first when missing, so two
/// first changes cannot both start from the defaults).
domain::ShopSettings lock_settings(db::Transaction& tx);

/// Writes every field of `s` (version and updated_at as given) as changed by `by`.
void store_settings(db::Transaction& tx, const domain::ShopSettings& s, const std::string& by);

}  // namespace crema::repo
