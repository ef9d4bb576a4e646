#pragma once
/// Access tokens (SPEC §3): JWT with HS256 only, over libsodium's HMAC-SHA-256. Verification
/// is strict: the header must say exactly `{"alg":"HS256"}` (with an optional `"typ":"JWT"`),
/// so `alg: none`, other algorithms and extra header members (`kid`, `jku`, `crit`…) are
/// refused before the signature is even computed.

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/roles.hpp"
#include "util/error.hpp"

namespace crema::auth {

/// Access tokens live 15 minutes.
inline constexpr std::int64_t kAccessTokenSeconds = 15 * 60;

/// The claims Crema puts in an access token. `sid` names the session (refresh-token
/// family) the token was issued for, so revoking a session also stops its access tokens.
struct AccessClaims {
  std::string sub;  ///< user id
  Role role = Role::customer;
  std::int64_t iat = 0;  ///< Unix seconds
  std::int64_t exp = 0;  ///< Unix seconds
  std::string jti;       ///< unique token id (for the logout denylist)
  std::string sid;       ///< session id
};

class JwtCodec {
 public:
  /// `secret` is the HMAC key (CREMA_JWT_SECRET, at least 32 bytes).
  explicit JwtCodec(std::string secret);

  /// header.payload.signature, base64url without padding.
  std::string sign(const AccessClaims& claims) const;

  /// The claims of a token this codec signed that is valid at `now_s`; otherwise
  /// unauthorized, with "expired" or "invalid" in the message.
  Result<AccessClaims> verify(std::string_view token, std::int64_t now_s) const;

  /// Clock skew tolerated between instances for `iat` in the future.
  static constexpr std::int64_t kLeewaySeconds = 60;
  /// Longest token accepted.
  static constexpr std::size_t kMaxTokenBytes = 4096;

 private:
  std::string secret_;
};

}  // namespace crema::auth
