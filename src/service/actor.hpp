#pragma once
/// Who is acting, as services see it: the principal plus where the request came from (for
/// the audit log). Built by the API layer from the request; no HTTP types here.

#include <optional>
#include <string>

#include "auth/roles.hpp"

namespace crema::service {

struct Actor {
  std::optional<auth::Principal> principal;  ///< nothing for anonymous callers
  std::string ip;
  std::string request_id;
  /// The server itself, in a background job (an unpaid order's expiry): no principal; its
  /// mutations are audited with the role "system".
  bool system = false;

  bool signed_in() const noexcept { return principal.has_value(); }
  /// An X-Order-Token holder (SPEC §15.1): it acts on its one order only.
  bool is_guest() const noexcept { return principal && principal->is_guest(); }
  /// Nobody signed in and no order token: a guest placing an order.
  bool anonymous() const noexcept { return !principal && !system; }
  /// The user id, or "" for API keys, guests and anonymous callers.
  const std::string& user_id() const noexcept {
    static const std::string kNone;
    return principal ? principal->user_id : kNone;
  }
  bool is_role(auth::Role r) const noexcept {
    return principal && !principal->is_api_key() && !principal->is_guest() && principal->role == r;
  }
  /// staff, manager or admin (a user, not an API key): auth::Principal::is_staff_plus.
  bool is_staff_plus() const noexcept { return principal && principal->is_staff_plus(); }
  bool is_manager_plus() const noexcept { return principal && principal->is_manager_plus(); }
  /// A partner API key (not a user).
  bool is_api_key() const noexcept { return principal && principal->is_api_key(); }
};

}  // namespace crema::service
