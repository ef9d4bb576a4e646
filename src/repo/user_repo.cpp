#include "repo/user_repo.hpp"

namespace crema::repo {

namespace {

// Column order shared by the SELECTs and read_user().
constexpr std::string_view kColumns =
    "id, name, email, phone, password_hash, role, addresses, marketing_opt_in, is_active, "
    "two_factor_enabled, totp_secret, metadata, version, created_at, updated_at";

UserRecord read_user(const db::Row& r) {
  UserRecord u;
  u.id = r.text(0);
  u.name = r.text(1);
  u.email = r.text(2);
  u.phone = r.opt_text(3);
  u.password_hash = r.text(4);
  const std::string role = r.text(5);
  auto parsed = auth::parse_role(role);
  if (!parsed)
    throw db::Error(db::Error::Kind::other, "users row " + u.id + " has unknown role \"" + role + "\"");
  u.role = *parsed;
  u.addresses_json = r.text(6);
  u.marketing_opt_in = r.boolean(7);
  u.is_active = r.boolean(8);
  u.two_factor_enabled = r.boolean(9);
  u.totp_secret = r.opt_text(10);
  u.metadata_json = r.text(11);
  u.version = r.int64(12);
  u.created_at = r.int64(13);
  u.updated_at = r.int64(14);
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

}  // namespace

void insert_user(db::Connection& conn, const UserRecord& u) {
  conn.exec(
      "INSERT INTO users (id, name, email, phone, password_hash, role, addresses, "
      "marketing_opt_in, is_active, two_factor_enabled, totp_secret, metadata, version, "
      "created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
      {u.id, u.name, u.email, param(u.phone), u.password_hash, auth::role_name(u.role),
       u.addresses_json, u.marketing_opt_in, u.is_active, u.two_factor_enabled,
       param(u.totp_secret), u.metadata_json, u.version, u.created_at, u.updated_at});
}

std::optional<UserRecord> find_user_by_email(db::Connection& conn, std::string_view email) {
  static const std::string sql = "SELECT " + std::string(kColumns) + " FROM users WHERE email = $1";
  return find_one(conn, sql, email);
}

std::optional<UserRecord> find_user_by_id(db::Connection& conn, std::string_view id) {
  static const std::string sql = "SELECT " + std::string(kColumns) + " FROM users WHERE id = $1";
  return find_one(conn, sql, id);
}

}  // namespace crema::repo
