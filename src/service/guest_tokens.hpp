#pragma once
/// Guest checkout's X-Order-Token (SPEC §15.1), the one piece every guest route uses.
///
/// An order placed without an account gets a token (256 random bits, base64url, shown once
/// in the 201 answer; only its SHA-256 is stored, as for refresh and account tokens). The
/// token is a credential of its own kind: the authenticator turns `X-Order-Token: <token>`
/// (or `?order_token=` on GET /ws) into a guest auth::Principal whose `order_id` is that
/// order and which has no user; a route opts in with `auth::Access::with_order_token()` (the
/// dispatcher answers 401 on every other route), and the order rules treat the guest as the
/// owner of that one order only (OrderService::caller_of), so another order's id is a 404
/// like any order that is not the caller's. A new guest route (the receipt) is one route row
/// with `.access = …with_order_token()` whose service checks ownership through the order:
///
///     .access = auth::Access::any_user().with_order_token(),     // route table
///     auto order = orders.get(actor, id);                         // 404 unless its order
///
/// A token expires kGuestTokenLifeMs after its order ends (completed, delivered or
/// cancelled); until then it works however long the order stays open.

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/roles.hpp"
#include "db/pool.hpp"
#include "repo/guest_token_repo.hpp"
#include "util/error.hpp"

namespace crema::service {

/// How long a guest's token works after its order ended: 30 days.
inline constexpr std::int64_t kGuestTokenLifeMs = 30LL * 24 * 60 * 60 * 1000;

/// Creates the token of a new guest order, in the transaction that inserts the order, and
/// returns it (the only time it exists in the clear).
std::string issue_guest_token(db::Connection& conn, std::string_view order_id, std::int64_t now_ms);

/// Whether a stored token still opens its order at `now_ms`.
bool guest_token_valid(const repo::GuestTokenRecord& token, std::int64_t now_ms) noexcept;

/// Deletes the tokens that expired by `now_ms` (the retention job); returns how many.
std::int64_t prune_guest_tokens(db::Pool& pool, std::int64_t now_ms);

class GuestTokens {
 public:
  explicit GuestTokens(db::Pool& pool) : pool_(pool) {}

  /// The guest principal of a token: 401 for a malformed, unknown or expired token.
  crema::Result<auth::Principal> authenticate(std::string_view token, std::int64_t now_ms);

 private:
  db::Pool& pool_;
};

}  // namespace crema::service
