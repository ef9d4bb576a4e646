#include "repo/idempotency_repo.hpp"

namespace crema::repo {

bool claim_key(db::Transaction& tx, std::string_view scope, std::string_view route,
               std::string_view key, std::string_view fingerprint, std::int64_t now) {
  auto r = tx.exec(
      "INSERT INTO idempotency_keys (scope, route, idem_key, fingerprint, status, created_at) "
      "VALUES ($1, $2, $3, $4, 0, $5) ON CONFLICT (scope, route, idem_key) DO NOTHING",
      {scope, route, key, fingerprint, now});
  return r.affected() == 1;
}

std::optional<StoredKey> find_key(db::Connection& conn, std::string_view scope,
                                  std::string_view route, std::string_view key) {
  auto r = conn.exec(
      "SELECT fingerprint, status, response_body, created_at FROM idempotency_keys "
      "WHERE scope = $1 AND route = $2 AND idem_key = $3",
      {scope, route, key});
  if (r.empty()) return std::nullopt;
  auto row = r.front();
  return StoredKey{row.text(0), static_cast<int>(row.int64(1)), row.opt_text(2).value_or(""),
                   row.int64(3)};
}

void delete_key(db::Transaction& tx, std::string_view scope, std::string_view route,
                std::string_view key) {
  tx.exec("DELETE FROM idempotency_keys WHERE scope = $1 AND route = $2 AND idem_key = $3",
          {scope, route, key});
}

void complete_key(db::Transaction& tx, std::string_view scope, std::string_view route,
                  std::string_view key, int status, std::string_view body) {
  tx.exec(
      "UPDATE idempotency_keys SET status = $4, response_body = $5 "
      "WHERE scope = $1 AND route = $2 AND idem_key = $3",
      {scope, route, key, static_cast<std::int64_t>(status), body});
}

std::int64_t prune_keys(db::Transaction& tx, std::int64_t before) {
  return tx.exec("DELETE FROM idempotency_keys WHERE created_at < $1", {before}).affected();
}

}  // namespace crema::repo
