#pragma once
/// Signed-in accounts of any role on a `crema serve` under test, in one line:
///
///   AuthHelper auth(*server);                      // a running ServerProcess
///   auto res = client.get("/api/v1/users", auth.bearer("manager"));
///   const Account& staff = auth.account("staff");  // id, email, password, token, refresh_token
///
/// The server's first admin is made with `crema create-admin` on the server's own database
/// and signs in with POST /auth/login; every other account is created by that admin with
/// POST /auth/register, whose answer already carries the new account's tokens (so each
/// account costs one Argon2 hash and no extra login). Admin-made registrations are not
/// charged to the per-IP auth rate limit, so a suite may create many accounts; the admin's
/// one login is. A suite that itself signs in more than CREMA_AUTH_RATE_PER_MIN (30) times a
/// minute from the loopback address should start its server with CREMA_AUTH_RATE_PER_MIN=0.

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace crema::test {

/// One account and its current tokens.
struct Account {
  std::string id;
  std::string email;
  std::string password;
  std::string role;
  std::string name;
  std::string token;  ///< access token (15 minutes)
  std::string refresh_token;

  /// {{"Authorization", "Bearer <token>"}}
  RequestHeaders bearer() const { return {{"Authorization", "Bearer " + token}}; }
};

class AuthHelper {
 public:
  /// Keeps a reference to `server`; nothing is created until asked for.
  explicit AuthHelper(const ServerProcess& server);
  ~AuthHelper();
  AuthHelper(const AuthHelper&) = delete;
  AuthHelper& operator=(const AuthHelper&) = delete;

  /// The server's first admin (created with `crema create-admin` and signed in on first use).
  const Account& admin();

  /// The same signed-in account of `role` on every call, created on first use. Roles:
  /// "customer", "driver", "staff", "manager", "admin" ("admin" is admin()).
  const Account& account(std::string_view role);

  /// A new, distinct account of `role`, created by the admin and signed in.
  Account create(std::string_view role);

  /// Signs in with POST /auth/login (one Argon2 verification).
  Account login(std::string_view email, std::string_view password);

  /// Shortcuts: account(role).token and its Authorization header.
  std::string token(std::string_view role) { return account(role).token; }
  RequestHeaders bearer(std::string_view role) { return account(role).bearer(); }

  /// {{"Authorization", "Bearer <token>"}} for any token.
  static RequestHeaders bearer_of(std::string_view token);

  /// The helper's own HTTP client on the server.
  HttpClient& client() { return *client_; }

 private:
  const ServerProcess& server_;
  std::unique_ptr<HttpClient> client_;
  std::unique_ptr<Account> admin_;
  std::map<std::string, Account, std::less<>> by_role_;
};

/// The password every helper-made account gets (at least 10 characters).
inline constexpr std::string_view kTestPassword = "correct horse battery staple";

}  // namespace crema::test
