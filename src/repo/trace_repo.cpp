#include "repo/trace_repo.hpp"

namespace crema::repo {

void insert_order_trace(db::Transaction& tx, std::string_view order_id,
                        std::string_view traceparent) {
  tx.exec(
      "INSERT INTO order_traces (order_id, traceparent) VALUES ($1, $2) "
      "ON CONFLICT (order_id) DO NOTHING",
      {order_id, traceparent});
}

std::optional<std::string> find_order_trace(db::Connection& conn, std::string_view order_id) {
  auto r = conn.exec("SELECT traceparent FROM order_traces WHERE order_id = $1", {order_id});
  if (r.empty()) return std::nullopt;
  return r.front().text(0);
}

}  // namespace crema::repo
