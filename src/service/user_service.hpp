#pragma once
/// The user routes' use cases (SPEC §3): list and read users, update a profile (only an
/// admin changes role and is_active), erase an account (deactivate, anonymise, end every
/// session, keep orders for the books), and export everything held about a user.
/// Ownership rules live here: a caller who may not see another user gets not_found.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "db/pool.hpp"
#include "repo/user_repo.hpp"
#include "service/actor.hpp"
#include "service/page.hpp"
#include "service/socket_revoker.hpp"
#include "service/user_export.hpp"
#include "util/error.hpp"

namespace crema::service {

/// Fields a PUT may carry; absent ones stay as they are.
struct UserUpdate {
  std::optional<std::string> name;
  std::optional<std::string> phone;
  bool clear_phone = false;  ///< "phone": null
  std::optional<std::string> addresses_json;
  std::optional<bool> marketing_opt_in;
  std::optional<std::string> notify_channel;  ///< email | sms | both (checked by the API)
  std::optional<std::string> metadata_json;
  std::optional<auth::Role> role;
  std::optional<bool> is_active;
  std::optional<std::string> email;  ///< accepted only when it is the current email
};

/// The placeholder email of an erased account: unique per user, never deliverable (.invalid
/// is reserved by RFC 2606).
std::string erased_email(std::string_view user_id);

class UserService {
 public:
  /// `sockets`: how deactivation, erasure and role changes close the user's live
  /// WebSockets (SPEC §15.4).
  UserService(db::Pool& pool, const UserExportRegistry& exports,
              SocketRevoker sockets = SocketRevoker());

  /// Managers and admins. Newest first, after filter.before.
  Result<Page<repo::UserRecord, repo::Keyset>> list(const Actor& actor,
                                                    const repo::UserFilter& filter);

  /// The caller themself, or anyone for managers and admins; not_found otherwise.
  Result<repo::UserRecord> get(const Actor& actor, std::string_view id);

  /// The caller themself or an admin. Role and is_active: admin only (forbidden otherwise).
  /// `expected_version` (If-Match or version): version_conflict when stale. Keeps at least
  /// one active admin (conflict). Deactivating ends every session; deactivating or changing
  /// the role closes every WebSocket of the user.
  Result<repo::UserRecord> update(const Actor& actor, std::string_view id, const UserUpdate& in,
                                  std::optional<std::int64_t> expected_version);

  /// Erases an account: the admin for anyone, or a user for themself; its sessions end and its
  /// WebSockets close. Idempotent.
  Result<void> erase(const Actor& actor, std::string_view id);

  /// Every record about the user: themself or an admin.
  Result<boost::json::object> export_user(const Actor& actor, std::string_view id);

 private:
  /// The user `id` if the actor may see it; not_found otherwise.
  Result<repo::UserRecord> visible(const Actor& actor, db::Connection& conn, std::string_view id);

  db::Pool& pool_;
  const UserExportRegistry& exports_;
  SocketRevoker sockets_;
};

}  // namespace crema::service
