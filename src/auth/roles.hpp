#pragma once
/// The roles of SPEC §3, highest first: admin, manager, staff, driver, customer.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crema::auth {

enum class Role : std::uint8_t { customer, driver, staff, manager, admin };

std::string_view role_name(Role role) noexcept;
std::optional<Role> parse_role(std::string_view name) noexcept;

/// "Staff or above" (SPEC §3: staff, manager or admin): the one test of it. A caller is
/// staff+ through Principal::is_staff_plus() (a user, never an API key), a route through
/// Access::staff_plus().
constexpr bool is_staff_plus(Role r) noexcept { return r >= Role::staff; }
/// "Manager or above": manager or admin.
constexpr bool is_manager_plus(Role r) noexcept { return r >= Role::manager; }

/// Who may call a route: nobody signed in needed (public), or any of a set of roles, and
/// optionally API keys holding a scope. Declared once per route in the route table and
/// enforced in one place (the dispatcher).
///
/// Two more kinds of caller are opt-in per route (SPEC §15.1, guest checkout):
/// `anonymous` lets a request without credentials through a protected route (POST /orders,
/// whose service decides what an anonymous caller may do), and `order_token` lets the holder
/// of an `X-Order-Token` (a guest Principal, which opens one order) call it. A guest
/// principal on any route without `order_token` is refused with 401 by the dispatcher.
struct Access {
  bool is_public = true;
  std::uint8_t roles = 0;          ///< bit (1 << Role) per allowed role
  std::string_view api_key_scope;  ///< non-empty: API keys with this scope may call too
  bool anonymous = false;          ///< also callers without any credentials
  bool order_token = false;        ///< also X-Order-Token holders (guests), for their order

  static Access public_() { return {}; }
  static Access any_user() { return Access{false, 0x1f, {}}; }
  static Access roles_of(std::initializer_list<Role> rs) {
    Access a{false, 0, {}};
    for (Role r : rs) a.roles |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(r));
    return a;
  }
  /// Every role for which `has` holds.
  static Access roles_where(bool (*has)(Role) noexcept) {
    Access a{false, 0, {}};
    for (unsigned r = 0; r <= static_cast<unsigned>(Role::admin); ++r)
      if (has(static_cast<Role>(r))) a.roles |= static_cast<std::uint8_t>(1u << r);
    return a;
  }
  /// staff, manager or admin ("staff+" in the spec).
  static Access staff_plus() { return roles_where(is_staff_plus); }
  static Access manager_plus() { return roles_where(is_manager_plus); }
  static Access admin() { return roles_of({Role::admin}); }
  Access with_scope(std::string_view scope) const {
    Access a = *this;
    a.api_key_scope = scope;
    return a;
  }
  /// Also without credentials (the service decides what such a caller may do).
  Access with_anonymous() const {
    Access a = *this;
    a.anonymous = true;
    return a;
  }
  /// Also an X-Order-Token holder; the service limits it to its one order (404 otherwise).
  Access with_order_token() const {
    Access a = *this;
    a.order_token = true;
    return a;
  }
  bool allows(Role r) const noexcept {
    return is_public || (roles & (1u << static_cast<unsigned>(r))) != 0;
  }
};

/// The authenticated caller: a user (with a role), a partner API key (with scopes), or a
/// guest holding an order's X-Order-Token (SPEC §15.1: no user, no role of its own — `role`
/// stays customer so that the order rules treat it as that order's owner — and one order).
struct Principal {
  std::string user_id;  ///< empty for API keys and guests
  Role role = Role::customer;
  std::string api_key_id;           ///< non-empty for API keys
  std::vector<std::string> scopes;  ///< API key scopes
  std::string token_id;             ///< the access token's jti, for logout
  std::int64_t token_expires_ms = 0;
  std::string session_id;       ///< the session (refresh-token family) of the token
  bool two_factor = false;      ///< the user has TOTP enabled
  bool email_verified = false;  ///< the user verified their email (SPEC §15.1)
  std::string api_key_tier;     ///< "standard" or "partner", for API keys
  std::string order_id;         ///< a guest: the one order its X-Order-Token opens

  bool is_api_key() const noexcept { return !api_key_id.empty(); }
  /// An X-Order-Token holder (see Access::order_token).
  bool is_guest() const noexcept { return !order_id.empty(); }
  /// A user whose role is staff or above (auth::is_staff_plus); an API key never is.
  bool is_staff_plus() const noexcept {
    return !is_api_key() && !is_guest() && auth::is_staff_plus(role);
  }
  /// A user whose role is manager or above; an API key never is.
  bool is_manager_plus() const noexcept {
    return !is_api_key() && !is_guest() && auth::is_manager_plus(role);
  }
  bool has_scope(std::string_view s) const {
    for (const auto& x : scopes)
      if (x == s) return true;
    return false;
  }
};

}  // namespace crema::auth
