#include "service/api_key_service.hpp"

#include <boost/json.hpp>

#include "auth/crypto.hpp"
#include "repo/keyset.hpp"
#include "service/audit.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::service {

namespace {

constexpr std::size_t kShownPrefix = 12;  // "crema_" + 6 characters of the secret part
constexpr std::size_t kMaxKeyChars = 128;
// last_used_at is kept to the minute.
constexpr std::int64_t kLastUsedEveryMs = 60'000;

Error admins_only() {
  return Error::make(ErrorCode::forbidden, "Only an admin may manage API keys.");
}

}  // namespace

ApiKeyService::ApiKeyService(db::Pool& pool) : pool_(pool) {}

Result<NewApiKey> ApiKeyService::create(const Actor& actor, std::string_view name,
                                        const std::vector<std::string>& scopes,
                                        std::string_view tier,
                                        std::optional<std::int64_t> expires_at) {
  if (!actor.is_role(auth::Role::admin)) return admins_only();
  if (expires_at && *expires_at <= util::now_ms())
    return Error::make(ErrorCode::validation_failed, "The key would be expired already.",
                       {{"expires_at", "must be in the future"}});
  NewApiKey out;
  out.key = std::string(kKeyPrefix) + auth::random_token(32);
  auto& k = out.record;
  k.id = util::new_uuid_v7();
  k.name = std::string(name);
  k.key_hash = auth::sha256_hex(out.key);
  k.key_prefix = out.key.substr(0, kShownPrefix);
  boost::json::array list;
  for (const auto& s : scopes) list.push_back(boost::json::string(s));
  k.scopes_json = boost::json::serialize(list);
  k.tier = std::string(tier);
  k.created_by = actor.user_id();
  k.expires_at = expires_at;
  pool_.transact([&](db::Transaction& tx) {
    k.created_at = util::now_ms();
    repo::insert_api_key(tx.connection(), k);
    record_audit(tx, actor,
                 {"api_key.create", "api_key", k.id,
                  "created " + k.tier + " API key \"" + k.name + "\" (" + k.key_prefix +
                      "…) with " + k.scopes_json +
                      (k.expires_at ? ", expiring " + util::format_rfc3339(*k.expires_at) : "")});
  });
  return out;
}

Result<Page<repo::ApiKeyRecord, repo::Keyset>> ApiKeyService::list(
    const Actor& actor, const std::optional<repo::Keyset>& before, int limit) {
  if (!actor.is_role(auth::Role::admin)) return admins_only();
  return make_page(repo::list_api_keys(*pool_.read(), before, limit), limit,
                   [](const repo::ApiKeyRecord& k) {
                     return repo::Keyset{k.created_at, k.id};
                   });
}

Result<void> ApiKeyService::revoke(const Actor& actor, std::string_view id) {
  if (!actor.is_role(auth::Role::admin)) return admins_only();
  return pool_.transact([&](db::Transaction& tx) -> Result<void> {
    auto key = repo::find_api_key(tx.connection(), id);
    if (!key) return Error::make(ErrorCode::not_found, "No such API key.");
    if (repo::revoke_api_key(tx.connection(), id, util::now_ms()))
      record_audit(tx, actor,
                   {"api_key.revoke", "api_key", key->id,
                    "revoked API key \"" + key->name + "\" (" + key->key_prefix + "…)"});
    return {};
  });
}

Result<auth::Principal> ApiKeyService::authenticate(std::string_view key) {
  if (key.size() <= kKeyPrefix.size() || key.size() > kMaxKeyChars ||
      key.substr(0, kKeyPrefix.size()) != kKeyPrefix)
    return Error::make(ErrorCode::unauthorized, "This API key is not valid.");
  // The lookup is by hash: the key itself is never compared or stored.
  auto found = repo::find_live_api_key(*pool_.read(), auth::sha256_hex(key));
  if (!found)
    return Error::make(ErrorCode::unauthorized, "This API key is not valid or was revoked.");
  const std::int64_t now = util::now_ms();
  if (found->expires_at && *found->expires_at <= now)
    return Error::make(ErrorCode::unauthorized, "This API key has expired.");
  // At most one write a minute per key: a busy partner does not turn reads into writes.
  if (!found->last_used_at || *found->last_used_at <= now - kLastUsedEveryMs)
    pool_.transact([&](db::Transaction& tx) {
      repo::touch_api_key(tx.connection(), found->id, now, kLastUsedEveryMs);
    });
  auth::Principal p;
  p.api_key_id = found->id;
  p.api_key_tier = found->tier;
  boost::system::error_code ec;
  auto scopes = boost::json::parse(found->scopes_json, ec);
  if (!ec && scopes.is_array()) {
    for (const auto& s : scopes.get_array())
      if (s.is_string()) p.scopes.emplace_back(s.get_string());
  }
  return p;
}

}  // namespace crema::service
