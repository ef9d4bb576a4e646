#include "service/guest_tokens.hpp"

#include "auth/crypto.hpp"

namespace crema::service {

namespace {
constexpr std::size_t kGuestTokenBytes = 32;  // 256 bits
// base64url of 32 bytes, unpadded: 43 characters.
constexpr std::size_t kGuestTokenLength = 43;

crema::Error bad_order_token() {
  return crema::Error::make(ErrorCode::unauthorized,
                            "The order token is not valid (unknown, malformed or expired).");
}
}  // namespace

std::string issue_guest_token(db::Connection& conn, std::string_view order_id,
                              std::int64_t now_ms) {
  std::string token = auth::random_token(kGuestTokenBytes);
  repo::insert_guest_token(conn, auth::sha256_hex(token), order_id, now_ms);
  return token;
}

bool guest_token_valid(const repo::GuestTokenRecord& token, std::int64_t now_ms) noexcept {
  return !token.order_ended_at || now_ms < *token.order_ended_at + kGuestTokenLifeMs;
}

crema::Result<auth::Principal> GuestTokens::authenticate(std::string_view token,
                                                         std::int64_t now_ms) {
  // Anything that cannot be a token is refused before the database is asked.
  if (token.size() != kGuestTokenLength || !auth::base64url_decode(token)) return bad_order_token();
  std::optional<repo::GuestTokenRecord> found;
  {
    auto lease = pool_.read();
    found = repo::find_guest_token(*lease, auth::sha256_hex(token));
  }
  if (!found || !guest_token_valid(*found, now_ms)) return bad_order_token();
  auth::Principal p;
  p.role = auth::Role::customer;  // the owner of its one order, nothing more
  p.order_id = std::move(found->order_id);
  return p;
}

std::int64_t prune_guest_tokens(db::Pool& pool, std::int64_t now_ms) {
  return pool.transact([&](db::Transaction& tx) {
    return repo::delete_guest_tokens_ended_before(tx.connection(), now_ms - kGuestTokenLifeMs);
  });
}

}  // namespace crema::service
