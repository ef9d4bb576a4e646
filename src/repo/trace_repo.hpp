#pragma once
/// SQL of the traces kept with rows (SPEC §15.5): an order's, so its payment webhook continues
/// it. (The outbox keeps its rows' own, in outbox_repo.)

#include <optional>
#include <string>
#include <string_view>

#include "db/pool.hpp"

namespace crema::repo {

/// Remembers the trace an order was placed in (once; a second call for it changes nothing).
void insert_order_trace(db::Transaction& tx, std::string_view order_id,
                        std::string_view traceparent);

/// The traceparent the order was placed in, if it was traced.
std::optional<std::string> find_order_trace(db::Connection& conn, std::string_view order_id);

}  // namespace crema::repo
