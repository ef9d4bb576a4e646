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
struct Access {
  bool is_public = true;
  std::uint8_t roles = 0;          ///< bit (1 << Role) per allowed role
  std::string_view api_key_scope;  ///< non-empty: API keys with this scope may call too

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
  bool allows(Role r) const noexcept {
    return is_public || (roles & (1u << static_cast<unsigned>(r))) != 0;
  }
};

/// The authenticated caller: a user (with a role) or a partner API key (with scopes).
struct Principal {
  std::string user_id;  ///< empty for API keys
  Role role = Role::customer;
  std::string api_key_id;           ///< non-empty for API keys
  std::vector<std::string> scopes;  ///< API key scopes
  std::string token_id;             ///< the access token's jti, for logout
  std::int64_t token_expires_ms = 0;
  std::string session_id;       ///< the session (refresh-token family) of the token
  bool two_factor = false;      ///< the user has TOTP enabled
  bool email_verified = false;  ///< the user verified their email (SPEC §15.1)
  std::string api_key_tier;     ///< "standard" or "partner", for API keys

  bool is_api_key() const noexcept { return !api_key_id.empty(); }
  /// A user whose role is staff or above (auth::is_staff_plus); an API key never is.
  bool is_staff_plus() const noexcept { return !is_api_key() && auth::is_staff_plus(role); }
  /// A user whose role is manager or above; an API key never is.
  bool is_manager_plus() const noexcept { return !is_api_key() && auth::is_manager_plus(role); }
  bool has_scope(std::string_view s) const {
    for (const auto& x : scopes)
      if (x == s) return true;
    return false;
  }
};

}  // namespace crema::auth
