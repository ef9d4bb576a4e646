#pragma once
/// Sessions (one per sign-in: a refresh-token family) and their refresh tokens, stored only
/// as SHA-256 hashes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/connection.hpp"

namespace crema::repo {

struct SessionRecord {
  std::string id;
  std::string user_id;
  std::int64_t created_at = 0;
  std::int64_t last_used_at = 0;
  std::int64_t expires_at = 0;  ///< of its newest refresh token
  std::optional<std::int64_t> revoked_at;
  std::optional<std::string> revoke_reason;
  std::optional<std::string> ip;
  std::optional<std::string> user_agent;
};

struct RefreshTokenRecord {
  std::string token_hash;
  std::string session_id;
  std::int64_t issued_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> rotated_at;
};

/// A refresh token with its session, as found by its hash.
struct RefreshLookup {
  RefreshTokenRecord token;
  SessionRecord session;
};

void insert_session(db::Connection& conn, const SessionRecord& s);
void insert_refresh_token(db::Connection& conn, const RefreshTokenRecord& t);

/// The token with this hash and its session.
std::optional<RefreshLookup> find_refresh_token(db::Connection& conn, std::string_view token_hash);

/// Marks the token used, only if it was not yet; false when another request rotated it first.
bool mark_rotated(db::Connection& conn, std::string_view token_hash, std::int64_t now_ms);

/// Records a use of the session: last_used_at and the new expiry.
void touch_session(db::Connection& conn, std::string_view id, std::int64_t now_ms,
                   std::int64_t expires_at);

/// Revokes one session (no-op when already revoked). Returns whether it changed.
bool revoke_session(db::Connection& conn, std::string_view id, std::string_view reason,
                    std::int64_t now_ms);

/// Revokes every live session of the user except `keep` ("" keeps none). Returns how many.
std::int64_t revoke_user_sessions(db::Connection& conn, std::string_view user_id,
                                  std::string_view keep, std::string_view reason,
                                  std::int64_t now_ms);

/// The user's sessions, newest first.
std::vector<SessionRecord> list_user_sessions(db::Connection& conn, std::string_view user_id);

/// One session by id (revoked or not).
std::optional<SessionRecord> find_session(db::Connection& conn, std::string_view id);

/// Forgets the user's sessions and refresh tokens entirely (erasure).
void delete_user_sessions(db::Connection& conn, std::string_view user_id);

/// Drops what can no longer matter: refresh tokens past expiry, and sessions that ended
/// (expired or revoked) more than `keep_ms` ago. Returns the number of rows removed.
std::int64_t prune_user_sessions(db::Connection& conn, std::string_view user_id,
                                 std::int64_t now_ms, std::int64_t keep_ms);

}  // namespace crema::repo
