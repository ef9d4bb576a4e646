#include "repo/user_repo.hpp"

#include "repo/query.hpp"
#include "util/text_case.hpp"

namespace crema::repo {

namespace {

// Column order shared by the SELECTs and read_user().
constexpr std::string_view kUserColumns =
    "id, name, email, phone, password_hash, role, addresses, marketing_opt_in, is_active, "
    "two_factor_enabled, totp_secret, metadata, version, created_at, updated_at, "
    "totp_last_step, erased_at, email_verified, notify_channel";

auth::Role role_of(const std::string& text, std::string_view id) {
  auto parsed = auth::parse_role(text);
  if (!parsed)
    throw db::Error(db::Error::Kind::other,
                    "users row " + std::string(id) + " has unknown role \"" + text + "\"");
  return *parsed;
}

UserRecord read_user(const db::Row& r) {
  UserRecord u;
  u.id = r.text(0);
  u.name = r.text(1);
  u.email = r.text(2);
  u.phone = r.opt_text(3);
  u.password_hash = r.text(4);
  u.role = role_of(r.text(5), u.id);
  u.addresses_json = r.text(6);
  u.marketing_opt_in = r.boolean(7);
  u.is_active = r.boolean(8);
  u.two_factor_enabled = r.boolean(9);
  u.totp_secret = r.opt_text(10);
  u.metadata_json = r.text(11);
  u.version = r.int64(12);
  u.created_at = r.int64(13);
  u.updated_at = r.int64(14);
  u.totp_last_step = r.opt_int64(15);
  u.erased_at = r.opt_int64(16);
  u.email_verified = r.boolean(17);
  u.notify_channel = r.text(18);
  return u;
}

std::optional<UserRecord> find_one(db::Connection& conn, const std::string& sql,
                                   std::string_view key) {
  db::Result res = conn.exec(sql, {key});
  if (res.empty()) return std::nullopt;
  return read_user(res.front());
}

db::Param param(const std::optional<std::string>& s) {
  if (s) return std::string_view(*s);
  return nullptr;
}

db::Param param(const std::optional<std::int64_t>& v) {
  if (v) return *v;
  return nullptr;
}

// LIKE pattern matching `text` anywhere, with the wildcards in it escaped.
std::string contains_pattern(std::string_view text) {
  std::string out = "%";
  for (char c : util::fold_case(text)) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

}  // namespace

void insert_user(db::Connection& conn, const UserRecord& u) {
  conn.exec(
      "INSERT INTO users (id, name, email, phone, password_hash, role, addresses, "
      "marketing_opt_in, is_active, two_factor_enabled, totp_secret, metadata, version, "
      "created_at, updated_at, totp_last_step, erased_at, name_fold, email_verified, "
      "notify_channel) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
      "$19, $20)",
      {u.id,
       u.name,
       u.email,
       param(u.phone),
       u.password_hash,
       auth::role_name(u.role),
       u.addresses_json,
       u.marketing_opt_in,
       u.is_active,
       u.two_factor_enabled,
       param(u.totp_secret),
       u.metadata_json,
       u.version,
       u.created_at,
       u.updated_at,
       param(u.totp_last_step),
       param(u.erased_at),
       util::fold_case(u.name),
       u.email_verified,
       u.notify_channel});
}

std::optional<UserRecord> find_user_by_email(db::Connection& conn, std::string_view email) {
  static const std::string kSql =
      "SELECT " + std::string(kUserColumns) + " FROM users WHERE email = $1";
  return find_one(conn, kSql, email);
}

std::optional<UserRecord> find_user_by_id(db::Connection& conn, std::string_view id) {
  static const std::string kSql =
      "SELECT " + std::string(kUserColumns) + " FROM users WHERE id = $1";
  return find_one(conn, kSql, id);
}

std::optional<std::int64_t> update_user_profile(db::Connection& conn, const UserRecord& u,
                                                std::int64_t expected_version,
                                                std::int64_t now_ms) {
  auto res = conn.exec(
      "UPDATE users SET name = $2, phone = $3, role = $4, addresses = $5, marketing_opt_in = $6, "
      "is_active = $7, metadata = $8, version = version + 1, updated_at = $9, name_fold = $11, "
      "notify_channel = $12 WHERE id = $1 AND version = $10 RETURNING version",
      {u.id, u.name, param(u.phone), auth::role_name(u.role), u.addresses_json, u.marketing_opt_in,
       u.is_active, u.metadata_json, now_ms, expected_version, util::fold_case(u.name),
       u.notify_channel});
  if (res.empty()) return std::nullopt;
  return res.front().int64(0);
}

void set_password_hash(db::Connection& conn, std::string_view id, std::string_view hash,
                       std::int64_t now_ms) {
  conn.exec("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1",
            {id, hash, now_ms});
}

void set_totp(db::Connection& conn, std::string_view id, const std::optional<std::string>& secret,
              bool enabled, std::optional<std::int64_t> last_step, std::int64_t now_ms) {
  conn.exec(
      "UPDATE users SET totp_secret = $2, two_factor_enabled = $3, totp_last_step = $4, "
      "version = version + 1, updated_at = $5 WHERE id = $1",
      {id, param(secret), enabled, param(last_step), now_ms});
}

void set_email_verified(db::Connection& conn, std::string_view id, std::int64_t now_ms) {
  conn.exec(
      "UPDATE users SET email_verified = $2, version = version + 1, updated_at = $3 WHERE id = $1",
      {id, true, now_ms});
}

bool advance_totp_step(db::Connection& conn, std::string_view id, std::int64_t step) {
  auto res = conn.exec(
      "UPDATE users SET totp_last_step = $2 "
      "WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
      {id, step});
  return res.affected() == 1;
}

void anonymise_user(db::Connection& conn, std::string_view id, std::string_view placeholder_email,
                    std::string_view placeholder_name, std::string_view unusable_hash,
                    std::int64_t now_ms) {
  conn.exec(
      "UPDATE users SET name = $2, email = $3, phone = NULL, password_hash = $4, "
      "addresses = '[]', marketing_opt_in = $5, is_active = $5, two_factor_enabled = $5, "
      "email_verified = $5, notify_channel = 'email', "
      "totp_secret = NULL, totp_last_step = NULL, metadata = '{}', version = version + 1, "
      "updated_at = $6, erased_at = COALESCE(erased_at, $6), name_fold = $7 WHERE id = $1",
      {id, placeholder_name, placeholder_email, unusable_hash, false, now_ms,
       util::fold_case(placeholder_name)});
}

std::int64_t count_active_admins(db::Connection& conn) {
  return conn.exec("SELECT COUNT(*) FROM users WHERE role = 'admin' AND is_active = $1", {true})
      .front()
      .int64(0);
}

std::vector<UserRecord> list_users(db::Connection& conn, const UserFilter& f) {
  SqlQuery q(conn.dialect(), "SELECT " + std::string(kUserColumns) + " FROM users");
  if (f.role) q.where_eq("role", auth::role_name(*f.role));
  if (f.query) {
    const std::string like = q.text(contains_pattern(*f.query));
    q.where("(name_fold LIKE " + like + " ESCAPE '\\' OR email LIKE " + like + " ESCAPE '\\')");
  }
  q.page("created_at", "id", f.before, SqlQuery::descending, f.limit);
  auto res = q.exec(conn);
  std::vector<UserRecord> out;
  out.reserve(res.size());
  for (auto row : res) out.push_back(read_user(row));
  return out;
}

std::optional<AuthState> find_auth_state(db::Connection& conn, std::string_view user_id,
                                         std::string_view session_id) {
  auto res = conn.exec(
      "SELECT u.role, u.is_active, u.two_factor_enabled, s.id, u.email_verified "
      "FROM users u LEFT JOIN sessions s "
      "  ON s.id = $2 AND s.user_id = u.id AND s.revoked_at IS NULL "
      "WHERE u.id = $1",
      {user_id, session_id});
  if (res.empty()) return std::nullopt;
  auto row = res.front();
  AuthState st;
  st.role = role_of(row.text(0), user_id);
  st.is_active = row.boolean(1);
  st.two_factor_enabled = row.boolean(2);
  st.session_live = !row.is_null(3);
  st.email_verified = row.boolean(4);
  return st;
}

}  // namespace crema::repo
