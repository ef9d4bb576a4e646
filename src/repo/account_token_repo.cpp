#include "repo/account_token_repo.hpp"

namespace crema::repo {

void insert_account_token(db::Connection& conn, const AccountTokenRecord& t) {
  conn.exec(
      "INSERT INTO account_tokens (token_hash, user_id, purpose, created_at, expires_at, "
      "used_at) VALUES ($1, $2, $3, $4, $5, $6)",
      {t.token_hash, t.user_id, t.purpose, t.created_at, t.expires_at,
       t.used_at ? db::Param(*t.used_at) : db::Param(nullptr)});
}

std::optional<AccountTokenRecord> find_account_token(db::Connection& conn,
                                                     std::string_view token_hash,
                                                     std::string_view purpose) {
  auto r = conn.exec(
      "SELECT token_hash, user_id, purpose, created_at, expires_at, used_at FROM account_tokens "
      "WHERE token_hash = $1 AND purpose = $2",
      {token_hash, purpose});
  if (r.empty()) return std::nullopt;
  const auto& row = r.front();
  AccountTokenRecord t;
  t.token_hash = row.text(0);
  t.user_id = row.text(1);
  t.purpose = row.text(2);
  t.created_at = row.int64(3);
  t.expires_at = row.int64(4);
  t.used_at = row.opt_int64(5);
  return t;
}

bool use_account_token(db::Connection& conn, std::string_view token_hash, std::int64_t now_ms) {
  return conn.exec(
                 "UPDATE account_tokens SET used_at = $2 "
                 "WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
                 {token_hash, now_ms})
             .affected() == 1;
}

std::int64_t use_user_tokens(db::Connection& conn, std::string_view user_id,
                             std::string_view purpose, std::int64_t now_ms) {
  return conn
      .exec(
          "UPDATE account_tokens SET used_at = $3 "
          "WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
          {user_id, purpose, now_ms})
      .affected();
}

std::int64_t count_account_tokens_since(db::Connection& conn, std::string_view user_id,
                                        std::string_view purpose, std::int64_t since_ms) {
  return conn
      .exec(
          "SELECT COUNT(*) FROM account_tokens "
          "WHERE user_id = $1 AND purpose = $2 AND created_at >= $3",
          {user_id, purpose, since_ms})
      .front()
      .int64(0);
}

std::int64_t delete_settled_account_tokens(db::Connection& conn, std::int64_t now_ms,
                                           std::int64_t created_before) {
  return conn
      .exec(
          "DELETE FROM account_tokens WHERE created_at < $2 "
          "AND (used_at IS NOT NULL OR expires_at <= $1)",
          {now_ms, created_before})
      .affected();
}

std::int64_t delete_used_recovery_codes(db::Connection& conn) {
  return conn.exec("DELETE FROM recovery_codes WHERE used_at IS NOT NULL").affected();
}

void delete_user_tokens(db::Connection& conn, std::string_view user_id) {
  conn.exec("DELETE FROM account_tokens WHERE user_id = $1", {user_id});
  delete_recovery_codes(conn, user_id);
}

void replace_recovery_codes(db::Connection& conn, std::string_view user_id,
                            const std::vector<std::string>& code_hashes, std::int64_t now_ms) {
  delete_recovery_codes(conn, user_id);
  for (const auto& h : code_hashes)
    conn.exec(
        "INSERT INTO recovery_codes (user_id, code_hash, created_at, used_at) "
        "VALUES ($1, $2, $3, NULL)",
        {user_id, h, now_ms});
}

bool use_recovery_code(db::Connection& conn, std::string_view user_id, std::string_view code_hash,
                       std::int64_t now_ms) {
  return conn.exec(
                 "UPDATE recovery_codes SET used_at = $3 "
                 "WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
                 {user_id, code_hash, now_ms})
             .affected() == 1;
}

std::int64_t count_unused_recovery_codes(db::Connection& conn, std::string_view user_id) {
  return conn
      .exec("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL", {user_id})
      .front()
      .int64(0);
}

void delete_recovery_codes(db::Connection& conn, std::string_view user_id) {
  conn.exec("DELETE FROM recovery_codes WHERE user_id = $1", {user_id});
}

}  // namespace crema::repo
