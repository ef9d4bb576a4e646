// POST /auth/register|login|refresh|logout|password, GET /auth/me, /auth/2fa/* (SPEC §3).
#include <boost/json.hpp>

#include "api/actor.hpp"
#include "api/identity_routes.hpp"
#include "api/input.hpp"
#include "api/user_fields.hpp"
#include "api/user_json.hpp"
#include "auth/password.hpp"
#include "service/account_recovery.hpp"
#include "service/admin_bootstrap.hpp"
#include "service/auth_service.hpp"

namespace crema::api {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

constexpr std::size_t kMaxPasswordChars = 4096;
constexpr std::size_t kMaxTokenChars = 256;

constexpr std::string_view kRegisterSchema = R"json({
  "type": "object",
  "required": ["name", "email", "password"],
  "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 100},
    "email": {"type": "string", "format": "email"},
    "phone": {"type": "string", "maxLength": 32},
    "password": {"type": "string", "minLength": 10, "description": "at least 10 characters, not the email"},
    "role": {"type": "string", "enum": ["admin", "manager", "staff", "driver", "customer"],
             "description": "only an admin may ask for another role than customer"},
    "marketing_opt_in": {"type": "boolean", "description": "false when left out"}
  }
})json";

constexpr std::string_view kLoginSchema = R"json({
  "type": "object",
  "required": ["email", "password"],
  "properties": {
    "email": {"type": "string"},
    "password": {"type": "string"},
    "otp": {"type": "string", "pattern": "^[0-9]{6}$",
            "description": "the current code of the authenticator app, once 2FA is on"},
    "recovery_code": {"type": "string", "maxLength": 64,
                      "description": "in place of otp: one of the account's recovery codes (each works once)"}
  }
})json";

constexpr std::string_view kSessionSchema = R"json({
  "type": "object",
  "required": ["user", "token", "refresh_token", "expires_in"],
  "properties": {
    "user": {"$ref": "#/components/schemas/User"},
    "token": {"type": "string", "description": "HS256 JWT access token (15 minutes)"},
    "refresh_token": {"type": "string", "description": "opaque; also set as the crema_refresh cookie"},
    "expires_in": {"type": "integer", "description": "seconds the access token is valid"}
  }
})json";

constexpr std::string_view kTokenPairSchema = R"json({
  "type": "object",
  "required": ["token", "refresh_token", "expires_in"],
  "properties": {
    "token": {"type": "string"},
    "refresh_token": {"type": "string"},
    "expires_in": {"type": "integer"}
  }
})json";

constexpr std::string_view kRefreshSchema = R"json({
  "type": "object",
  "properties": {
    "refresh_token": {"type": "string",
                      "description": "omit to use the crema_refresh cookie (alias refreshToken)"}
  }
})json";

constexpr std::string_view kPasswordChangeSchema = R"json({
  "type": "object",
  "required": ["current_password", "new_password"],
  "properties": {
    "current_password": {"type": "string"},
    "new_password": {"type": "string", "minLength": 10}
  }
})json";

constexpr std::string_view kTotpSetupSchema = R"json({
  "type": "object",
  "required": ["secret", "otpauth_url"],
  "properties": {
    "secret": {"type": "string", "description": "base32, for typing into an authenticator app"},
    "otpauth_url": {"type": "string", "description": "otpauth://totp/… for a QR code"}
  }
})json";

constexpr std::string_view kRecoveryCodesSchema = R"json({
  "type": "object",
  "required": ["recovery_codes"],
  "properties": {
    "recovery_codes": {"type": "array", "items": {"type": "string"}, "minItems": 10, "maxItems": 10,
                       "description": "ten one-time codes for signing in without the authenticator app; shown only now"}
  }
})json";

constexpr std::string_view kOtpSchema = R"json({
  "type": "object",
  "required": ["otp"],
  "properties": {"otp": {"type": "string", "pattern": "^[0-9]{6}$"}}
})json";

constexpr std::string_view kForgotSchema = R"json({
  "type": "object",
  "required": ["email"],
  "properties": {"email": {"type": "string", "format": "email", "maxLength": 254}}
})json";

constexpr std::string_view kPasswordResetSchema = R"json({
  "type": "object",
  "required": ["token", "new_password"],
  "properties": {
    "token": {"type": "string", "description": "the token of the reset link (its ?token=)"},
    "new_password": {"type": "string", "minLength": 10, "description": "at least 10 characters, not the email"}
  }
})json";

constexpr std::string_view kVerifyEmailSchema = R"json({
  "type": "object",
  "required": ["token"],
  "properties": {
    "token": {"type": "string", "description": "the token of the verification link (its ?token=)"}
  }
})json";

constexpr std::string_view kAcceptedSchema = R"json({
  "type": "object",
  "required": ["message"],
  "properties": {"message": {"type": "string"}}
})json";

std::string_view trim_cookie_part(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::string> cookie_value(const Request& req, std::string_view name) {
  for (const auto& [field, value] : req.headers) {
    if (field.size() != 6) continue;
    std::string lower(field);
    for (auto& c : lower) c = static_cast<char>(c | 0x20);
    if (lower != "cookie") continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      std::string_view pair = trim_cookie_part(rest.substr(0, semi));
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && trim_cookie_part(pair.substr(0, eq)) == name) {
        auto v = trim_cookie_part(pair.substr(eq + 1));
        if (!v.empty() && v.size() <= kMaxTokenChars) return std::string(v);
      }
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
  }
  return std::nullopt;
}

service::ClientInfo client_of(const Request& req) {
  service::ClientInfo c;
  c.ip = req.client_ip;
  if (auto ua = req.header("user-agent")) c.user_agent = std::string(ua->substr(0, 256));
  return c;
}

// The refresh token as an HttpOnly cookie that only the auth routes ever receive.
std::string refresh_cookie(std::string_view token) {
  return std::string(kRefreshCookie) + "=" + std::string(token) +
         "; Path=/api/v1/auth; Max-Age=" + std::to_string(service::kRefreshTokenMs / 1000) +
         "; HttpOnly; Secure; SameSite=Strict";
}

std::string cleared_refresh_cookie() {
  return std::string(kRefreshCookie) +
         "=; Path=/api/v1/auth; Max-Age=0; HttpOnly; Secure; SameSite=Strict";
}

json::object tokens_json(const service::TokenPair& t) {
  return {
      {"token", t.access_token}, {"refresh_token", t.refresh_token}, {"expires_in", t.expires_in}};
}

json::object session_json(const service::SignedIn& s) {
  json::object o = tokens_json(s.tokens);
  o["user"] = user_json(s.user);
  return o;
}

Response handle_register(IdentityApi& api, Request& req) {
  Input in(req.json);
  service::RegisterInput r;
  auto name = read_name(in, Need::required);
  auto email_text = in.text("email", Need::required, 1, 254);
  std::optional<std::string> email;
  if (email_text) {
    email = service::normalize_email(*email_text);
    if (!email) in.issue("email", "must be a valid email address");
  }
  auto phone = read_phone(in);
  auto password = in.text("password", Need::required, 0, kMaxPasswordChars);
  if (password) {
    for (auto& issue : auth::check_password_rules(*password, email.value_or("")))
      in.issue_at(issue.field, issue.issue);
  }
  auto role =
      in.one_of("role", Need::optional, {"admin", "manager", "staff", "driver", "customer"});
  auto opt_in = in.boolean({"marketing_opt_in", "marketingOptIn"}, Need::optional);
  if (!in.ok()) return Response::from(in.error());
  r.name = *name;
  r.email = *email;
  r.phone = phone;
  r.password = *password;
  if (role) r.role = auth::parse_role(*role);
  r.marketing_opt_in = opt_in.value_or(false);

  auto out = api.auth->register_user(actor_of(req), r, client_of(req));
  if (!out) return Response::from(std::move(out).error());
  Response res = Response::json(201, session_json(*out));
  // An account made by someone signed in (an admin creating staff) must not replace that
  // person's own session cookie.
  if (!req.principal) res.header("Set-Cookie", refresh_cookie(out->tokens.refresh_token));
  return res;
}

Response handle_login(IdentityApi& api, Request& req) {
  Input in(req.json);
  auto email = in.text("email", Need::required, 1, 320);
  auto password = in.text("password", Need::required, 1, kMaxPasswordChars);
  auto otp = in.text("otp", Need::optional, 0, 16);
  auto recovery = in.text({"recovery_code", "recoveryCode"}, Need::optional, 0, 64);
  if (!in.ok()) return Response::from(in.error());
  auto out = api.auth->login({*email, *password, otp, recovery}, client_of(req));
  if (!out) return Response::from(std::move(out).error());
  Response res = Response::json(200, session_json(*out));
  res.header("Set-Cookie", refresh_cookie(out->tokens.refresh_token));
  return res;
}

Response handle_refresh(IdentityApi& api, Request& req) {
  std::optional<std::string> token;
  if (!req.json.is_null()) {
    Input in(req.json);
    token = in.text({"refresh_token", "refreshToken"}, Need::optional, 1, kMaxTokenChars);
    if (!in.ok()) return Response::from(in.error());
  }
  if (!token) token = cookie_value(req, kRefreshCookie);
  if (!token)
    return Response::from(
        ErrorCode::unauthorized,
        "Send the refresh token as refresh_token or in the crema_refresh cookie.");
  auto out = api.auth->refresh(*token, client_of(req));
  if (!out) {
    Response res = Response::from(std::move(out).error());
    res.header("Set-Cookie", cleared_refresh_cookie());
    return res;
  }
  Response res = Response::json(200, tokens_json(*out));
  res.header("Set-Cookie", refresh_cookie(out->refresh_token));
  return res;
}

Response handle_logout(IdentityApi& api, Request& req) {
  std::optional<std::string> token;
  if (!req.json.is_null()) {
    Input in(req.json);
    token = in.text({"refresh_token", "refreshToken"}, Need::optional, 1, kMaxTokenChars);
    if (!in.ok()) return Response::from(in.error());
  }
  if (!token) token = cookie_value(req, kRefreshCookie);
  auto out = api.auth->logout(actor_of(req), token);
  if (!out) return Response::from(std::move(out).error());
  Response res = Response::no_content();
  res.header("Set-Cookie", cleared_refresh_cookie());
  return res;
}

Response handle_password(IdentityApi& api, Request& req) {
  Input in(req.json);
  auto current =
      in.text({"current_password", "currentPassword"}, Need::required, 1, kMaxPasswordChars);
  auto next = in.text({"new_password", "newPassword"}, Need::required, 0, kMaxPasswordChars);
  if (!in.ok()) return Response::from(in.error());
  auto out = api.auth->change_password(actor_of(req), *current, *next);
  if (!out) return Response::from(std::move(out).error());
  return Response::no_content();
}

Response handle_forgot(IdentityApi& api, Request& req) {
  Input in(req.json);
  auto email_text = in.text("email", Need::required, 1, 254);
  // A malformed address is refused (it says nothing about which accounts exist); a
  // well-formed one gets the same answer whether or not it is registered.
  if (email_text && !service::normalize_email(*email_text))
    in.issue("email", "must be a valid email address");
  if (!in.ok()) return Response::from(in.error());
  auto out = api.recovery->forgot_password(*email_text);
  if (!out) return Response::from(std::move(out).error());
  return Response::json(202, json::object{{"message",
                                           "If an active account has this email, a link to "
                                           "reset its password is on its way."}});
}

Response handle_reset(IdentityApi& api, Request& req) {
  Input in(req.json);
  auto token = in.text("token", Need::required, 1, 1024);
  auto next = in.text({"new_password", "newPassword"}, Need::required, 0, kMaxPasswordChars);
  if (!in.ok()) return Response::from(in.error());
  auto out = api.recovery->reset_password(actor_of(req), *token, *next);
  if (!out) return Response::from(std::move(out).error());
  return Response::no_content();
}

Response handle_verify_email(IdentityApi& api, Request& req) {
  Input in(req.json);
  auto token = in.text("token", Need::required, 1, 1024);
  if (!in.ok()) return Response::from(in.error());
  auto out = api.recovery->verify_email(actor_of(req), *token);
  if (!out) return Response::from(std::move(out).error());
  return Response::no_content();
}

Response handle_codes(Request& req,
                      const std::function<Result<std::vector<std::string>>(std::string_view)>& fn) {
  Input in(req.json);
  auto otp = in.text("otp", Need::required, 1, 16);
  if (!in.ok()) return Response::from(in.error());
  auto out = fn(*otp);
  if (!out) return Response::from(std::move(out).error());
  json::array codes;
  for (auto& c : *out) codes.emplace_back(std::move(c));
  return Response::json(200, json::object{{"recovery_codes", std::move(codes)}});
}

Response handle_otp(Request& req, const std::function<Result<void>(std::string_view)>& fn) {
  Input in(req.json);
  auto otp = in.text("otp", Need::required, 1, 16);
  if (!in.ok()) return Response::from(in.error());
  auto out = fn(*otp);
  if (!out) return Response::from(std::move(out).error());
  return Response::no_content();
}

}  // namespace

void register_auth_routes(http::Router& router, OpenApi& openapi,
                          std::shared_ptr<IdentityApi> api) {
  openapi.add_schema("RegisterRequest", kRegisterSchema);
  openapi.add_schema("LoginRequest", kLoginSchema);
  openapi.add_schema("AuthSession", kSessionSchema);
  openapi.add_schema("TokenPair", kTokenPairSchema);
  openapi.add_schema("RefreshRequest", kRefreshSchema);
  openapi.add_schema("PasswordChange", kPasswordChangeSchema);
  openapi.add_schema("TotpSetup", kTotpSetupSchema);
  openapi.add_schema("OtpRequest", kOtpSchema);
  openapi.add_schema("RecoveryCodes", kRecoveryCodesSchema);
  openapi.add_schema("ForgotPassword", kForgotSchema);
  openapi.add_schema("PasswordReset", kPasswordResetSchema);
  openapi.add_schema("Accepted", kAcceptedSchema);
  openapi.add_schema("VerifyEmail", kVerifyEmailSchema);

  router.add({.method = Method::post,
              .pattern = "/api/v1/auth/register",
              .handler = [api](Request& req) { return handle_register(*api, req); },
              .body = http::BodyKind::json,
              .doc = {.summary = "Create an account (customer; an admin may create any role) and "
                                 "sign it in",
                      .tag = "auth",
                      .request_schema = "RegisterRequest",
                      .response_schema = "AuthSession",
                      .success_status = 201,
                      .errors = {401, 403, 409}}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/auth/login",
              .handler = [api](Request& req) { return handle_login(*api, req); },
              .body = http::BodyKind::json,
              .doc = {.summary = "Sign in with email, password and (once 2FA is on) otp",
                      .tag = "auth",
                      .request_schema = "LoginRequest",
                      .response_schema = "AuthSession",
                      .errors = {401}}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/auth/refresh",
              .handler = [api](Request& req) { return handle_refresh(*api, req); },
              .body = http::BodyKind::json,
              .doc = {.summary = "Exchange a refresh token (body or cookie) for a new pair; a "
                                 "reused token revokes its session",
                      .tag = "auth",
                      .request_schema = "RefreshRequest",
                      .response_schema = "TokenPair",
                      .errors = {401}}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/auth/logout",
              .handler = [api](Request& req) { return handle_logout(*api, req); },
              .access = auth::Access::any_user(),
              .body = http::BodyKind::json,
              .doc = {.summary = "End the session and revoke the access token",
                      .tag = "auth",
                      .request_schema = "RefreshRequest",
                      .success_status = 204}});
  router.add({.method = Method::get,
              .pattern = "/api/v1/auth/me",
              .handler =
                  [api](Request& req) {
                    auto out = api->auth->me(actor_of(req));
                    if (!out) return Response::from(std::move(out).error());
                    return Response::json(200, user_json(*out));
                  },
              .access = auth::Access::any_user(),
              .doc = {.summary = "The signed-in user", .tag = "auth", .response_schema = "User"}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/auth/password",
              .handler = [api](Request& req) { return handle_password(*api, req); },
              .access = auth::Access::any_user(),
              .body = http::BodyKind::json,
              .doc = {.summary = "Change the password; signs out every other session",
                      .tag = "auth",
                      .request_schema = "PasswordChange",
                      .success_status = 204}});
  router.add(
      {.method = Method::post,
       .pattern = "/api/v1/auth/password/forgot",
       .handler = [api](Request& req) { return handle_forgot(*api, req); },
       .body = http::BodyKind::json,
       .doc = {.summary = "Ask for a password reset link by email (by SMS for an account "
                          "with only a phone)",
               .description = "Always 202 with the same body, whether or not the email is "
                              "registered. An active account gets at most 3 reset mails an hour; "
                              "the link (CREMA_PUBLIC_URL/reset-password?token=…) works once, for "
                              "CREMA_PASSWORD_RESET_MINUTES. Counted in the per-IP auth limit.",
               .tag = "auth",
               .request_schema = "ForgotPassword",
               .response_schema = "Accepted",
               .success_status = 202}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/auth/password/reset",
              .handler = [api](Request& req) { return handle_reset(*api, req); },
              .body = http::BodyKind::json,
              .doc = {.summary = "Set a new password with the token of a reset link; ends every "
                                 "session of the account",
                      .description = "An unknown, used or expired token is 400 invalid_token. "
                                     "Counted in the per-IP auth limit.",
                      .tag = "auth",
                      .request_schema = "PasswordReset",
                      .success_status = 204,
                      .errors = {400}}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/auth/verify-email",
              .handler = [api](Request& req) { return handle_verify_email(*api, req); },
              .body = http::BodyKind::json,
              .doc = {.summary = "Verify the account's email with the token of the mailed link",
                      .description = "Sets email_verified. An unknown, used or expired token "
                                     "(links last 24 hours) is 400 invalid_token. Counted in the "
                                     "per-IP auth limit.",
                      .tag = "auth",
                      .request_schema = "VerifyEmail",
                      .success_status = 204,
                      .errors = {400}}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/auth/verify-email/resend",
              .handler =
                  [api](Request& req) {
                    auto out = api->recovery->resend_verification(actor_of(req));
                    if (!out) return Response::from(std::move(out).error());
                    return Response::json(
                        202, json::object{{"message",
                                           "A new verification link is on its way to your "
                                           "email address."}});
                  },
              .access = auth::Access::any_user(),
              .doc = {.summary = "Send the caller a new email verification link",
                      .description = "409 when the email is already verified; at most 3 "
                                     "verification mails an hour (429 past that).",
                      .tag = "auth",
                      .response_schema = "Accepted",
                      .success_status = 202,
                      .errors = {409, 429}}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/auth/2fa/setup",
              .handler =
                  [api](Request& req) {
                    auto out = api->auth->totp_setup(actor_of(req));
                    if (!out) return Response::from(std::move(out).error());
                    return Response::json(200, json::object{{"secret", out->secret_base32},
                                                            {"otpauth_url", out->otpauth_url}});
                  },
              .access = auth::Access::any_user(),
              .doc = {.summary = "Start TOTP enrolment: a new secret for the authenticator app",
                      .tag = "auth",
                      .response_schema = "TotpSetup",
                      .errors = {409}}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/auth/2fa/enable",
              .handler =
                  [api](Request& req) {
                    auto actor = actor_of(req);
                    return handle_codes(req, [&](std::string_view otp) {
                      return api->auth->totp_enable(actor, otp);
                    });
                  },
              .access = auth::Access::any_user(),
              .body = http::BodyKind::json,
              .doc = {.summary = "Turn 2FA on with a code from the new secret; answers ten "
                                 "one-time recovery codes, shown only this once",
                      .tag = "auth",
                      .request_schema = "OtpRequest",
                      .response_schema = "RecoveryCodes",
                      .errors = {409}}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/auth/2fa/recovery-codes",
              .handler =
                  [api](Request& req) {
                    auto actor = actor_of(req);
                    return handle_codes(req, [&](std::string_view otp) {
                      return api->auth->replace_recovery_codes(actor, otp);
                    });
                  },
              .access = auth::Access::any_user(),
              .body = http::BodyKind::json,
              .doc = {.summary = "Replace the recovery codes (a current code from the app "
                                 "needed); the old ones stop working",
                      .tag = "auth",
                      .request_schema = "OtpRequest",
                      .response_schema = "RecoveryCodes",
                      .errors = {409}}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/auth/2fa/disable",
              .handler =
                  [api](Request& req) {
                    auto actor = actor_of(req);
                    return handle_otp(req, [&](std::string_view otp) {
                      return api->auth->totp_disable(actor, otp);
                    });
                  },
              .access = auth::Access::any_user(),
              .body = http::BodyKind::json,
              .doc = {.summary = "Turn 2FA off with a current code",
                      .tag = "auth",
                      .request_schema = "OtpRequest",
                      .success_status = 204,
                      .errors = {409}}});
}

void register_identity_routes(http::Router& router, OpenApi& openapi,
                              std::shared_ptr<IdentityApi> api) {
  add_user_schemas(openapi);
  register_auth_routes(router, openapi, api);
  register_api_key_routes(router, openapi, api);
  register_user_routes(router, openapi, api);
  register_audit_routes(router, openapi, api);
}

}  // namespace crema::api
