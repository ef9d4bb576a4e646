#include "service/user_service.hpp"

#include "auth/crypto.hpp"
#include "repo/account_token_repo.hpp"
#include "repo/delivery_repo.hpp"
#include "repo/erasure_repo.hpp"
#include "repo/event_repo.hpp"
#include "repo/order_repo.hpp"
#include "repo/session_repo.hpp"
#include "service/admin_bootstrap.hpp"
#include "service/audit.hpp"
#include "service/erasure.hpp"
#include "util/time.hpp"

namespace crema::service {

namespace {

Error no_such_user() { return Error::make(ErrorCode::not_found, "No such user."); }

bool is_self(const Actor& actor, std::string_view id) {
  return actor.principal && !actor.principal->is_api_key() && actor.principal->user_id == id;
}

// An admin losing admin rights or being deactivated must not leave the shop without one.
bool removes_an_admin(const repo::UserRecord& before, const repo::UserRecord& after) {
  return before.role == auth::Role::admin && before.is_active &&
         (after.role != auth::Role::admin || !after.is_active);
}

Error last_admin() {
  return Error::make(ErrorCode::conflict,
                     "This is the last active admin; make another admin first.");
}

}  // namespace

std::string erased_email(std::string_view user_id) {
  return "erased-" + std::string(user_id) + "@users.invalid";
}

UserService::UserService(db::Pool& pool, const UserExportRegistry& exports, SocketRevoker sockets)
    : pool_(pool), exports_(exports), sockets_(sockets) {}

Result<repo::UserRecord> UserService::visible(const Actor& actor, db::Connection& conn,
                                              std::string_view id) {
  if (!actor.principal || actor.principal->is_api_key()) return no_such_user();
  if (!is_self(actor, id) && !actor.is_manager_plus()) return no_such_user();
  auto user = repo::find_user_by_id(conn, id);
  if (!user) return no_such_user();
  return *user;
}

Result<Page<repo::UserRecord, repo::Keyset>> UserService::list(const Actor& actor,
                                                               const repo::UserFilter& filter) {
  if (!actor.is_manager_plus())
    return Error::make(ErrorCode::forbidden, "Only managers and admins may list users.");
  return make_page(repo::list_users(*pool_.read(), filter), filter.limit,
                   [](const repo::UserRecord& u) {
                     return repo::Keyset{u.created_at, u.id};
                   });
}

Result<repo::UserRecord> UserService::get(const Actor& actor, std::string_view id) {
  return visible(actor, *pool_.read(), id);
}

Result<repo::UserRecord> UserService::update(const Actor& actor, std::string_view id,
                                             const UserUpdate& in,
                                             std::optional<std::int64_t> expected_version) {
  const bool admin = actor.is_role(auth::Role::admin);
  const char* close_sockets = nullptr;  // why the user's WebSockets close, once committed
  auto out = pool_.transact([&](db::Transaction& tx) -> Result<repo::UserRecord> {
    close_sockets = nullptr;
    auto& conn = tx.connection();
    auto found = visible(actor, conn, id);
    if (!found) return std::move(found).error();
    repo::UserRecord before = *found;
    // Managers may read anyone but change only themselves.
    if (!is_self(actor, id) && !admin)
      return Error::make(ErrorCode::forbidden, "Only an admin may change another user.");
    if (before.erased_at) return Error::make(ErrorCode::conflict, "This account was erased.");
    if (expected_version && *expected_version != before.version)
      return Error::make(ErrorCode::version_conflict,
                         "The user was changed meanwhile (now version " +
                             std::to_string(before.version) + "); reload and retry.");

    repo::UserRecord after = before;
    std::vector<std::string> changed;
    std::vector<FieldIssue> issues;
    if (in.email && normalize_email(*in.email).value_or("") != before.email)
      issues.push_back({"email", "cannot be changed"});
    if (!issues.empty())
      return Error::make(ErrorCode::validation_failed, "One field is invalid.", std::move(issues));
    auto set = [&](auto& field, const auto& value, const char* name) {
      if (field != value) {
        field = value;
        changed.emplace_back(name);
      }
    };
    if (in.name) set(after.name, *in.name, "name");
    if (in.clear_phone) set(after.phone, std::optional<std::string>(), "phone");
    else if (in.phone) set(after.phone, std::optional<std::string>(*in.phone), "phone");
    if (in.addresses_json) set(after.addresses_json, *in.addresses_json, "addresses");
    if (in.marketing_opt_in) set(after.marketing_opt_in, *in.marketing_opt_in, "marketing_opt_in");
    if (in.notify_channel) set(after.notify_channel, *in.notify_channel, "notify_channel");
    if (in.metadata_json) set(after.metadata_json, *in.metadata_json, "metadata");
    const bool role_changes = in.role && *in.role != before.role;
    const bool activity_changes = in.is_active && *in.is_active != before.is_active;
    if ((role_changes || activity_changes) && !admin)
      return Error::make(ErrorCode::forbidden, "Only an admin may change role or is_active.");
    if (role_changes) after.role = *in.role;
    if (activity_changes) after.is_active = *in.is_active;
    if (removes_an_admin(before, after) && repo::count_active_admins(conn) <= 1)
      return last_admin();
    if (changed.empty() && !role_changes && !activity_changes) return before;

    const std::int64_t now = util::now_ms();
    auto version = repo::update_user_profile(conn, after, before.version, now);
    if (!version)
      return Error::make(ErrorCode::version_conflict,
                         "The user was changed meanwhile; reload and retry.");
    after.version = *version;
    after.updated_at = now;
    if (activity_changes && !after.is_active)
      repo::revoke_user_sessions(conn, after.id, "", "account deactivated", now);
    // A socket's identity is its user and role at connect time: either change ends it.
    if (activity_changes && !after.is_active) close_sockets = "account deactivated";
    else if (role_changes) close_sockets = "role changed";

    if (!changed.empty()) {
      std::string fields;
      for (const auto& f : changed) fields += (fields.empty() ? "" : ", ") + f;
      record_audit(tx, actor, {"user.update", "user", after.id, "changed " + fields});
    }
    if (role_changes)
      record_audit(tx, actor,
                   {"user.role_change", "user", after.id,
                    "role: " + std::string(auth::role_name(before.role)) + " → " +
                        std::string(auth::role_name(after.role))});
    if (activity_changes)
      record_audit(tx, actor,
                   {after.is_active ? "user.activate" : "user.deactivate", "user", after.id,
                    after.is_active ? "reactivated the account" : "deactivated the account"});
    return after;
  });
  if (out && close_sockets) sockets_.user(out->id, close_sockets);
  return out;
}

Result<void> UserService::erase(const Actor& actor, std::string_view id) {
  if (!is_self(actor, id) && !actor.is_role(auth::Role::admin))
    return Error::make(ErrorCode::forbidden, "Only an admin may erase another account.");
  bool erased = false;
  auto out = pool_.transact([&](db::Transaction& tx) -> Result<void> {
    erased = false;
    auto& conn = tx.connection();
    auto user = repo::find_user_by_id(conn, id);
    if (!user) return no_such_user();
    if (user->erased_at) return {};
    if (user->role == auth::Role::admin && user->is_active && repo::count_active_admins(conn) <= 1)
      return last_admin();
    const std::int64_t now = util::now_ms();
    // An unusable hash: no Argon2 string, so no password can ever match it.
    const std::string unusable = "!erased:" + auth::random_token(16);
    repo::anonymise_user(conn, user->id, erased_email(user->id), "Erased user", unusable, now);
    // Sessions carry IP addresses and device names: forgotten, not just revoked.
    repo::delete_user_sessions(conn, user->id);
    repo::delete_user_tokens(conn, user->id);
    // Orders stay for the books; who placed them and where they went do not.
    repo::anonymise_customer_orders(tx, user->id);
    repo::anonymise_customer_events(tx, user->id);
    repo::anonymise_driver(tx, user->id);
    // Their messages are not sent any more, and copies of their contact details elsewhere
    // (a partner's webhook delivery, a replayable answer) are rewritten.
    repo::redact_user_outbox(tx, user->id, erased_email(user->id));
    erase_contact_copies(tx, contact_needles(user->email, user->phone.value_or("")));
    record_audit(tx, actor,
                 {"user.erase", "user", user->id,
                  is_self(actor, id) ? "erased own account" : "erased the account"});
    erased = true;
    return {};
  });
  if (out && erased) sockets_.user(id, "account erased");
  return out;
}

Result<boost::json::object> UserService::export_user(const Actor& actor, std::string_view id) {
  auto user = visible(actor, *pool_.read(), id);
  if (!user) return std::move(user).error();
  if (!is_self(actor, id) && !actor.is_role(auth::Role::admin))
    return Error::make(ErrorCode::forbidden, "Only the user or an admin may export an account.");
  auto doc = exports_.build(pool_, std::string(id));
  pool_.transact([&](db::Transaction& tx) {
    record_audit(tx, actor,
                 {"user.export", "user", std::string(id), "exported the account's data"});
  });
  return doc;
}

}  // namespace crema::service
