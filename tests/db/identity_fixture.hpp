#pragma once
// The fixture of the identity suites: a migrated database of the store under test, the
// identity services on it with in-process limiter and denylist, and cheap users (one Argon2
// hash per test binary, inserted straight into the table).

#include <memory>
#include <string>

#include "auth/crypto.hpp"
#include "auth/denylist.hpp"
#include "auth/jwt.hpp"
#include "auth/password.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/secret_box.hpp"
#include "db/db_fixture.hpp"
#include "db/migrations.hpp"
#include "repo/user_repo.hpp"
#include "service/auth_service.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::test {

inline constexpr std::string_view kPassword = "correct horse battery staple";
inline constexpr std::string_view kJwtSecret = "identity-tests-secret-of-at-least-32-bytes";

/// The Argon2id hash of kPassword, made once.
inline const std::string& password_hash() {
  static const std::string h = auth::hash_password(kPassword, auth::Argon2Profile::interactive);
  return h;
}

inline service::Actor actor_for(const repo::UserRecord& u, std::string session = "s") {
  auth::Principal p;
  p.user_id = u.id;
  p.role = u.role;
  p.session_id = std::move(session);
  return service::Actor{p, "198.51.100.7", "req-test"};
}

class IdentityTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    db::migrate(*pool_);
    jwt_ = std::make_unique<auth::JwtCodec>(std::string(kJwtSecret));
    box_ = std::make_unique<auth::SecretBox>(
        *auth::SecretBox::from_hex(auth::hex_encode(auth::random_bytes(32))));
    auth_ = std::make_unique<service::AuthService>(*pool_, *jwt_, *box_, denylist_, limiter_,
                                                   auth::Argon2Profile::interactive);
  }
  void TearDown() override {
    auth_.reset();
    DbTest::TearDown();
  }

  /// A user with kPassword, straight into the table.
  repo::UserRecord make_user(auth::Role role, std::string email = {}, bool active = true) {
    repo::UserRecord u;
    u.id = util::new_uuid_v7();
    u.name = "User " + u.id.substr(30);
    u.email = email.empty() ? u.id.substr(24) + "@example.com" : email;
    u.password_hash = password_hash();
    u.role = role;
    u.is_active = active;
    u.created_at = u.updated_at = util::now_ms();
    pool_->transact([&](db::Transaction& tx) { repo::insert_user(tx.connection(), u); });
    return u;
  }

  /// Signs in with kPassword (one Argon2 verification).
  service::SignedIn sign_in(const repo::UserRecord& u) {
    auto out = auth_->login({u.email, std::string(kPassword), std::nullopt}, {"10.0.0.1", "ua"});
    EXPECT_TRUE(out) << (out ? "" : out.error().message);
    return out ? *out : service::SignedIn{};
  }

  /// The actor of a bearer token (what the authenticator would make of it).
  service::Actor actor_of_token(const std::string& token) {
    auto p = auth_->authenticate_bearer(token);
    EXPECT_TRUE(p) << (p ? "" : p.error().message);
    return service::Actor{p ? std::optional<auth::Principal>(*p) : std::nullopt, "10.0.0.1", "r"};
  }

  std::unique_ptr<auth::JwtCodec> jwt_;
  std::unique_ptr<auth::SecretBox> box_;
  auth::MemoryTokenDenylist denylist_;
  auth::MemoryRateLimiter limiter_;
  std::unique_ptr<service::AuthService> auth_;
};

}  // namespace crema::test
