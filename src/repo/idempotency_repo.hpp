#pragma once
/// SQL of Idempotency-Keys (SPEC §2): one row per (caller scope, route, key) with the
/// request's fingerprint and, once answered, the answer. Used only through
/// service/idempotency.hpp.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/pool.hpp"

namespace crema::repo {

struct StoredKey {
  std::string fingerprint;
  int status = 0;  ///< 0 while the first request is still running (never seen committed)
  std::string body;
  std::int64_t created_at = 0;
};
/// Inserts the key's row unless one exists; true when this call inserted it. On PostgreSQL
/// an uncommitted row of another transaction makes this wait for that transaction.
bool claim_key(db::Transaction& tx, std::string_view scope, std::string_view route,
               std::string_view key, std::string_view fingerprint, std::int64_t now);
std::optional<StoredKey> find_key(db::Connection& conn, std::string_view scope,
                                  std::string_view route, std::string_view key);
void delete_key(db::Transaction& tx, std::string_view scope, std::string_view route,
                std::string_view key);
/// Records the answer given for a claimed key.
void complete_key(db::Transaction& tx, std::string_view scope, std::string_view route,
                  std::string_view key, int status, std::string_view body);
/// Deletes keys created before `before`; returns how many.
std::int64_t prune_keys(db::Transaction& tx, std::int64_t before);

}  // namespace crema::repo
