#include "api/authenticator.hpp"

#include "service/api_key_service.hpp"
#include "service/auth_service.hpp"
#include "service/guest_tokens.hpp"
#include "util/time.hpp"

namespace crema::api {

namespace {
Error unauthorized(std::string message) {
  return Error::make(ErrorCode::unauthorized, std::move(message));
}

bool scheme_is_bearer(std::string_view value) {
  constexpr std::string_view kBearer = "bearer ";
  if (value.size() <= kBearer.size()) return false;
  for (std::size_t i = 0; i < kBearer.size(); ++i)
    if ((value[i] | 0x20) != kBearer[i]) return false;
  return true;
}
}  // namespace

IdentityAuthenticator::IdentityAuthenticator(std::shared_ptr<service::AuthService> auth,
                                             std::shared_ptr<service::ApiKeyService> api_keys,
                                             std::shared_ptr<service::GuestTokens> guests)
    : auth_(std::move(auth)), api_keys_(std::move(api_keys)), guests_(std::move(guests)) {}

crema::Result<std::optional<auth::Principal>> IdentityAuthenticator::authenticate(
    const http::Request& req) {
  auto authorization = req.header("authorization");
  auto api_key = req.header("x-api-key");
  auto order_token = req.header("x-order-token");
  if (!authorization && !api_key && !order_token) return std::optional<auth::Principal>{};
  if ((authorization ? 1 : 0) + (api_key ? 1 : 0) + (order_token ? 1 : 0) > 1)
    return unauthorized("Send one credential: a bearer token, an API key or an order token.");
  if (order_token) {
    if (!guests_) return unauthorized("Order tokens are not accepted here.");
    auto p = guests_->authenticate(*order_token, util::now_ms());
    if (!p) return std::move(p).error();
    return std::optional<auth::Principal>(std::move(*p));
  }
  if (authorization) {
    if (!scheme_is_bearer(*authorization))
      return unauthorized("Use Authorization: Bearer <access token>.");
    std::string_view token = authorization->substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    auto p = auth_->authenticate_bearer(token);
    if (!p) return std::move(p).error();
    return std::optional<auth::Principal>(std::move(*p));
  }
  if (!api_keys_) return unauthorized("API keys are not accepted here.");
  auto p = api_keys_->authenticate(*api_key);
  if (!p) return std::move(p).error();
  return std::optional<auth::Principal>(std::move(*p));
}

}  // namespace crema::api
