#pragma once
/// Partner API keys (SPEC §3): created by an admin with scopes and a tier, shown once,
/// stored as a SHA-256 hash, revocable; `X-API-Key` turns into a principal with the scopes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/roles.hpp"
#include "db/pool.hpp"
#include "repo/api_key_repo.hpp"
#include "repo/keyset.hpp"
#include "service/actor.hpp"
#include "service/page.hpp"
#include "util/error.hpp"

namespace crema::service {

/// The scopes a key may hold.
inline constexpr std::string_view kApiKeyScopes[] = {"menu:read", "orders:read", "orders:write",
                                                     "inventory:read", "deliveries:write"};
/// A delivery platform's key (SPEC §15.5): assigns its couriers (external driver profiles)
/// and moves their deliveries.
inline constexpr std::string_view kDeliveriesWriteScope = "deliveries:write";
/// Requests per minute of each tier.
inline constexpr int kStandardTierPerMin = 600;
inline constexpr int kPartnerTierPerMin = 6000;

struct NewApiKey {
  repo::ApiKeyRecord record;
  std::string key;  ///< the only time the key is known in clear
};

class ApiKeyService {
 public:
  explicit ApiKeyService(db::Pool& pool);

  /// Admins only. `scopes` are valid and distinct; `tier` is standard or partner;
  /// `expires_at` (optional) must be in the future (validation_failed otherwise).
  Result<NewApiKey> create(const Actor& actor, std::string_view name,
                           const std::vector<std::string>& scopes, std::string_view tier,
                           std::optional<std::int64_t> expires_at = std::nullopt);

  /// Admins only. Newest first, after `before`.
  Result<Page<repo::ApiKeyRecord, repo::Keyset>> list(const Actor& actor,
                                                      const std::optional<repo::Keyset>& before,
                                                      int limit);

  /// Admins only. Unknown id: not_found; already revoked: nothing to do.
  Result<void> revoke(const Actor& actor, std::string_view id);

  /// The principal of a live key (not revoked, not expired); unauthorized otherwise. Records
  /// the use (last_used_at, at most once a minute per key).
  Result<auth::Principal> authenticate(std::string_view key);

  /// The key text prefix, so keys are recognisable in configuration ("crema_").
  static constexpr std::string_view kKeyPrefix = "crema_";

 private:
  db::Pool& pool_;
};

}  // namespace crema::service
