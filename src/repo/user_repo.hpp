#pragma once
/// The `users` table: insert and look up users, in SQL written once for both stores.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/roles.hpp"
#include "db/connection.hpp"

namespace crema::repo {

/// One row of `users`, as stored. JSON columns are JSON text.
struct UserRecord {
  std::string id;
  std::string name;
  std::string email;  ///< lower-case
  std::optional<std::string> phone;
  std::string password_hash;
  auth::Role role = auth::Role::customer;
  std::string addresses_json = "[]";
  bool marketing_opt_in = false;
  bool is_active = true;
  bool two_factor_enabled = false;
  std::optional<std::string> totp_secret;  ///< encrypted
  std::string metadata_json = "{}";
  std::int64_t version = 1;
  std::int64_t created_at = 0;  ///< Unix ms
  std::int64_t updated_at = 0;  ///< Unix ms
};

/// Inserts the user. Throws db::Error(unique_violation) when the id or email is taken.
void insert_user(db::Connection& conn, const UserRecord& user);

/// The user with this (already lower-cased) email.
std::optional<UserRecord> find_user_by_email(db::Connection& conn, std::string_view email);

/// The user with this id.
std::optional<UserRecord> find_user_by_id(db::Connection& conn, std::string_view id);

}  // namespace crema::repo
