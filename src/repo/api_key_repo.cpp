#include "repo/api_key_repo.hpp"

#include "repo/keyset.hpp"
#include "repo/query.hpp"

namespace crema::repo {

namespace {

constexpr std::string_view kApiKeyColumns =
    "id, name, key_hash, key_prefix, scopes, tier, created_by, created_at, revoked_at, "
    "expires_at, last_used_at";

ApiKeyRecord read_key(const db::Row& r) {
  ApiKeyRecord k;
  k.id = r.text(0);
  k.name = r.text(1);
  k.key_hash = r.text(2);
  k.key_prefix = r.text(3);
  k.scopes_json = r.text(4);
  k.tier = r.text(5);
  k.created_by = r.opt_text(6);
  k.created_at = r.int64(7);
  k.revoked_at = r.opt_int64(8);
  k.expires_at = r.opt_int64(9);
  k.last_used_at = r.opt_int64(10);
  return k;
}

std::vector<ApiKeyRecord> read_all(const db::Result& res) {
  std::vector<ApiKeyRecord> out;
  out.reserve(res.size());
  for (auto row : res) out.push_back(read_key(row));
  return out;
}

}  // namespace

void insert_api_key(db::Connection& conn, const ApiKeyRecord& k) {
  conn.exec(
      "INSERT INTO api_keys (id, name, key_hash, key_prefix, scopes, tier, created_by, "
      "created_at, revoked_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      {k.id, k.name, k.key_hash, k.key_prefix, k.scopes_json, k.tier,
       k.created_by ? db::Param(std::string_view(*k.created_by)) : db::Param(nullptr), k.created_at,
       k.revoked_at ? db::Param(*k.revoked_at) : db::Param(nullptr),
       k.expires_at ? db::Param(*k.expires_at) : db::Param(nullptr)});
}

std::optional<ApiKeyRecord> find_live_api_key(db::Connection& conn, std::string_view key_hash) {
  static const std::string kSql = "SELECT " + std::string(kApiKeyColumns) +
                                  " FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL";
  auto res = conn.exec(kSql, {key_hash});
  if (res.empty()) return std::nullopt;
  return read_key(res.front());
}

std::optional<ApiKeyRecord> find_api_key(db::Connection& conn, std::string_view id) {
  static const std::string kSql =
      "SELECT " + std::string(kApiKeyColumns) + " FROM api_keys WHERE id = $1";
  auto res = conn.exec(kSql, {id});
  if (res.empty()) return std::nullopt;
  return read_key(res.front());
}

bool touch_api_key(db::Connection& conn, std::string_view id, std::int64_t now_ms,
                   std::int64_t every_ms) {
  return conn.exec(
                 "UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND "
                 "(last_used_at IS NULL OR last_used_at <= $3)",
                 {id, now_ms, now_ms - every_ms})
             .affected() == 1;
}

bool revoke_api_key(db::Connection& conn, std::string_view id, std::int64_t now_ms) {
  return conn.exec("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                   {id, now_ms})
             .affected() == 1;
}

std::vector<ApiKeyRecord> list_api_keys(db::Connection& conn,
                                        const std::optional<repo::Keyset>& before, int limit) {
  SqlQuery q(conn.dialect(), "SELECT " + std::string(kApiKeyColumns) + " FROM api_keys");
  q.page("created_at", "id", before, SqlQuery::descending, limit);
  return read_all(q.exec(conn));
}

std::vector<ApiKeyRecord> list_api_keys_created_by(db::Connection& conn, std::string_view user_id) {
  static const std::string kSql = "SELECT " + std::string(kApiKeyColumns) +
                                  " FROM api_keys WHERE created_by = $1 "
                                  "ORDER BY created_at DESC, id DESC";
  return read_all(conn.exec(kSql, {user_id}));
}

}  // namespace crema::repo
