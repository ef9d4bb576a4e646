#pragma once
/// Partner API keys, stored as SHA-256 hashes of the key.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/connection.hpp"
#include "repo/keyset.hpp"

namespace crema::repo {

struct ApiKeyRecord {
  std::string id;
  std::string name;
  std::string key_hash;
  std::string key_prefix;          ///< the first characters of the key, to recognise it
  std::string scopes_json = "[]";  ///< JSON array of scope names
  std::string tier = "standard";
  std::optional<std::string> created_by;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> revoked_at;
  std::optional<std::int64_t> expires_at;    ///< unusable from then on
  std::optional<std::int64_t> last_used_at;  ///< to the minute
};

void insert_api_key(db::Connection& conn, const ApiKeyRecord& key);

/// The live (not revoked) key with this hash.
std::optional<ApiKeyRecord> find_live_api_key(db::Connection& conn, std::string_view key_hash);

std::optional<ApiKeyRecord> find_api_key(db::Connection& conn, std::string_view id);

/// Records a use of the key at `now_ms` unless one was recorded within `every_ms` (so a
/// busy key costs one write a minute, not one per request). True when written.
bool touch_api_key(db::Connection& conn, std::string_view id, std::int64_t now_ms,
                   std::int64_t every_ms);

/// Revokes the key; false when it was revoked already (or does not exist).
bool revoke_api_key(db::Connection& conn, std::string_view id, std::int64_t now_ms);

/// Newest first, strictly before `before` (created_at, id) when given; up to limit + 1 rows.
std::vector<ApiKeyRecord> list_api_keys(db::Connection& conn,
                                        const std::optional<repo::Keyset>& before, int limit);

/// The keys a user created, newest first.
std::vector<ApiKeyRecord> list_api_keys_created_by(db::Connection& conn, std::string_view user_id);

}  // namespace crema::repo
