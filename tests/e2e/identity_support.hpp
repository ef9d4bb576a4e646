#pragma once
// Shared pieces of the identity black-box suites: a known JWT secret (so tests can forge
// tokens the way an attacker would, and expired ones), JSON helpers and error checks.

#include <string>
#include <string_view>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/crypto.hpp"
#include "auth/jwt.hpp"
#include "e2e/e2e_support.hpp"
#include "support/auth_helper.hpp"

namespace crema::test::e2e {

/// The CREMA_JWT_SECRET the identity suites start their servers with.
inline constexpr std::string_view kE2eJwtSecret = "e2e-identity-secret-0123456789abcdef";

/// Server options with the known secret and extra variables.
inline ServerOptions identity_server(EnvOverrides extra = {}) {
  ServerOptions o;
  o.env["CREMA_JWT_SECRET"] = std::string(kE2eJwtSecret);
  for (auto& [k, v] : extra) o.env[k] = v;
  return o;
}

/// The JSON body as a value ("null" when none).
inline boost::json::value body_of(const HttpResponse& r) {
  return r.json ? *r.json : boost::json::value();
}

/// The error code of an error response ("" when it is not one).
inline std::string error_code(const HttpResponse& r) {
  return r.json ? json_string(*r.json, {"error", "code"}) : std::string();
}

/// The decoded payload of a JWT.
inline boost::json::object jwt_payload(std::string_view token) {
  auto d1 = token.find('.');
  auto d2 = token.find('.', d1 + 1);
  auto raw = auth::base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  return raw ? boost::json::parse(*raw).as_object() : boost::json::object{};
}

/// header.payload signed with HMAC-SHA-256 under `secret`, whatever the header says.
inline std::string forge_jwt(std::string_view header_json, const boost::json::object& payload,
                             std::string_view secret = kE2eJwtSecret) {
  std::string input = auth::base64url_encode(header_json) + "." +
                      auth::base64url_encode(boost::json::serialize(payload));
  return input + "." + auth::base64url_encode(auth::hmac_sha256(secret, input));
}

/// POST with a JSON object body.
inline HttpResponse post_json(HttpClient& c, std::string_view path, const boost::json::object& body,
                              const RequestHeaders& headers = {}) {
  return c.post(path, boost::json::serialize(body), headers);
}

/// Expects an error answer with this status and code.
#define EXPECT_ERROR(res, status_, code_)                                  \
  do {                                                                     \
    const auto& r_ = (res);                                                \
    EXPECT_EQ(r_.status, status_) << r_.describe();                        \
    EXPECT_EQ(::crema::test::e2e::error_code(r_), code_) << r_.describe(); \
  } while (0)

}  // namespace crema::test::e2e
