#pragma once
/// SQL of the partner webhook endpoints.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/pool.hpp"
#include "repo/keyset.hpp"

namespace crema::repo {

/// A stored endpoint (the secret still sealed).
struct WebhookRow {
  std::string id;
  std::string url;
  std::vector<std::string> events;
  std::string description;
  std::string secret_sealed;
  std::string created_by;  ///< "" when unknown
  std::int64_t created_at = 0;
  std::optional<std::int64_t> deleted_at;
};

void insert_webhook(db::Transaction& tx, const WebhookRow& w);
/// The endpoint, deleted or not.
std::optional<WebhookRow> find_webhook(db::Connection& conn, std::string_view id);
/// Endpoints not deleted, newest first, strictly before the key; up to limit + 1.
std::vector<WebhookRow> select_webhooks(db::Connection& conn,
                                        const std::optional<repo::Keyset>& before, int limit);
/// Every endpoint not deleted (the enqueue side; the table is small).
std::vector<WebhookRow> active_webhooks(db::Connection& conn);
/// The same read through exec_soon (PostgreSQL: sent with the next statement); `done` gets
/// the rows then.
void active_webhooks_soon(db::Connection& conn,
                          std::function<void(std::vector<WebhookRow>&&)> done);
/// Marks it deleted; false when it was missing or already deleted.
bool delete_webhook(db::Transaction& tx, std::string_view id, std::int64_t now_ms);

}  // namespace crema::repo
