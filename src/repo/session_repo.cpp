#include "repo/session_repo.hpp"

namespace crema::repo {

namespace {

constexpr std::string_view kSessionColumns =
    "id, user_id, created_at, last_used_at, expires_at, revoked_at, revoke_reason, ip, user_agent";

db::Param session_param(const std::optional<std::string>& s) {
  if (s) return std::string_view(*s);
  return nullptr;
}

SessionRecord read_session(const db::Row& r, std::size_t at) {
  SessionRecord s;
  s.id = r.text(at + 0);
  s.user_id = r.text(at + 1);
  s.created_at = r.int64(at + 2);
  s.last_used_at = r.int64(at + 3);
  s.expires_at = r.int64(at + 4);
  s.revoked_at = r.opt_int64(at + 5);
  s.revoke_reason = r.opt_text(at + 6);
  s.ip = r.opt_text(at + 7);
  s.user_agent = r.opt_text(at + 8);
  return s;
}

}  // namespace

void insert_session(db::Connection& conn, const SessionRecord& s) {
  conn.exec(
      "INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, revoked_at, "
      "revoke_reason, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {s.id, s.user_id, s.created_at, s.last_used_at, s.expires_at,
       s.revoked_at ? db::Param(*s.revoked_at) : db::Param(nullptr), session_param(s.revoke_reason),
       session_param(s.ip), session_param(s.user_agent)});
}

void insert_refresh_token(db::Connection& conn, const RefreshTokenRecord& t) {
  conn.exec(
      "INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at, rotated_at) "
      "VALUES ($1, $2, $3, $4, $5)",
      {t.token_hash, t.session_id, t.issued_at, t.expires_at,
       t.rotated_at ? db::Param(*t.rotated_at) : db::Param(nullptr)});
}

std::optional<RefreshLookup> find_refresh_token(db::Connection& conn, std::string_view token_hash) {
  static const std::string kSql =
      "SELECT t.token_hash, t.session_id, t.issued_at, t.expires_at, t.rotated_at, "
      "s.id, s.user_id, s.created_at, s.last_used_at, s.expires_at, s.revoked_at, "
      "s.revoke_reason, s.ip, s.user_agent "
      "FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = $1";
  auto res = conn.exec(kSql, {token_hash});
  if (res.empty()) return std::nullopt;
  auto r = res.front();
  RefreshLookup out;
  out.token.token_hash = r.text(0);
  out.token.session_id = r.text(1);
  out.token.issued_at = r.int64(2);
  out.token.expires_at = r.int64(3);
  out.token.rotated_at = r.opt_int64(4);
  out.session = read_session(r, 5);
  return out;
}

bool mark_rotated(db::Connection& conn, std::string_view token_hash, std::int64_t now_ms) {
  return conn.exec(
                 "UPDATE refresh_tokens SET rotated_at = $2 "
                 "WHERE token_hash = $1 AND rotated_at IS NULL",
                 {token_hash, now_ms})
             .affected() == 1;
}

void touch_session(db::Connection& conn, std::string_view id, std::int64_t now_ms,
                   std::int64_t expires_at) {
  conn.exec("UPDATE sessions SET last_used_at = $2, expires_at = $3 WHERE id = $1",
            {id, now_ms, expires_at});
}

bool revoke_session(db::Connection& conn, std::string_view id, std::string_view reason,
                    std::int64_t now_ms) {
  return conn.exec(
                 "UPDATE sessions SET revoked_at = $2, revoke_reason = $3 "
                 "WHERE id = $1 AND revoked_at IS NULL",
                 {id, now_ms, reason})
             .affected() == 1;
}

std::int64_t revoke_user_sessions(db::Connection& conn, std::string_view user_id,
                                  std::string_view keep, std::string_view reason,
                                  std::int64_t now_ms) {
  return conn
      .exec(
          "UPDATE sessions SET revoked_at = $3, revoke_reason = $4 "
          "WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL",
          {user_id, keep, now_ms, reason})
      .affected();
}

std::vector<SessionRecord> list_user_sessions(db::Connection& conn, std::string_view user_id) {
  static const std::string kSql = "SELECT " + std::string(kSessionColumns) +
                                  " FROM sessions WHERE user_id = $1 "
                                  "ORDER BY created_at DESC, id DESC";
  auto res = conn.exec(kSql, {user_id});
  std::vector<SessionRecord> out;
  out.reserve(res.size());
  for (auto r : res) out.push_back(read_session(r, 0));
  return out;
}

void delete_user_sessions(db::Connection& conn, std::string_view user_id) {
  conn.exec(
      "DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE user_id = $1)",
      {user_id});
  conn.exec("DELETE FROM sessions WHERE user_id = $1", {user_id});
}

std::int64_t prune_user_sessions(db::Connection& conn, std::string_view user_id,
                                 std::int64_t now_ms, std::int64_t keep_ms) {
  const std::int64_t ended_before = now_ms - keep_ms;
  std::int64_t n = conn.exec(
                           "DELETE FROM refresh_tokens WHERE expires_at < $2 AND session_id IN "
                           "(SELECT id FROM sessions WHERE user_id = $1)",
                           {user_id, now_ms})
                       .affected();
  n += conn.exec(
               "DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions "
               "WHERE user_id = $1 AND (expires_at < $2 OR revoked_at < $2))",
               {user_id, ended_before})
           .affected();
  n += conn.exec("DELETE FROM sessions WHERE user_id = $1 AND (expires_at < $2 OR revoked_at < $2)",
                 {user_id, ended_before})
           .affected();
  return n;
}

}  // namespace crema::repo
